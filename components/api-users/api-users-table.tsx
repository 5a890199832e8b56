'use client';

import { useActionState, useEffect, useState, useTransition } from 'react';
import { revokeApiUserAction, deleteApiUserAction } from '@/app/(portal)/users/api/actions';
import { Breakable } from '@/components/ui/breakable';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { useToast } from '@/components/ui/toast';
import { idle, type ActionState } from '@/lib/action-state';
import type { ApiUserRow } from '@/lib/api-users/manage';
import { otherEnvironmentsLabel } from '@/lib/utils';
import { ApiUserStatusBadge } from './api-user-status';
import { ShortDate } from './short-date';

const SCOPES = { user: 'Specific User', environments: 'Environment', organization: 'Organization (All Environments)' } as const;

const perMinute = (n: number) => `${n.toLocaleString('en')} a minute`;

/** What the key reaches, as far as the viewer may know (listApiUsers leaves out what lies beyond their environments). */
function scopeDetail(row: ApiUserRow) {
  if (row.scope === 'user') return row.actsAsEmail ?? 'a user outside your environments';
  if (row.scope === 'environments') {
    const others = row.otherEnvironments ? otherEnvironmentsLabel(row.otherEnvironments) : '';
    return [...row.environments, others].filter(Boolean).join(', ');
  }
  return null;
}

function announce(toast: ReturnType<typeof useToast>, state: ActionState) {
  if (state.status === 'success') toast(state.message);
  else if (state.status === 'error') toast(state.message, { tone: 'error' });
}

type Pending = { kind: 'revoke' | 'delete'; row: ApiUserRow } | null;

export function ApiUsersTable({ rows, canManage, showAll }: { rows: ApiUserRow[]; canManage: boolean; showAll: boolean }) {
  const [confirm, setConfirm] = useState<Pending>(null);
  const [revokeState, revoke] = useActionState(revokeApiUserAction, idle);
  const [deleteState, remove] = useActionState(deleteApiUserAction, idle);
  const [pending, startTransition] = useTransition();
  const toast = useToast();
  // Results are toasts, as elsewhere in the portal: a banner above the table pushed the rows down and
  // stayed, stale, after the view changed.
  useEffect(() => announce(toast, revokeState), [toast, revokeState]);
  useEffect(() => announce(toast, deleteState), [toast, deleteState]);

  const run = () => {
    if (!confirm) return;
    const data = new FormData();
    data.set('id', confirm.row.id);
    startTransition(() => (confirm.kind === 'revoke' ? revoke(data) : remove(data)));
    // Focus goes back to the row's button, or near it once the row is gone (the confirm dialog sees to that).
    setConfirm(null);
  };

  const actions = (row: ApiUserRow) =>
    canManage && (
      <div className="flex gap-2">
        {row.status !== 'revoked' && row.status !== 'expired' && (
          <Button size="sm" variant="secondary" aria-disabled={pending || undefined} onClick={() => !pending && setConfirm({ kind: 'revoke', row })} aria-label={`Revoke ${row.username}`}>
            Revoke
          </Button>
        )}
        <Button size="sm" variant="secondary" aria-disabled={pending || undefined} onClick={() => !pending && setConfirm({ kind: 'delete', row })} aria-label={`Delete ${row.username}`}>
          Delete
        </Button>
      </div>
    );

  return (
    <div className="space-y-3">
      {rows.length === 0 ? (
        <div className="rounded-lg bg-white px-6 py-12 text-center shadow-sm ring-1 ring-slate-200">
          <p className="text-base font-medium">{showAll ? 'No API users yet' : 'No active API users'}</p>
          <p className="mt-1 text-sm text-slate-600">
            {canManage ? 'Add an API user to give an integration a key to the REST API.' : 'An Administrator of every environment can add API users.'}
          </p>
        </div>
      ) : (
        <div className="@container">
          {/* The table's eight columns need about 960 px: it shows from a list that wide (a 1,280 px window), not
              from a 768 px window, where the sidebar left 480 and Revoke and Delete were cut off out of sight;
              cards below. Should it still overflow, it scrolls rather than clips. */}
          <div className="hidden overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200 @min-[60rem]:block">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">API users</caption>
              <thead className="sticky top-0 bg-slate-50 text-xs font-semibold text-slate-600">
                <tr>
                  <th scope="col" className="px-3 py-2">Username</th>
                  <th scope="col" className="px-3 py-2">Scope</th>
                  <th scope="col" className="px-3 py-2">Created</th>
                  <th scope="col" className="px-3 py-2">Expires</th>
                  <th scope="col" className="px-3 py-2">Rate limit</th>
                  <th scope="col" className="px-3 py-2">Last used</th>
                  <th scope="col" className="px-3 py-2">Status</th>
                  <th scope="col" className="w-44 px-3 py-2"><span className="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {rows.map((row) => (
                  <tr key={row.id} className="align-top hover:bg-slate-50">
                    {/* A table cell's max-width is ignored, so the widths are on what is inside, and what is
                        long wraps (the username, which tells the keys apart, whole) rather than widen the table;
                        a description is truncated (whole in a title) and takes no width of its own. */}
                    <td className="px-3 py-2">
                      <span className="block max-w-48 min-w-24 font-medium [overflow-wrap:anywhere]"><Breakable text={row.username} /></span>
                      {row.description && <span className="block w-0 min-w-full truncate text-xs text-slate-600" title={row.description}>{row.description}</span>}
                    </td>
                    <td className="px-3 py-2">
                      <span className="block max-w-48">{SCOPES[row.scope]}</span>
                      {scopeDetail(row) && <span className="block max-w-48 text-xs text-slate-600 [overflow-wrap:anywhere]">{scopeDetail(row)}</span>}
                    </td>
                    <td className="px-3 py-2">
                      <ShortDate value={row.createdAt} />
                      <span className="block max-w-44 text-xs text-slate-600 [overflow-wrap:anywhere]"><Breakable text={row.createdByLabel} /></span>
                    </td>
                    <td className="px-3 py-2"><ShortDate value={row.expiresAt} /></td>
                    <td className="px-3 py-2 whitespace-nowrap">{perMinute(row.rateLimitPerMinute)}</td>
                    <td className="px-3 py-2"><ShortDate value={row.lastUsedAt} /></td>
                    <td className="px-3 py-2"><ApiUserStatusBadge status={row.status} suspendedBecause={row.suspendedBecause} suspendedLabel={row.suspendedLabel} /></td>
                    <td className="px-3 py-2">{actions(row)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ul className="space-y-3 @min-[60rem]:hidden" aria-label="API users">
            {rows.map((row) => (
              <li key={row.id} className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
                <div className="flex items-start justify-between gap-2">
                  <div className="min-w-0">
                    {/* A card has room to wrap, and a phone no tooltip to show what a truncated value hid. */}
                    <p className="font-medium [overflow-wrap:anywhere]">{row.username}</p>
                    {row.description && <p className="text-xs text-slate-600 [overflow-wrap:anywhere]">{row.description}</p>}
                  </div>
                  <ApiUserStatusBadge status={row.status} />
                </div>
                {row.status === 'suspended' && row.suspendedBecause && (
                  <p className="mt-2 text-sm text-amber-800">Suspended: {row.suspendedBecause}. It works again once they are active.</p>
                )}
                <dl className="mt-2 grid grid-cols-[6rem_1fr] gap-x-2 gap-y-1 text-sm">
                  <dt className="text-slate-600">Scope</dt>
                  <dd className="min-w-0 [overflow-wrap:anywhere]">{SCOPES[row.scope]}{scopeDetail(row) ? `: ${scopeDetail(row)}` : ''}</dd>
                  <dt className="text-slate-600">Created</dt>
                  <dd className="min-w-0 [overflow-wrap:anywhere]"><ShortDate value={row.createdAt} /> by {row.createdByLabel}</dd>
                  <dt className="text-slate-600">Expires</dt>
                  <dd><ShortDate value={row.expiresAt} /></dd>
                  <dt className="text-slate-600">Rate limit</dt>
                  <dd>{perMinute(row.rateLimitPerMinute)}</dd>
                  <dt className="text-slate-600">Last used</dt>
                  <dd><ShortDate value={row.lastUsedAt} /></dd>
                </dl>
                <div className="mt-3">{actions(row)}</div>
              </li>
            ))}
          </ul>
        </div>
      )}
      <ConfirmDialog
        open={confirm !== null}
        onOpenChange={(open) => !open && setConfirm(null)}
        title={confirm?.kind === 'revoke' ? `Revoke ${confirm.row.username}?` : `Delete ${confirm?.row.username ?? ''}?`}
        description={
          confirm?.kind === 'revoke' ? (
            <p>The key of <strong>{confirm.row.username}</strong> and its tokens stop working at once, for good. Integrations using it will fail until they get a new API user’s key.</p>
          ) : (
            <p>
              <strong>{confirm?.row.username}</strong> is removed from this list{confirm?.row.status === 'active' || confirm?.row.status === 'expires_soon' || confirm?.row.status === 'suspended' ? ' and its key stops working at once' : ''}. Its past actions stay in the audit log.
            </p>
          )
        }
        confirmLabel={confirm?.kind === 'revoke' ? 'Revoke API user' : 'Delete API user'}
        onConfirm={run}
      />
    </div>
  );
}
