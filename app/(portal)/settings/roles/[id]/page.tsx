import { ChevronLeft } from 'lucide-react';
import type { Metadata } from 'next';
import { eq } from 'drizzle-orm';
import { forbidden, notFound } from 'next/navigation';
import { z } from 'zod';
import Link from 'next/link';
import { PageHeader } from '@/components/ui/page-header';
import { db } from '@/db';
import { roles } from '@/db/schema';
import { canGrant, principalOf } from '@/lib/auth/principal';
import { requirePermission } from '@/lib/auth/session';
import { roleVersion } from '@/lib/roles';
import { updateRoleAction } from '../actions';
import { permissionChoices } from '../permission-choices';
import { RoleForm } from '../role-form';

type Props = { params: Promise<{ id: string }> };

async function findRole(id: string) {
  if (!z.uuid().safeParse(id).success) return undefined;
  const [role] = await db.select().from(roles).where(eq(roles.id, id));
  return role;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const role = await findRole((await params).id);
  return { title: role ? `${role.name} · Roles · Settings` : 'Role not found' };
}

export default async function EditRolePage({ params }: Props) {
  const user = await requirePermission('roles.manage');
  const role = await findRole((await params).id);
  if (!role) notFound();
  if (!canGrant(principalOf(user), role)) forbidden();
  return (
    <>
      <PageHeader back={<Link href="/settings/roles" className="inline-flex items-center gap-1 font-medium text-slate-600 hover:text-slate-900"><ChevronLeft aria-hidden className="size-4" />Roles</Link>} title={`Edit ${role.name}`} description={
          role.builtIn
            ? 'A built-in role keeps its name, permissions and reach; the profile fields the Add form asks for are yours to choose.'
            : 'Changing permissions or reach signs out everyone who holds this role at their next request.'
        }
      />
      <RoleForm
        action={updateRoleAction}
        roleId={role.id}
        version={roleVersion(role)}
        builtIn={role.builtIn}
        permissions={permissionChoices(user.permissions)}
        canReachAll={user.allEnvironments}
        initial={{ name: role.name, permissions: role.permissions, allEnvironments: role.allEnvironments, requiredFields: role.requiredFields }}
      />
    </>
  );
}
