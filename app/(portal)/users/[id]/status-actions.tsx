'use client';

import { Ban, KeyRound, LockOpen, Mail, ShieldCheck } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, useTransition } from 'react';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { FieldErrors, inputClass } from '@/components/ui/field';
import { useToast } from '@/components/ui/toast';
import { idle, type ActionState } from '@/lib/action-state';
import type { UserStatus } from '@/db/schema';
import { banUserAction, resendInvitationAction, resetUserAction, unlockUserAction, validateUserAction } from './actions';

type Allowed = { ban: boolean; unlock: boolean; reset: boolean; write: boolean };
type Dialog = 'ban' | 'reset' | 'validate' | 'unlock' | null;

/**
 * Validate, Unlock, Resend invitation, Reset and Ban: each shown only where it applies and is allowed;
 * the destructive ones quiet (secondary danger), everything that removes or restores access confirmed.
 * Results are toasts, but a refusal of what was confirmed in a dialog is said in that dialog (see confirm),
 * and a refusal of Resend invitation under the buttons (see run); afterwards focus goes to the next logical control (e.g. Validate after a Ban),
 * never to the page body.
 */
export function StatusActions({ userId, email, name, status, version, passwordExpired = false, allowed }: { userId: string; email: string; name: string; status: UserStatus; version: number; passwordExpired?: boolean; allowed: Allowed }) {
  const [pending, startTransition] = useTransition();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [reason, setReason] = useState('');
  // What the server refused, shown inside the dialog it was confirmed in: a Ban's under the Reason when
  // it is about the reason, anything else above the buttons. A new object each time, so the same
  // refusal twice takes focus again.
  const [refusal, setRefusal] = useState<{ reason: string } | { other: string } | null>(null);
  const refusalText = useRef<HTMLParagraphElement>(null);
  // Resend invitation's refusal, under the buttons; a new object each time, as above.
  const [resendRefusal, setResendRefusal] = useState<{ message: string } | null>(null);
  const resendRefusalText = useRef<HTMLParagraphElement>(null);
  // Which dialog is still open when the server answers (Close stays offered while it works).
  const openDialog = useRef<Dialog>(null);
  useEffect(() => {
    openDialog.current = dialog;
  }, [dialog]);
  const [acted, setActed] = useState(0);
  const group = useRef<HTMLDivElement>(null);
  const toast = useToast();
  const router = useRouter();

  // After an action the buttons change with the status: focus the first one that is now offered.
  useEffect(() => {
    if (acted === 0) return;
    const first = group.current?.querySelector<HTMLButtonElement>('button:not([disabled])');
    if (first) first.focus();
    else document.getElementById('profile-title')?.focus();
  }, [acted, status]);

  useEffect(() => {
    if (!refusal) return;
    if ('reason' in refusal) document.getElementById('ban-reason')?.focus();
    else refusalText.current?.focus();
  }, [refusal]);

  useEffect(() => {
    if (resendRefusal) resendRefusalText.current?.focus();
  }, [resendRefusal]);

  const send = (act: (s: ActionState, d: FormData) => Promise<ActionState>, fields: Record<string, string>) => {
    const data = new FormData();
    data.set('userId', userId);
    for (const [k, v] of Object.entries(fields)) data.set(k, v);
    return act(idle, data);
  };
  // One message per user's status: the latest result replaces the one before it.
  const key = `status:${userId}`;
  const done = (result: ActionState) => {
    if (result.status === 'error') toast(result.message, { tone: 'error', key });
    else if (result.status === 'success') toast(result.message, { key });
    router.refresh();
    setActed((n) => n + 1);
  };

  /**
   * Resend invitation: no dialog, so its success is a toast; a refusal (someone else validated or banned
   * them meanwhile, the rate limit) stays under the buttons with focus on it, while the page refreshes
   * to what the user now is (the button may be gone).
   */
  const run = (act: (s: ActionState, d: FormData) => Promise<ActionState>) => {
    if (pending) return;
    setResendRefusal(null);
    startTransition(async () => {
      const result = await send(act, {});
      if (result.status !== 'error') return done(result);
      setResendRefusal({ message: result.message });
      router.refresh();
    });
  };

  // A confirmed action's dialog stays open until the server answers: a refusal (a reason it does not
  // take, the last Administrator, someone else's change, a user no longer locked or banned) is read in
  // the dialog where it was confirmed, with focus on it, not in a toast that goes away.
  const confirm = (kind: Exclude<Dialog, null>, act: (s: ActionState, d: FormData) => Promise<ActionState>, fields: Record<string, string> = {}) => {
    if (pending) return;
    setRefusal(null);
    setResendRefusal(null);
    startTransition(async () => {
      const result = await send(act, fields);
      if (result.status === 'error' && openDialog.current === kind) {
        const about = kind === 'ban' ? result.fieldErrors?.reason?.[0] : undefined;
        setRefusal(about ? { reason: about } : { other: result.message });
        return;
      }
      // Closed meanwhile: the refusal must still be read, so it is a toast, in its own words (there is
      // no highlighted field left to check).
      if (result.status === 'error') return toast(result.fieldErrors?.reason?.[0] ?? result.message, { tone: 'error', key });
      setDialog(null);
      done(result);
    });
  };
  const close = () => {
    setDialog(null);
    // A refusal often means the page is out of date (someone else unlocked or validated them): the
    // buttons follow what the user is now, and focus goes to the first of them, as after an action
    // (the one that opened the dialog may be gone).
    if (refusal) {
      router.refresh();
      setActed((n) => n + 1);
    }
    setRefusal(null);
  };

  const ban = () => {
    if (pending) return;
    if (!reason.trim()) return setRefusal({ reason: 'Give a reason: it is kept in their history.' });
    confirm('ban', banUserAction, { version: String(version), reason });
  };
  const reasonError = refusal && 'reason' in refusal ? refusal.reason : null;
  // Read out as it takes focus; in a Ban, only one of this and the reason's error shows at a time.
  const refused = refusal && 'other' in refusal && (
    <p ref={refusalText} role="alert" tabIndex={-1} className="mt-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-red-600">
      {refusal.other}
    </p>
  );

  const buttons = [
    allowed.ban && status === 'banned' && <Button key="validate" variant="secondary" aria-disabled={pending || undefined} onClick={() => setDialog('validate')}><ShieldCheck aria-hidden className="size-4" />Validate</Button>,
    allowed.unlock && status === 'locked' && <Button key="unlock" variant="secondary" aria-disabled={pending || undefined} onClick={() => setDialog('unlock')}><LockOpen aria-hidden className="size-4" />Unlock</Button>,
    allowed.write && status === 'invited' && <Button key="resend" variant="secondary" aria-disabled={pending || undefined} onClick={() => run(resendInvitationAction)}><Mail aria-hidden className="size-4" />Resend invitation</Button>,
    allowed.reset && (status === 'locked' || status === 'active') && <Button key="reset" variant="secondary" aria-disabled={pending || undefined} onClick={() => setDialog('reset')}><KeyRound aria-hidden className="size-4" />Reset</Button>,
    allowed.ban && status !== 'banned' && <Button key="ban" variant="danger-secondary" aria-disabled={pending || undefined} onClick={() => setDialog('ban')}><Ban aria-hidden className="size-4" />Ban</Button>,
  ].filter(Boolean);

  return (
    <>
      {(buttons.length > 0 || resendRefusal) && (
        <div className="max-w-md space-y-2">
          {buttons.length > 0 && (
            <div ref={group} role="group" aria-label={`Access of ${name}`} className="flex flex-wrap gap-2">
              {buttons}
            </div>
          )}
          {resendRefusal && (
            <p ref={resendRefusalText} role="alert" tabIndex={-1} className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-red-600">
              {resendRefusal.message}
            </p>
          )}
        </div>
      )}
      <ConfirmDialog
        open={dialog === 'reset'}
        onOpenChange={(open) => !open && close()}
        title={`Reset ${email}?`}
        description="Their current password stops working at once and they are signed out. They receive an email with a link to choose a new password."
        confirmLabel={pending ? 'Resetting…' : 'Reset'}
        pending={pending}
        onConfirm={() => confirm('reset', resetUserAction)}
      >
        {refused}
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'unlock'}
        onOpenChange={(open) => !open && close()}
        title={`Unlock ${email}?`}
        description={passwordExpired ? 'They can sign in again with their current password, and must then choose a new one: it has expired.' : 'They can sign in again at once with their current password.'}
        confirmLabel={pending ? 'Unlocking…' : 'Unlock'}
        tone="primary"
        pending={pending}
        onConfirm={() => confirm('unlock', unlockUserAction)}
      >
        {refused}
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'validate'}
        onOpenChange={(open) => !open && close()}
        title={`Validate ${email}?`}
        description="The ban is lifted and access is restored: they can sign in with their password (or accept a new invitation if they never set one)."
        confirmLabel={pending ? 'Validating…' : 'Validate'}
        tone="primary"
        pending={pending}
        onConfirm={() => confirm('validate', validateUserAction)}
      >
        {refused}
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'ban'}
        onOpenChange={(open) => !open && close()}
        title={`Ban ${email}?`}
        description="They are signed out everywhere and cannot sign in until someone validates them. Their history is kept."
        confirmLabel={pending ? 'Banning…' : 'Ban'}
        pending={pending}
        onConfirm={ban}
      >
        <div className="mt-4 space-y-1">
          <label htmlFor="ban-reason" className="block text-sm font-medium text-slate-800">Reason</label>
          <textarea id="ban-reason" value={reason} onChange={(e) => { setReason(e.target.value); setRefusal(null); }} rows={3} className={inputClass} required aria-invalid={reasonError ? true : undefined} aria-describedby="ban-reason-help ban-reason-error" />
          <p id="ban-reason-help" className="text-xs text-slate-600">Kept in their history.</p>
          <div role="alert">
            <FieldErrors id="ban-reason-error" errors={reasonError ? [reasonError] : undefined} />
          </div>
        </div>
        {refused}
      </ConfirmDialog>
    </>
  );
}
