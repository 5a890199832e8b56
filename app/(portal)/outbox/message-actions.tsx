'use client';

import { useActionState, useState, useTransition } from 'react';
import { Button } from '@/components/ui/button';
import { FormStatus } from '@/components/ui/form-status';
import { idle } from '@/lib/action-state';
import { cancelMessageAction, retryMessageAction } from './actions';

/**
 * Send again (failed, cancelled) or Cancel (waiting) one message; the result is announced in place.
 * Cancelling is undone by Send again, so it needs no confirmation.
 */
export function MessageActions({ id, status, label }: { id: string; status: 'pending' | 'failed' | 'cancelled'; label: string }) {
  const [retryState, retry] = useActionState(retryMessageAction, idle);
  const [cancelState, cancel] = useActionState(cancelMessageAction, idle);
  const [last, setLast] = useState<'retry' | 'cancel'>('retry');
  const [pending, startTransition] = useTransition();
  const run = (kind: 'retry' | 'cancel') => {
    if (pending) return;
    const data = new FormData();
    data.set('id', id);
    setLast(kind);
    startTransition(() => (kind === 'retry' ? retry(data) : cancel(data)));
  };
  return (
    <div className="mt-3 space-y-2">
      <FormStatus state={last === 'retry' ? retryState : cancelState} />
      <div className="flex gap-2">
        {/* One button that turns from Cancel into Send again and back, so focus stays on it; aria-disabled
            while working, since a disabled button would drop focus to the page body. */}
        <Button
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
