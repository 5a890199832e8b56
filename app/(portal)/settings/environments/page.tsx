import type { Metadata } from 'next';
import { forbidden } from 'next/navigation';
import { Badge } from '@/components/ui/badge';
import { PageHeader } from '@/components/ui/page-header';
import { db } from '@/db';
import { requirePermission } from '@/lib/auth/session';
import { listAllEnvironments } from '@/lib/environments';
import { AddEnvironmentForm, CopyIdentifier, EnvironmentActions } from './environment-forms';

export const metadata: Metadata = { title: 'Environments · Settings' };

export default async function EnvironmentsPage() {
  const user = await requirePermission('settings.manage');
  if (!user.allEnvironments) forbidden();
  const all = await listAllEnvironments(db);
  return (
    <>
      <PageHeader title="Environments" description="The accounts users, API users and SOAP clients work in. Integrations address them by context identifier." />
      <AddEnvironmentForm />
      {/* Below 640 px each row is a stacked card: nothing scrolls sideways. Wider, a table too wide for its box
          scrolls inside it; `relative` keeps its screen-reader-only texts (positioned absolutely) in there too,
          or they would widen the page. */}
      <div className="relative rounded-lg bg-white shadow-sm ring-1 ring-slate-200 sm:overflow-x-auto">
        <table className="block w-full text-sm sm:table sm:min-w-full sm:divide-y sm:divide-slate-200">
          <caption className="sr-only">Environments</caption>
          <thead className="hidden bg-slate-50 text-left sm:table-header-group text-xs font-semibold text-slate-600">
            <tr>
              <th scope="col" className="px-4 py-3">Name</th>
              <th scope="col" className="px-4 py-3">Context identifier</th>
              <th scope="col" className="px-4 py-3">Users</th>
              <th scope="col" className="px-4 py-3">API users</th>
              <th scope="col" className="px-4 py-3"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody className="block divide-y divide-slate-100 sm:table-row-group">
            {all.map((env) => (
              <tr key={env.id} className="block px-4 py-3 hover:bg-slate-50 sm:table-row sm:p-0">
                {/* On a phone a long name wraps inside its card; in the table it keeps to one line. */}
                <td className="block py-1 font-medium text-slate-900 max-sm:[overflow-wrap:anywhere] sm:table-cell sm:px-4 sm:py-3 sm:whitespace-nowrap">
                  <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                    <span className="min-w-0">{env.name}</span>
                    {env.archivedAt && <Badge tone="slate">Archived</Badge>}
                  </div>
                </td>
                <td className="block py-1 sm:table-cell sm:px-4 sm:py-3"><CopyIdentifier name={env.name} value={env.contextIdentifier} /></td>
                <td className="block py-1 sm:table-cell sm:px-4 sm:py-3 tabular-nums text-slate-700"><span className="sm:hidden">Users: </span>{env.users}</td>
                <td className="block py-1 sm:table-cell sm:px-4 sm:py-3 tabular-nums text-slate-700"><span className="sm:hidden">API users: </span>{env.apiUsers}</td>
                <td className="block py-1 sm:table-cell sm:px-4 sm:py-3">
                  <EnvironmentActions env={{ id: env.id, name: env.name, archived: env.archivedAt !== null, deletable: env.users === 0 && !env.apiUsers }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
