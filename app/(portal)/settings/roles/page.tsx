import type { Metadata } from 'next';
import Link from 'next/link';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { PageHeader } from '@/components/ui/page-header';
import { db } from '@/db';
import { hasPermission, PERMISSIONS } from '@/lib/auth/permissions';
import { canGrant, principalOf } from '@/lib/auth/principal';
import { requirePermission } from '@/lib/auth/session';
import { listRolesWithCounts } from '@/lib/roles';
import { PERMISSION_HELP } from '@/lib/roles/permission-help';
import { DeleteRole } from './delete-role';

export const metadata: Metadata = { title: 'Roles · Settings' };

export default async function RolesPage({ searchParams }: { searchParams: Promise<{ saved?: string }> }) {
  const user = await requirePermission('roles.manage');
  const [roles, { saved }] = await Promise.all([listRolesWithCounts(db), searchParams]);
  const principal = principalOf(user);
  const createdRole = typeof saved === 'string' ? roles.find((r) => r.name === saved) : undefined;
  return (
    <>
      <PageHeader
        title="Roles"
        description="What each role may do, where, and which profile fields the Add form asks for."
        actions={
          <Button asChild>
            <Link href="/settings/roles/new">Create role</Link>
          </Button>
        }
      />
      {/* Only a role that exists: the URL is anyone's to write, and the banner must not say what they like. */}
      {createdRole && <Alert tone="success" className="mb-4">The {createdRole.name} role was created.</Alert>}
      {/* Below 640 px each row is a stacked card: nothing scrolls sideways. Wider, a table too wide for its box
          scrolls inside it; `relative` keeps its screen-reader-only texts (positioned absolutely) in there too,
          or they would widen the page. */}
      <div className="relative rounded-lg bg-white shadow-sm ring-1 ring-slate-200 sm:overflow-x-auto">
        <table className="block w-full text-sm sm:table sm:min-w-full sm:divide-y sm:divide-slate-200">
          <caption className="sr-only">Roles</caption>
          <thead className="hidden bg-slate-50 text-left sm:table-header-group text-xs font-semibold text-slate-600">
            <tr>
              <th scope="col" className="px-4 py-3">Role</th>
              <th scope="col" className="px-4 py-3">Permissions</th>
              <th scope="col" className="px-4 py-3">Environments</th>
              <th scope="col" className="px-4 py-3">Users</th>
              <th scope="col" className="px-4 py-3"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody className="block divide-y divide-slate-100 sm:table-row-group">
            {roles.map((role) => {
              const manageable = canGrant(principal, role);
              const perms = PERMISSIONS.filter((p) => role.permissions.includes(p));
              const summary = perms.length === PERMISSIONS.length ? 'All permissions' : perms.map((p) => PERMISSION_HELP[p].label).join(', ') || 'None (own profile only)';
              return (
                <tr key={role.id} className="block px-4 py-3 hover:bg-slate-50 sm:table-row sm:p-0">
                  {/* On a phone a long name wraps inside its card; in the table it keeps to one line. */}
                  <td className="block py-1 font-medium max-sm:[overflow-wrap:anywhere] sm:table-cell sm:px-4 sm:py-3 sm:whitespace-nowrap">
                    <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                      {manageable ? (
                        <Link href={`/settings/roles/${role.id}`} className="text-indigo-700 hover:underline">{role.name}</Link>
                      ) : (
                        <span>{role.name}</span>
                      )}
                      {role.builtIn && <Badge tone="slate">Built in</Badge>}
                    </div>
                  </td>
                  <td className="block py-1 text-slate-700 sm:table-cell sm:max-w-md sm:truncate sm:px-4 sm:py-3" title={summary}>{summary}</td>
                  <td className="block py-1 sm:table-cell sm:px-4 sm:py-3 text-slate-700"><span className="sm:hidden">Environments: </span>{role.allEnvironments ? 'All' : 'Chosen per user'}</td>
                  <td className="block py-1 sm:table-cell sm:px-4 sm:py-3 text-slate-700 tabular-nums"><span className="sm:hidden">Users: </span>{role.userCount}</td>
                  <td className="block py-1 sm:table-cell sm:px-4 sm:py-3 sm:text-right whitespace-nowrap">
                    {manageable && (
                      <Button asChild variant="ghost" size="sm">
                        <Link href={`/settings/roles/${role.id}`} aria-label={`Edit ${role.name}`}>Edit</Link>
                      </Button>
                    )}
                    {manageable && !role.builtIn && (
                      <DeleteRole
                        role={{ id: role.id, name: role.name, userCount: role.userCount }}
                        // Moving users is a role change of each: it also takes users.write.
                        others={hasPermission(principal, 'users.write') ? roles.filter((r) => r.id !== role.id && canGrant(principal, r)).map((r) => ({ id: r.id, name: r.name })) : null}
                      />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
