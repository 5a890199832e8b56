'use client';

import { useRef, useState, useTransition } from 'react';
import { Button } from '@/components/ui/button';
import { FormStatus } from '@/components/ui/form-status';
import { keepFocusNear, spotOf } from '@/components/ui/keep-focus';
import { useToast } from '@/components/ui/toast';
import { idle, type ActionState } from '@/lib/action-state';
import { cancelMessageAction, retryMessageAction } from './actions';

/**
 * Send again (failed, cancelled) or Cancel (waiting) one message; the result is announced in place.
 * Cancelling is undone by Send again, so it needs no confirmation. In a list filtered by status
 * (`leavesList`) the message leaves it once acted on: the result is then a toast, and focus goes to
 * the same button of the next message (see keep-focus.ts), not the page body.
 */
export function MessageActions({ id, status, label, leavesList = false }: { id: string; status: 'pending' | 'failed' | 'cancelled'; label: string; leavesList?: boolean }) {
  const [state, setState] = useState<ActionState>(idle);
  const [pending, startTransition] = useTransition();
  const button = useRef<HTMLButtonElement>(null);
  const toast = useToast();
  const run = (kind: 'retry' | 'cancel') => {
    if (pending) return;
    const data = new FormData();
    data.set('id', id);
    if (button.current) keepFocusNear(spotOf(button.current));
    startTransition(async () => {
      const result = await (kind === 'retry' ? retryMessageAction : cancelMessageAction)(idle, data);
      if (leavesList && result.status === 'success') toast(result.message);
      else setState(result);
    });
  };
  return (
    <div className="mt-3 space-y-2">
      <FormStatus state={state} />
      <div className="flex gap-2">
        {/* One button that turns from Cancel into Send again and back, so focus stays on it; aria-disabled
            while working, since a disabled button would drop focus to the page body. */}
        <Button
          ref={button}
          size="sm"
          variant="secondary"
          aria-disabled={pending || undefined}
          onClick={() => run(status === 'pending' ? 'cancel' : 'retry')}
          aria-label={status === 'pending' ? `Cancel sending: ${label}` : `Send again: ${label}`}
        >
          {/* Not a bare "Cancel", which beside an opened message reads like closing it. */}
          {status === 'pending' ? 'Cancel sending' : 'Send again'}
        </Button>
      </div>
    </div>
  );
}
