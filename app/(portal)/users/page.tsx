import type { Metadata } from 'next';
import Link from 'next/link';
import { Suspense } from 'react';
import { Button } from '@/components/ui/button';
import { PageHeader } from '@/components/ui/page-header';
import { UsersTable, UsersTableSkeleton, usersHref } from '@/components/users/users-table';
import { UsersTabs } from '@/components/users/users-tabs';
import { UsersToolbar } from '@/components/users/users-toolbar';
import { db } from '@/db';
import { hasPermission } from '@/lib/auth/permissions';
import { principalOf, type Principal } from '@/lib/auth/principal';
import { getCurrentEnvironment, requirePermission } from '@/lib/auth/session';
import { listRoles } from '@/lib/roles';
import { countSeats, countUsers, listFilter, listParamsSchema, listUsers, type ListParams } from '@/lib/users/list';

export const metadata: Metadata = { title: 'Users' };

const number = new Intl.NumberFormat('en');

async function UsersResults({ principal, environmentId, params }: { principal: Principal; environmentId: string; params: ListParams }) {
  const [page, total] = await Promise.all([
    listUsers(db, principal, environmentId, params),
    countUsers(db, listFilter(principal, environmentId, params)),
  ]);
  const filtered = Boolean(params.q || params.status || params.role);
  return (
    <>
      <p className="mb-2 text-sm text-slate-600" aria-live="polite">
        {total.exact ? number.format(total.count) : `About ${number.format(total.count)}`} {total.count === 1 ? 'user' : 'users'}
        {filtered ? ' match' : ''}
      </p>
      {page.users.length === 0 ? (
        <div className="rounded-lg bg-white px-6 py-12 text-center shadow-sm ring-1 ring-slate-200">
          <p className="text-base font-medium">{filtered ? 'No users match' : 'No users yet'}</p>
          <p className="mt-1 text-sm text-slate-600">
            {filtered ? 'Try another search or clear the filters.' : 'Add the first user with the Add button.'}
          </p>
          {filtered && (
            <Link href="/users" className="mt-3 inline-block text-sm font-medium text-indigo-700 hover:underline">Clear search and filters</Link>
          )}
        </div>
      ) : (
        <UsersTable users={page.users} params={params} />
      )}
      <nav aria-label="Pagination" className="mt-4 flex justify-between">
        {page.previous ? (
          <Link href={usersHref(params, { before: page.previous })} className="text-sm font-medium text-indigo-700 hover:underline" rel="prev">← Previous</Link>
        ) : <span />}
        {page.next && (
          <Link href={usersHref(params, { after: page.next })} className="text-sm font-medium text-indigo-700 hover:underline" rel="next">Next →</Link>
        )}
      </nav>
    </>
  );
}

export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePermission('users.read');
  const raw = await searchParams;
  const params = listParamsSchema.parse(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v || undefined])));
  const [environment, roles, seats] = await Promise.all([getCurrentEnvironment(user), listRoles(db), countSeats(db)]);
  return (
    <>
      <PageHeader
        title="Users"
        description={`People who can sign in to ${environment?.name ?? 'your environments'}. Seats in use: ${seats.exact ? '' : 'about '}${number.format(seats.count)}.`}
        actions={hasPermission(user, 'users.write') && (
          <>
            <Button asChild variant="secondary">
              <Link href="/users/import">Import</Link>
            </Button>
            <Button asChild>
              <Link href="/users/new">Add</Link>
            </Button>
          </>
        )}
      />
      <UsersTabs current="all" />
      <UsersToolbar params={params} roles={roles} />
      {environment ? (
        <Suspense key={JSON.stringify(params)} fallback={<UsersTableSkeleton />}>
          <UsersResults principal={principalOf(user)} environmentId={environment.id} params={params} />
        </Suspense>
      ) : (
        <p className="text-sm text-slate-600">You do not belong to any environment yet. Ask an Administrator to add you to one.</p>
      )}
    </>
  );
}
