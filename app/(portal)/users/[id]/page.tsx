import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Alert } from '@/components/ui/alert';
import { LocalTime } from '@/components/ui/local-time';
import { UserForm } from '@/components/users/user-form';
import { StatusBadge } from '@/components/users/status-badge';
import { db } from '@/db';
import { listUserHistory } from '@/lib/audit/list';
import { hasPermission } from '@/lib/auth/permissions';
import { grantableRoles, listRoles } from '@/lib/roles';
import { principalOf } from '@/lib/auth/principal';
import { getVisibleEnvironments, requirePermission } from '@/lib/auth/session';
import { AppError } from '@/lib/errors';
import { idParam } from '@/lib/search-params';
import { changeRefusal, findVisibleUser, membershipsOf } from '@/lib/users/scope';
import { updateUserAction } from './actions';
import { StatusActions } from './status-actions';

export const metadata: Metadata = { title: 'User' };

const REASONS = { failed_attempts: 'too many failed sign-in attempts', password_expired: 'an expired password' } as const;

export default async function UserPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ added?: string | string[]; before?: string | string[] }> }) {
  const viewer = await requirePermission('users.read');
  const [{ id }, { added, before }] = await Promise.all([params, searchParams]);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) notFound();
  const principal = principalOf(viewer);
  const user = await findVisibleUser(db, principal, id).catch((error) => {
    if (error instanceof AppError && error.code === 'not_found') notFound();
    throw error;
  });
  const beforeId = idParam(before);
  const [roles, environments, memberships, history] = await Promise.all([
    listRoles(db),
    getVisibleEnvironments(viewer),
    membershipsOf(db, user.id),
    listUserHistory(db, user.id, { asActor: hasPermission(viewer, 'audit.read'), beforeId }),
  ]);
  const refusal = changeRefusal(principal, user, memberships);
  const changeable = refusal === null;
  const canEdit = changeable && hasPermission(viewer, 'users.write');
  const name = `${user.firstName} ${user.lastName}`;

  return (
    <>
      <p className="mb-2 text-sm"><Link href="/users" className="font-medium text-indigo-700 hover:underline">← Users</Link></p>
      <div className="mb-6 flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="flex items-center gap-3 text-2xl font-semibold tracking-tight">{name} <StatusBadge status={user.status} /></h1>
          <p className="mt-1 text-sm text-slate-600">{user.email} · {user.roleName}</p>
          {user.status === 'locked' && (
            <p className="mt-1 text-sm text-amber-800">
              Locked because of {user.lockReason ? REASONS[user.lockReason] : 'an unknown reason'} ({user.failedAttempts} failed attempts) since{' '}
              <LocalTime value={user.lockedAt} fallback="an unknown time" inline />.
            </p>
          )}
          {user.status === 'banned' && user.banReason && <p className="mt-1 text-sm text-red-800">Banned: {user.banReason}</p>}
        </div>
        {changeable && (
          <StatusActions
            userId={user.id}
            email={user.email}
            status={user.status}
            version={user.version}
            allowed={{ ban: hasPermission(viewer, 'users.ban') && viewer.id !== user.id, unlock: hasPermission(viewer, 'users.unlock'), write: hasPermission(viewer, 'users.write') }}
          />
        )}
      </div>
      {added && <Alert tone="success" className="mb-4">The user was added and an invitation was sent.</Alert>}
      {refusal && <Alert tone="info" className="mb-4">{refusal.replace('You cannot change', 'You can view but not change')}</Alert>}

      <div className="grid gap-8 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <section aria-labelledby="profile-heading">
          <h2 id="profile-heading" className="mb-3 text-base font-semibold">Profile</h2>
          {canEdit ? (
            <UserForm
              mode="edit"
              action={updateUserAction}
              roles={grantableRoles(principal, roles)}
              environments={environments}
              userId={user.id}
              initial={{
                firstName: user.firstName,
                lastName: user.lastName,
                email: user.email,
                roleId: user.roleId,
                environmentIds: memberships,
                tags: user.tags,
                inactive: user.status === 'inactive',
                version: user.version,
              }}
            />
          ) : (
            <dl className="grid gap-3 rounded-lg bg-white p-6 text-sm shadow-sm ring-1 ring-slate-200 sm:grid-cols-2">
              <div><dt className="text-slate-600">Email</dt><dd className="font-medium">{user.email}</dd></div>
              <div><dt className="text-slate-600">Role</dt><dd className="font-medium">{user.roleName}</dd></div>
              <div><dt className="text-slate-600">Tags</dt><dd className="font-medium">{user.tags.map((t) => `${t.name}=${t.value}`).join(', ') || 'None'}</dd></div>
            </dl>
          )}
          <dl className="mt-4 grid gap-3 text-sm sm:grid-cols-3">
            <div><dt className="text-slate-600">Last sign-in</dt><dd><LocalTime value={user.lastSignInAt} /></dd></div>
            <div><dt className="text-slate-600">Password changed</dt><dd><LocalTime value={user.passwordChangedAt} /></dd></div>
            <div><dt className="text-slate-600">Created</dt><dd><LocalTime value={user.createdAt} /></dd></div>
          </dl>
        </section>

        <section aria-labelledby="history-heading">
          <h2 id="history-heading" className="mb-3 text-base font-semibold">History</h2>
          {history.events.length === 0 ? (
            <p className="text-sm text-slate-600">Nothing recorded yet.</p>
          ) : (
            <ol className="space-y-2">
              {history.events.map((e) => (
                <li key={e.id} className="rounded-md bg-white p-3 text-sm shadow-sm ring-1 ring-slate-200">
                  <div className="flex justify-between gap-2">
                    <span className="font-medium">{e.action}</span>
                    <span className="text-xs text-slate-600"><LocalTime value={e.at} /></span>
                  </div>
                  <p className="text-slate-700">by {e.actorLabel}{e.targetId === user.id ? '' : ` on ${e.targetLabel ?? 'the organization'}`}</p>
                  {e.detail && <p className="text-slate-700">{e.detail}</p>}
                  {e.changes && (
                    <ul className="mt-1 text-xs text-slate-600">
                      {Object.entries(e.changes).map(([field, c]) => (
                        <li key={field}>{field}: {JSON.stringify(c.before)} → {JSON.stringify(c.after)}</li>
                      ))}
                    </ul>
                  )}
                </li>
              ))}
            </ol>
          )}
          <nav aria-label="History pages" className="mt-3 flex gap-3 text-sm">
            {beforeId && <Link href={`/users/${user.id}`} className="font-medium text-indigo-700 hover:underline">Newest</Link>}
            {history.nextBefore && <Link href={`/users/${user.id}?before=${history.nextBefore}`} className="font-medium text-indigo-700 hover:underline">Older events</Link>}
          </nav>
        </section>
      </div>
    </>
  );
}
