import type { Metadata } from 'next';
import Link from 'next/link';
import { AddApiUserDialog } from '@/components/api-users/add-api-user-dialog';
import { ApiUsersTable } from '@/components/api-users/api-users-table';
import { ShowInactiveToggle } from '@/components/api-users/show-inactive-toggle';
import { PageHeader } from '@/components/ui/page-header';
import { UsersTabs } from '@/components/users/users-tabs';
import { db } from '@/db';
import { API_USERS_PAGE, apiUsersSummary, countApiUsers, listApiUsers } from '@/lib/api-users/manage';
import { hasPermission } from '@/lib/auth/permissions';
import { principalOf } from '@/lib/auth/principal';
import { getCurrentEnvironment, getVisibleEnvironments, requirePermission } from '@/lib/auth/session';
import { countLockedUsers } from '@/lib/users/locked';

export const metadata: Metadata = { title: 'API Users · Users' };

const number = new Intl.NumberFormat('en');

export default async function ApiUsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePermission('apiUsers.manage');
  const params = await searchParams;
  const showAll = params.show === 'all';
  const after = typeof params.after === 'string' ? params.after : undefined;
  const [{ rows, next }, counts, environments, current] = await Promise.all([
    listApiUsers(db, principalOf(user), { includeInactive: showAll, after }),
    countApiUsers(db, { includeInactive: showAll }),
    getVisibleEnvironments(user),
    getCurrentEnvironment(user),
  ]);
  const pageHref = (cursor?: string) => {
    const query = new URLSearchParams({ ...(showAll ? { show: 'all' } : {}), ...(cursor ? { after: cursor } : {}) }).toString();
    return `/users/api${query ? `?${query}` : ''}`;
  };
  // Managing API users needs reach over every environment, not only the permission.
  const canManage = user.allEnvironments;
  // The Locked Users badge reads the same on every tab of the Users screen (exact up to 1,000, as on All Users).
  const locked = current && hasPermission(user, 'users.read') ? await countLockedUsers(db, principalOf(user), current.id, {}, 1_000) : null;
  return (
    <>
      <PageHeader
        title="Users"
        description="API users are credentials for integrations: they never sign in to the portal and never count as seats."
        actions={canManage ? <AddApiUserDialog environments={environments.map((e) => ({ id: e.id, name: e.name }))} currentEnvironmentId={current?.id} /> : undefined}
      />
      <UsersTabs current="api" permissions={user.permissions} counts={locked ? { locked: `${locked.exact ? '' : '~'}${number.format(locked.count)}` } : {}} />
      <div className="mb-3 flex flex-wrap items-center justify-between gap-3">
        {/* Where focus goes when a Revoke or Delete leaves no row to return to (components/ui/keep-focus.ts): the new count. */}
        <p className="rounded-sm text-sm text-slate-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600" tabIndex={-1} data-focus-fallback>
          {apiUsersSummary(counts, showAll)}
          {' · '}<a className="text-indigo-700 underline" href="/docs/api">REST API reference</a>
        </p>
        <ShowInactiveToggle checked={showAll} />
      </div>
      <ApiUsersTable rows={rows} canManage={canManage} showAll={showAll} />
      {(after || next) && (
        <nav aria-label="Pages" className="mt-4 flex gap-3">
          {after && (
            <Link href={pageHref()} className="text-sm font-medium text-indigo-700 hover:underline">
              First page
            </Link>
          )}
          {next && (
            <Link href={pageHref(next)} rel="next" className="text-sm font-medium text-indigo-700 hover:underline">
              Next {number.format(API_USERS_PAGE)}
            </Link>
          )}
        </nav>
      )}
    </>
  );
}
