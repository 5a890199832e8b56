import Link from 'next/link';
import { LocalTime } from '@/components/ui/local-time';
import type { ListParams, SortKey, UserRow } from '@/lib/users/list';
import { StatusBadge } from './status-badge';

/** The URL of this list with some parameters changed; a new filter or sort starts at page one. */
export function usersHref(params: ListParams, change: Partial<ListParams>): string {
  const merged = { ...params, after: undefined, before: undefined, ...change };
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(merged)) {
    if (value === undefined || value === '' || (key === 'sort' && value === 'name') || (key === 'dir' && value === 'asc')) continue;
    query.set(key, String(value));
  }
  const s = query.toString();
  return s ? `/users?${s}` : '/users';
}

function SortHeader({ params, sort, label }: { params: ListParams; sort: SortKey; label: string }) {
  const active = params.sort === sort;
  const nextDir = active && params.dir === 'asc' ? 'desc' : 'asc';
  return (
    <th scope="col" className="px-4 py-3" aria-sort={active ? (params.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
      <Link href={usersHref(params, { sort, dir: nextDir })} className="inline-flex items-center gap-1 hover:text-slate-900">
        {label}
        <span aria-hidden className="text-slate-400">{active ? (params.dir === 'asc' ? '▲' : '▼') : '↕'}</span>
        <span className="sr-only">, sort {nextDir === 'asc' ? 'ascending' : 'descending'}</span>
      </Link>
    </th>
  );
}

export function UsersTable({ users, params }: { users: UserRow[]; params: ListParams }) {
  return (
    <div className="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">Users</caption>
        <thead className="sticky top-0 bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
          <tr>
            <SortHeader params={params} sort="name" label="Name" />
            <SortHeader params={params} sort="email" label="Email" />
            <th scope="col" className="px-4 py-3">Role</th>
            <th scope="col" className="px-4 py-3">Status</th>
            <th scope="col" className="px-4 py-3">Environments</th>
            <SortHeader params={params} sort="lastSignIn" label="Last sign-in" />
            <th scope="col" className="px-4 py-3">Tags</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {users.map((u) => (
            <tr key={u.id} className="hover:bg-slate-50">
              <td className="px-4 py-3 font-medium">
                <Link href={`/users/${u.id}`} className="text-indigo-700 hover:underline">
                  {u.lastName}, {u.firstName}
                </Link>
              </td>
              <td className="px-4 py-3 text-slate-700">{u.email}</td>
              <td className="px-4 py-3 text-slate-700">{u.roleName}</td>
              <td className="px-4 py-3"><StatusBadge status={u.status} /></td>
              <td className="px-4 py-3 text-slate-700">{u.allEnvironments ? 'All' : u.environments.join(', ') || 'None'}</td>
              <td className="px-4 py-3 text-slate-700"><LocalTime value={u.lastSignInAt} /></td>
              <td className="px-4 py-3 text-xs text-slate-700">
                {u.tags.map((t) => (
                  <span key={t.name} className="mr-1 mb-1 inline-block rounded bg-slate-100 px-1.5 py-0.5">
                    {t.name}={t.value}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function UsersTableSkeleton() {
  return (
    <div className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" aria-busy="true" aria-label="Loading users">
      {Array.from({ length: 8 }, (_, i) => (
        <div key={i} className="mb-3 h-6 animate-pulse rounded bg-slate-100" />
      ))}
    </div>
  );
}
