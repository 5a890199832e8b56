'use client';

import { useState, useTransition } from 'react';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { FieldErrors, inputClass } from '@/components/ui/field';
import { FormStatus } from '@/components/ui/form-status';
import { idle, type ActionState } from '@/lib/action-state';
import type { UserStatus } from '@/db/schema';
import { banUserAction, resendInvitationAction, resetUserAction, unlockUserAction, validateUserAction } from './actions';

type Allowed = { ban: boolean; unlock: boolean; write: boolean };

/** Ban, Validate, Unlock, Reset, Resend invitation: each shown only where it applies and is allowed. */
export function StatusActions({ userId, email, status, version, allowed }: { userId: string; email: string; status: UserStatus; version: number; allowed: Allowed }) {
  const [state, setState] = useState<ActionState>(idle);
  const [pending, startTransition] = useTransition();
  const [dialog, setDialog] = useState<'ban' | 'reset' | null>(null);
  const [reason, setReason] = useState('');
  const [reasonMissing, setReasonMissing] = useState(false);

  const run = (act: (s: ActionState, d: FormData) => Promise<ActionState>, fields: Record<string, string> = {}) => {
    const data = new FormData();
    data.set('userId', userId);
    for (const [k, v] of Object.entries(fields)) data.set(k, v);
    startTransition(async () => setState(await act(idle, data)));
  };

  const buttons = [
    allowed.ban && status !== 'banned' && <Button key="ban" variant="danger" disabled={pending} onClick={() => setDialog('ban')}>Ban</Button>,
    allowed.ban && status === 'banned' && <Button key="validate" disabled={pending} onClick={() => run(validateUserAction)}>Validate</Button>,
    allowed.unlock && status === 'locked' && <Button key="unlock" disabled={pending} onClick={() => run(unlockUserAction)}>Unlock</Button>,
    allowed.unlock && (status === 'locked' || status === 'active') && <Button key="reset" variant="secondary" disabled={pending} onClick={() => setDialog('reset')}>Reset</Button>,
    allowed.write && status === 'invited' && <Button key="resend" variant="secondary" disabled={pending} onClick={() => run(resendInvitationAction)}>Resend invitation</Button>,
  ].filter(Boolean);

  return (
    <div className="space-y-3">
      <FormStatus state={state} />
      {buttons.length > 0 && <div className="flex flex-wrap gap-2">{buttons}</div>}
      <ConfirmDialog
        open={dialog === 'reset'}
        onOpenChange={(open) => !open && setDialog(null)}
        title={`Reset ${email}?`}
        description="Their current password stops working at once and they are signed out. They receive an email with a link to choose a new password."
        confirmLabel="Reset"
        onConfirm={() => {
          setDialog(null);
          run(resetUserAction);
        }}
      />
      <ConfirmDialog
        open={dialog === 'ban'}
        onOpenChange={(open) => !open && setDialog(null)}
        title={`Ban ${email}?`}
        description="They are signed out everywhere and cannot sign in until someone validates them. Their history is kept."
        confirmLabel="Ban"
        onConfirm={() => {
          if (!reason.trim()) return setReasonMissing(true);
          setDialog(null);
          run(banUserAction, { version: String(version), reason });
        }}
      >
        <div className="mt-4 space-y-1">
          <label htmlFor="ban-reason" className="block text-sm font-medium text-slate-800">Reason</label>
          <textarea id="ban-reason" value={reason} onChange={(e) => { setReason(e.target.value); setReasonMissing(false); }} rows={3} className={inputClass} required aria-invalid={reasonMissing || undefined} aria-describedby="ban-reason-help ban-reason-error" />
          <p id="ban-reason-help" className="text-xs text-slate-600">Kept in the user&apos;s history.</p>
          <FieldErrors id="ban-reason-error" errors={reasonMissing ? ['Give a reason for the ban.'] : undefined} />
        </div>
      </ConfirmDialog>
    </div>
  );
}
