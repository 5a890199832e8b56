'use client';

import Link from 'next/link';
import { useActionState, useState, useTransition } from 'react';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { FormStatus } from '@/components/ui/form-status';
import { LocalTime } from '@/components/ui/local-time';
import { idle } from '@/lib/action-state';
import type { LockedUser } from '@/lib/users/locked';
import { resetUsersAction, unlockUsersAction } from './actions';

const REASONS = { failed_attempts: 'Too many failed attempts', password_expired: 'Password expired' } as const;

export function LockedUsersTable({ users, canAct, truncated }: { users: LockedUser[]; canAct: boolean; truncated: boolean }) {
  const [selected, setSelected] = useState<string[]>([]);
  const [confirmReset, setConfirmReset] = useState<string[] | null>(null);
  const [unlockState, unlock] = useActionState(unlockUsersAction, idle);
  const [resetState, reset] = useActionState(resetUsersAction, idle);
  const [last, setLast] = useState<'unlock' | 'reset'>('unlock');
  const [pending, startTransition] = useTransition();

  const run = (kind: 'unlock' | 'reset', ids: string[]) => {
    const data = new FormData();
    for (const id of ids) data.append('userIds', id);
    setLast(kind);
    startTransition(() => (kind === 'unlock' ? unlock(data) : reset(data)));
    setSelected((s) => s.filter((id) => !ids.includes(id)));
  };
  const nameOf = (id: string) => users.find((u) => u.id === id)?.email ?? 'the user';
  const allSelected = users.length > 0 && selected.length === users.length;

  if (users.length === 0) {
    return (
      <>
        <FormStatus state={last === 'unlock' ? unlockState : resetState} />
        <div className="rounded-lg bg-white px-6 py-12 text-center shadow-sm ring-1 ring-slate-200">
          <p className="text-base font-medium">No one is locked out</p>
          <p className="mt-1 text-sm text-slate-600">Users locked by failed sign-ins or an expired password appear here.</p>
        </div>
      </>
    );
  }

  return (
    <div className="space-y-3">
      <FormStatus state={last === 'unlock' ? unlockState : resetState} />
      {canAct && (
        <div className="flex flex-wrap items-center gap-2" role="toolbar" aria-label="Selected users">
          <span className="text-sm text-slate-600">{selected.length} selected</span>
          <Button size="sm" variant="secondary" disabled={selected.length === 0 || pending} onClick={() => run('unlock', selected)}>
            Unlock selected
          </Button>
          <Button size="sm" variant="secondary" disabled={selected.length === 0 || pending} onClick={() => setConfirmReset(selected)}>
            Reset selected
          </Button>
        </div>
      )}
      <div className="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">Locked users</caption>
          <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
            <tr>
              {canAct && (
                <th scope="col" className="w-10 px-4 py-3">
                  <input
                    type="checkbox"
                    aria-label="Select all locked users"
                    checked={allSelected}
                    onChange={(e) => setSelected(e.target.checked ? users.map((u) => u.id) : [])}
                    className="size-4 rounded border-slate-300"
                  />
                </th>
              )}
              <th scope="col" className="px-4 py-3">Name</th>
              <th scope="col" className="px-4 py-3">Email</th>
              <th scope="col" className="px-4 py-3">Reason</th>
              <th scope="col" className="px-4 py-3">Locked since</th>
              <th scope="col" className="px-4 py-3 text-right">Failed attempts</th>
              {canAct && <th scope="col" className="px-4 py-3 text-right">Actions</th>}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {users.map((u) => {
              const name = `${u.firstName} ${u.lastName}`;
              return (
                <tr key={u.id}>
                  {canAct && (
                    <td className="px-4 py-3">
                      <input
                        type="checkbox"
                        aria-label={`Select ${name}`}
                        checked={selected.includes(u.id)}
                        onChange={(e) => setSelected((s) => (e.target.checked ? [...s, u.id] : s.filter((id) => id !== u.id)))}
                        className="size-4 rounded border-slate-300"
                      />
                    </td>
                  )}
                  <td className="px-4 py-3 font-medium">
                    <Link href={`/users/${u.id}`} className="text-indigo-700 hover:underline">{name}</Link>
                  </td>
                  <td className="px-4 py-3 text-slate-700">{u.email}</td>
                  <td className="px-4 py-3">
                    <Badge tone={u.lockReason === 'password_expired' ? 'slate' : 'amber'}>{u.lockReason ? REASONS[u.lockReason] : 'Locked'}</Badge>
                  </td>
                  <td className="px-4 py-3 text-slate-700"><LocalTime value={u.lockedAt} fallback="Unknown" /></td>
                  <td className="px-4 py-3 text-right tabular-nums">{u.failedAttempts}</td>
                  {canAct && (
                    <td className="px-4 py-3">
                      <div className="flex justify-end gap-2">
                        <Button size="sm" variant="secondary" disabled={pending} onClick={() => run('unlock', [u.id])} aria-label={`Unlock ${name}`}>
                          Unlock
                        </Button>
                        <Button size="sm" variant="secondary" disabled={pending} onClick={() => setConfirmReset([u.id])} aria-label={`Reset ${name}`}>
                          Reset
                        </Button>
                      </div>
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {truncated && <p className="text-sm text-slate-600">Showing the {users.length} most recently locked users. Unlock or reset some to see the rest.</p>}
      <ConfirmDialog
        open={confirmReset !== null}
        onOpenChange={(open) => !open && setConfirmReset(null)}
        title={confirmReset?.length === 1 ? `Reset ${nameOf(confirmReset[0]!)}?` : `Reset ${confirmReset?.length} users?`}
        description="Their current password stops working at once and they are signed out. Each receives an email with a link to choose a new password."
        confirmLabel="Reset"
        onConfirm={() => {
          run('reset', confirmReset ?? []);
          setConfirmReset(null);
        }}
      />
    </div>
  );
}
