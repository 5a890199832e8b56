import type { Metadata } from 'next';
import { Suspense } from 'react';
import { PageHeader } from '@/components/ui/page-header';
import { TableSkeleton } from '@/components/ui/skeleton';
import { BulkJobSlot } from '@/components/users/bulk-job-bar';
import { UserListResults } from '@/components/users/user-list-results';
import { UsersTabs } from '@/components/users/users-tabs';
import { UsersToolbar } from '@/components/users/users-toolbar';
import { db } from '@/db';
import { hasPermission } from '@/lib/auth/permissions';
import { principalOf, type Principal } from '@/lib/auth/principal';
import { getCurrentEnvironment, requirePermission } from '@/lib/auth/session';
import { activeBulkJob } from '@/lib/users/bulk-jobs';
import { countLockedUsers, listLockedUsers, lockedParamsSchema, type LockedParams } from '@/lib/users/locked';
import { listReadAt } from '@/lib/users/list';
import { ListAnnouncer } from '@/components/users/list-focus';

export const metadata: Metadata = { title: 'Locked Users · Users' };

const number = new Intl.NumberFormat('en');

type Count = Awaited<ReturnType<typeof countLockedUsers>>;

async function LockedResults({ principal, environmentId, params, canUnlock, counted }: { principal: Principal; environmentId: string; params: LockedParams; canUnlock: boolean; counted: Count | null }) {
  const [page, total] = await Promise.all([listLockedUsers(db, principal, environmentId, params), counted ?? countLockedUsers(db, principal, environmentId, params)]);
  // Read after the rows and the count: "all N matching" leaves out anyone locked after this.
  const readAt = await listReadAt(db);
  const strings = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
  return (
    <UserListResults
      list={{ variant: 'locked', base: '/users/locked', rows: page.users, total, environmentId, readAt, params: strings, can: { ban: false, unlock: canUnlock, write: false }, roles: [], environments: [] }}
      next={page.next}
      previous={page.previous}
      filtered={Boolean(params.q)}
      empty={params.q ? { title: 'No locked users match', body: 'Try another search.' } : { title: 'No one is locked out', body: 'Users locked by failed sign-ins or an expired password appear here.' }}
    />
  );
}

export default async function LockedUsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePermission('users.read');
  const raw = await searchParams;
  const params = lockedParamsSchema.parse(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v || undefined])));
  const environment = await getCurrentEnvironment(user);
  const principal = principalOf(user);
  // One count for the tab's badge and, without a search, for the results too (an index-only scan of
  // the locked users' partial index), so the two figures on the page always agree.
  const [locked, bulkJob] = await Promise.all([environment ? countLockedUsers(db, principal, environment.id) : null, activeBulkJob(db, principal)]);
  const strings = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
  return (
    <>
      <PageHeader title="Users" description={`Locked out of ${environment?.name ?? 'your environments'}: unlock them, or reset so they choose a new password.`} />
      <UsersTabs current="locked" permissions={user.permissions} counts={locked ? { locked: `${locked.exact ? '' : '~'}${number.format(locked.count)}` } : {}} />
      <BulkJobSlot job={bulkJob} />
      <UsersToolbar
        action="/users/locked"
        params={strings}
        keep={['sort', 'dir']}
        filters={false}
        layout="locked"
        sorts={[
          { value: 'lockedAt:desc', label: 'Locked most recently' },
          { value: 'lockedAt:asc', label: 'Locked longest ago' },
          { value: 'name:asc', label: 'Name, A to Z' },
          { value: 'name:desc', label: 'Name, Z to A' },
        ]}
      />
      <ListAnnouncer />
      {environment ? (
        <Suspense key={JSON.stringify(params)} fallback={<TableSkeleton label="Loading locked users" />}>
          <LockedResults principal={principal} environmentId={environment.id} params={params} canUnlock={hasPermission(user, 'users.unlock')} counted={params.q ? null : locked} />
        </Suspense>
      ) : (
        <p className="text-sm text-slate-600">You do not belong to any environment yet.</p>
      )}
    </>
  );
}
