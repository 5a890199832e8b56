'use client';

import { useRef, useState, useTransition } from 'react';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { inputClass } from '@/components/ui/field';
import { FormStatus } from '@/components/ui/form-status';
import { useToast } from '@/components/ui/toast';
import { idle, type ActionState } from '@/lib/action-state';
import { deleteRoleAction, moveRoleUsersAction } from './actions';

/**
 * Delete, confirmed in a dialog. A role in use is refused; the same dialog then offers to move its
 * users to another role, after which focus goes to Delete role. Deleted, the row is gone: the result
 * is a toast (ConfirmDialog puts focus on the next row). `others` is null for someone who may not
 * change users' roles (users.write): the dialog then says who can move them instead of offering it.
 */
export function DeleteRole({ role, others }: { role: { id: string; name: string; userCount: number }; others: { id: string; name: string }[] | null }) {
  const [open, setOpen] = useState(false);
  const [state, setState] = useState<ActionState>(idle);
  const [pending, startTransition] = useTransition();
  const target = useRef<HTMLSelectElement>(null);
  const confirm = useRef<HTMLButtonElement>(null);
  const toast = useToast();

  const run = (act: (s: ActionState, d: FormData) => Promise<ActionState>, fields: Record<string, string>, after?: (s: ActionState) => void) => {
    const data = new FormData();
    for (const [k, v] of Object.entries(fields)) data.set(k, v);
    startTransition(async () => {
      const result = await act(idle, data);
      setState(result);
      after?.(result);
    });
  };

  const users = `${role.userCount} user${role.userCount === 1 ? '' : 's'}`;
  return (
    <>
      <Button variant="ghost" size="sm" onClick={() => { setState(idle); setOpen(true); }} aria-label={`Delete ${role.name}`}>
        Delete
      </Button>
      <ConfirmDialog
        open={open}
        onOpenChange={setOpen}
        title={`Delete the ${role.name} role?`}
        description={role.userCount > 0 ? `${role.name} is held by ${users}. A role in use cannot be deleted until its users are moved.` : 'The role is removed for good. Its history stays in the audit log.'}
        confirmLabel="Delete role"
        confirmRef={confirm}
        onConfirm={() =>
          run(deleteRoleAction, { roleId: role.id }, (result) => {
            if (result.status !== 'success') return;
            setOpen(false);
            toast(result.message);
          })
        }
      >
        <div className="mt-4 space-y-3">
          <FormStatus state={state} />
          {role.userCount > 0 && !others && (
            <p className="text-sm text-slate-700">Moving its users changes each one&apos;s role, which needs permission to edit users: ask someone who has it.</p>
          )}
          {role.userCount > 0 && others && (
            <div className="space-y-2 rounded-md bg-slate-50 p-3 ring-1 ring-slate-200">
              <label htmlFor={`move-${role.id}`} className="block text-sm font-medium text-slate-800">
                Move its {users} to
              </label>
              <select id={`move-${role.id}`} ref={target} className={inputClass} defaultValue="">
                <option value="" disabled>Choose a role</option>
                {others.map((r) => (
                  <option key={r.id} value={r.id}>{r.name}</option>
                ))}
              </select>
              <p className="text-xs text-slate-600">Each user&apos;s role change is audited and they are signed out. Done in batches.</p>
              <Button variant="secondary" aria-disabled={pending || undefined} onClick={() =>
                  !pending && run(moveRoleUsersAction, { roleId: role.id, toRoleId: target.current?.value ?? '' }, (result) => {
                    // This section goes with the users it moved: on to the next step.
                    if (result.status === 'success') confirm.current?.focus();
                  })
                }>
                Move {users}
              </Button>
            </div>
          )}
        </div>
      </ConfirmDialog>
    </>
  );
}
