import { ChevronLeft } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import { HistoryList } from '@/components/audit/history-list';
import { Alert } from '@/components/ui/alert';
import { LocalTime } from '@/components/ui/local-time';
import { PageHeader } from '@/components/ui/page-header';
import { PersonName } from '@/components/ui/person-name';
import { AddedNotice } from '@/components/users/added-notice';
import { BackToList } from '@/components/users/list-focus';
import { StatusBadge } from '@/components/users/status-badge';
import { UserForm } from '@/components/users/user-form';
import { db } from '@/db';
import { describeAuditEvents } from '@/lib/audit/describe';
import { listUserHistory } from '@/lib/audit/list';
import { auditNames } from '@/lib/audit/names';
import { hasPermission } from '@/lib/auth/permissions';
import { principalOf } from '@/lib/auth/principal';
import { getCurrentUser, getVisibleEnvironments, requirePermission } from '@/lib/auth/session';
import { nullIfNotFound } from '@/lib/errors';
import { grantableRoles, listRoles } from '@/lib/roles';
import { idParam, UUID } from '@/lib/search-params';
import { changeRefusal, findVisibleUser, membershipsOf } from '@/lib/users/scope';
import { loadConflict, updateUserAction } from './actions';
import { StatusActions } from './status-actions';

/** Why a user is locked, in a sentence: the attempts are counted once, and only where they are the reason. */
const lockedBecause = (user: { lockReason: string | null; failedAttempts: number }) =>
  user.lockReason === 'failed_attempts'
    ? `Locked after ${user.failedAttempts} failed sign-in ${user.failedAttempts === 1 ? 'attempt' : 'attempts'}`
    : user.lockReason === 'password_expired'
      ? 'Locked because the password expired'
      : 'Locked';

// One lookup per request, shared by the title and the page.
const visibleUser = cache(async (id: string) => {
  const viewer = await getCurrentUser();
  if (!viewer || !hasPermission(viewer, 'users.read') || !UUID.test(id)) return null;
  return nullIfNotFound(findVisibleUser(db, principalOf(viewer), id));
});

// Someone who may not read users gets the 403 page, titled after the area; anyone else a missing (or
// hidden) user's 404, whose title says so, as the other not-found pages do.
export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const viewer = await getCurrentUser();
  if (!viewer || !hasPermission(viewer, 'users.read')) return { title: 'Users' };
  const user = await visibleUser((await params).id);
  return { title: user ? `${user.firstName} ${user.lastName} · Users` : 'User not found' };
}

export default async function UserPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ added?: string | string[]; before?: string | string[] }> }) {
  const viewer = await requirePermission('users.read');
  const [{ id }, { added, before }] = await Promise.all([params, searchParams]);
  const user = await visibleUser(id);
  if (!user) notFound();
  const principal = principalOf(viewer);
  const beforeId = idParam(before);
  const [roles, environments, memberships, history] = await Promise.all([
    listRoles(db),
    getVisibleEnvironments(viewer),
    membershipsOf(db, user.id),
    listUserHistory(db, user.id, { viewer: principal, beforeId }),
  ]);
  const names = await auditNames(db, history.events, principal);
  const described = describeAuditEvents(history.events, names, { about: user.id });
  const refusal = changeRefusal(principal, user, memberships);
  const changeable = refusal === null;
  const canEdit = changeable && hasPermission(viewer, 'users.write');
  const self = user.id === viewer.id;
  const name = `${user.firstName} ${user.lastName}`;
  const roleFields = roles.find((r) => r.id === user.roleId)?.requiredFields ?? [];

  return (
    <>
      {added && <AddedNotice email={user.email} />}
      <PageHeader
        back={<BackToList className="inline-flex items-center gap-1 font-medium text-slate-600 hover:text-slate-900"><ChevronLeft aria-hidden className="size-4" />Users</BackToList>}
        title={<span id="profile-title" tabIndex={-1} className="inline-flex flex-wrap items-center gap-2 rounded-sm focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"><span><PersonName first={user.firstName} last={user.lastName} /></span> <StatusBadge status={user.status} /></span>}
        description={
          <>
            <span className="[overflow-wrap:anywhere]">{user.email}</span> · {user.roleName}
            {user.status === 'locked' && (
              <span className="mt-1 block text-amber-800">
                {lockedBecause(user)}, since{' '}
                <LocalTime value={user.lockedAt} fallback="an unknown time" inline />.
              </span>
            )}
            {user.status === 'banned' && user.banReason && <span className="mt-1 block text-red-800 [overflow-wrap:anywhere]">Banned: {user.banReason}</span>}
          </>
        }
        actions={
          changeable && (
            <StatusActions
              userId={user.id}
              email={user.email}
              name={name}
              status={user.status}
              version={user.version}
              passwordExpired={user.status === 'locked' && user.lockReason === 'password_expired'}
              allowed={{ ban: hasPermission(viewer, 'users.ban') && !self, unlock: hasPermission(viewer, 'users.unlock'), reset: hasPermission(viewer, 'users.unlock') && !self, write: hasPermission(viewer, 'users.write') }}
            />
          )
        }
      />
      {refusal && <Alert tone="info" className="mb-4">{refusal.replace('You cannot change', 'You can view but not change')}</Alert>}

      <div className="grid gap-8 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <section aria-labelledby="profile-heading" className="min-w-0">
          <h2 id="profile-heading" className="mb-3 text-sm font-semibold text-slate-900">Profile</h2>
          {canEdit ? (
            <UserForm
              mode="edit"
              action={updateUserAction}
              loadConflict={loadConflict}
              roles={grantableRoles(principal, roles)}
              environments={environments}
              userId={user.id}
              // Nobody makes themselves inactive; invited and banned users have no access to suspend.
              canDeactivate={!self && user.status !== 'invited' && user.status !== 'banned'}
              self={self}
              initial={{
                firstName: user.firstName,
                lastName: user.lastName,
                email: user.email,
                roleId: user.roleId,
                environmentIds: memberships,
                tags: user.tags,
                profile: user.profile,
                inactive: user.status === 'inactive',
                version: user.version,
                seenAt: user.updatedAt.toISOString(),
              }}
            />
          ) : (
            <dl className="grid gap-3 rounded-lg bg-white p-5 text-sm ring-1 ring-slate-200 sm:grid-cols-2">
              <div><dt className="text-slate-600">Email</dt><dd className="font-medium [overflow-wrap:anywhere]">{user.email}</dd></div>
              <div><dt className="text-slate-600">Role</dt><dd className="font-medium">{user.roleName}</dd></div>
              <div><dt className="text-slate-600">Tags</dt><dd className="font-medium [overflow-wrap:anywhere]">{user.tags.map((t) => `${t.name}=${t.value}`).join(', ') || 'None'}</dd></div>
              {roleFields.map((f) => (
                <div key={f.key}><dt className="text-slate-600">{f.label}</dt><dd className="font-medium [overflow-wrap:anywhere]">{(Object.hasOwn(user.profile, f.key) && user.profile[f.key]) || 'None'}</dd></div>
              ))}
            </dl>
          )}
          <dl className="mt-4 grid gap-3 text-sm sm:grid-cols-3">
            <div><dt className="text-slate-600">Last sign-in</dt><dd data-testid="last-sign-in"><LocalTime value={user.lastSignInAt} /></dd></div>
            <div><dt className="text-slate-600">Password changed</dt><dd><LocalTime value={user.passwordChangedAt} /></dd></div>
            <div><dt className="text-slate-600">Created</dt><dd><LocalTime value={user.createdAt} /></dd></div>
          </dl>
        </section>

        <section aria-labelledby="history-heading" className="min-w-0">
          <h2 id="history-heading" className="mb-3 text-sm font-semibold text-slate-900">History</h2>
          {described.length === 0 ? <p className="text-sm text-slate-600">Nothing recorded yet.</p> : <HistoryList events={described} />}
          <nav aria-label="History pages" className="mt-4 flex gap-3 text-sm">
            {beforeId && <Link href={`/users/${user.id}`} className="font-medium text-indigo-700 hover:underline">Newest</Link>}
            {history.nextBefore && <Link href={`/users/${user.id}?before=${history.nextBefore}`} className="font-medium text-indigo-700 hover:underline">Older events</Link>}
          </nav>
        </section>
      </div>
    </>
  );
}
