import type { Metadata } from 'next';
import { StatusBadge } from '@/components/users/status-badge';
import { UsersTabs } from '@/components/users/users-tabs';
import { PageHeader } from '@/components/ui/page-header';
import { db } from '@/db';
import { getCurrentEnvironment, requirePermission } from '@/lib/auth/session';
import { listUsers } from '@/lib/users/list';

export const metadata: Metadata = { title: 'Users' };

export default async function UsersPage() {
  const user = await requirePermission('users.read');
  const environment = await getCurrentEnvironment(user);
  const rows = environment ? await listUsers(db, environment.id) : [];
  return (
    <>
      <PageHeader title="Users" description={`People who can sign in to ${environment?.name ?? 'your environments'}.`} />
      <UsersTabs current="all" />
      <div className="overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">Users in {environment?.name}</caption>
          <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
            <tr>
              <th scope="col" className="px-4 py-3">Name</th>
              <th scope="col" className="px-4 py-3">Email</th>
              <th scope="col" className="px-4 py-3">Role</th>
              <th scope="col" className="px-4 py-3">Status</th>
              <th scope="col" className="px-4 py-3">Last sign-in</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((row) => (
              <tr key={row.id}>
                <td className="px-4 py-3 font-medium">{row.firstName} {row.lastName}</td>
                <td className="px-4 py-3 text-slate-700">{row.email}</td>
                <td className="px-4 py-3 text-slate-700">{row.roleName}</td>
                <td className="px-4 py-3"><StatusBadge status={row.status} /></td>
                <td className="px-4 py-3 text-slate-700">{row.lastSignInAt?.toISOString().slice(0, 16).replace('T', ' ') ?? 'Never'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
