import { Download, Upload } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { Suspense } from 'react';
import { Button } from '@/components/ui/button';
import { PageHeader } from '@/components/ui/page-header';
import { TableSkeleton } from '@/components/ui/skeleton';
import { BulkJobSlot } from '@/components/users/bulk-job-bar';
import { FilterChips } from '@/components/users/filter-chips';
import { filterOf, listHref } from '@/components/users/list-href';
import { UserListResults } from '@/components/users/user-list-results';
import { UsersTabs } from '@/components/users/users-tabs';
import { UsersToolbar } from '@/components/users/users-toolbar';
import { db } from '@/db';
import { hasPermission } from '@/lib/auth/permissions';
import { principalOf, type Principal } from '@/lib/auth/principal';
import { getCurrentEnvironment, getVisibleEnvironments, requirePermission, type SessionUser } from '@/lib/auth/session';
import { grantableRoles, listRoles, type RoleOption } from '@/lib/roles';
import { countSeats, countUsers, listFilter, listReadAt, listUsers, readListParams, type ListParams } from '@/lib/users/list';
import { activeBulkJob } from '@/lib/users/bulk-jobs';
import { countLockedUsers } from '@/lib/users/locked';
import { ListAnnouncer } from '@/components/users/list-focus';

export const metadata: Metadata = { title: 'Users' };

const number = new Intl.NumberFormat('en');
const STATUS_LABELS: Record<string, string> = { active: 'Active', invited: 'Invited', locked: 'Locked', inactive: 'Inactive', banned: 'Banned' };

async function UsersResults({ user, principal, environmentId, params, roles, environments }: { user: SessionUser; principal: Principal; environmentId: string; params: ListParams; roles: RoleOption[]; environments: { id: string; name: string }[] }) {
  // Read first: "all matching" then leaves out whoever began to match after the rows and count below.
  const readAt = await listReadAt(db);
  const [page, total] = await Promise.all([listUsers(db, principal, environmentId, params), countUsers(db, listFilter(principal, environmentId, params))]);
  const filtered = Object.keys(filterOf(params)).length > 0;
  return (
    <UserListResults
      list={{
        variant: 'all',
        base: '/users',
        rows: page.users,
        total,
        environmentId,
        readAt,
        params: toStrings(params),
        can: { ban: hasPermission(user, 'users.ban'), unlock: hasPermission(user, 'users.unlock'), write: hasPermission(user, 'users.write') },
        roles: grantableRoles(principal, roles),
        environments,
      }}
      next={page.next}
      previous={page.previous}
      filtered={filtered}
      empty={filtered ? { title: 'No users match', body: 'Try another search or remove a filter.' } : { title: 'No users yet', body: 'Add the first user with the Add button.' }}
    />
  );
}

const toStrings = (params: Record<string, unknown>) => Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));

export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePermission('users.read');
  const params = readListParams(await searchParams);
  const principal = principalOf(user);
  const environment = await getCurrentEnvironment(user);
  // The tab's badge counts exactly up to 1,000 and estimates above, like every other count on a page view.
  const [roles, seats, environments, locked, bulkJob] = await Promise.all([
    listRoles(db),
    countSeats(db),
    getVisibleEnvironments(user),
    environment ? countLockedUsers(db, principal, environment.id, {}, 1_000) : null,
    activeBulkJob(db, principal),
  ]);
  const strings = toStrings(params);
  const chips: Record<string, string> = {};
  if (params.status) chips.status = `Status: ${STATUS_LABELS[params.status]}`;
  if (params.role) chips.role = `Role: ${roles.find((r) => r.id === params.role)?.name ?? 'unknown'}`;
  if (params.env) chips.env = `Also in: ${environments.find((e) => e.id === params.env)?.name ?? 'unknown environment'}`;
  if (params.tag) chips.tag = `Tag: ${params.tag}`;
  if (params.idle) chips.idle = `No sign-in for ${params.idle}+ days`;
  const exportHref = listHref('/users/export', filterOf(params));
  return (
    <>
      <PageHeader
        title="Users"
        description={
          <>
            People who can use {environment?.name ?? 'your environments'}.{' '}
            <span className="whitespace-nowrap">Seats in use across the organization: {seats.exact ? '' : 'about '}{number.format(seats.count)}.</span>
          </>
        }
        actions={
          <>
            <Button asChild variant="secondary">
              <a href={exportHref} download><Download aria-hidden className="size-4" />Export CSV</a>
            </Button>
            {hasPermission(user, 'users.write') && (
              <>
                <Button asChild variant="secondary">
                  <Link href="/users/import"><Upload aria-hidden className="size-4" />Import</Link>
                </Button>
                <Button asChild>
                  <Link href="/users/new">Add</Link>
                </Button>
              </>
            )}
          </>
        }
      />
      <UsersTabs current="all" permissions={user.permissions} counts={locked ? { locked: `${locked.exact ? '' : '~'}${number.format(locked.count)}` } : {}} />
      <BulkJobSlot job={bulkJob} />
      <UsersToolbar
        action="/users"
        params={strings}
        roles={roles}
        environments={environments}
        keep={['sort', 'dir']}
        sorts={[
          { value: 'name:asc', label: 'Name, A to Z' },
          { value: 'name:desc', label: 'Name, Z to A' },
          { value: 'email:asc', label: 'Email, A to Z' },
          { value: 'email:desc', label: 'Email, Z to A' },
          { value: 'lastSignIn:desc', label: 'Signed in most recently' },
          { value: 'lastSignIn:asc', label: 'Signed in longest ago' },
        ]}
      />
      <FilterChips base="/users" params={strings} labels={chips} />
      <ListAnnouncer />
      {environment ? (
        <Suspense key={JSON.stringify(params)} fallback={<TableSkeleton label="Loading users" />}>
          <UsersResults user={user} principal={principal} environmentId={environment.id} params={params} roles={roles} environments={environments} />
        </Suspense>
      ) : (
        <p className="text-sm text-slate-600">You do not belong to any environment yet. Ask an Administrator to add you to one.</p>
      )}
    </>
  );
}
