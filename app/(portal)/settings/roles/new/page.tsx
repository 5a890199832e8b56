import { ChevronLeft } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { PageHeader } from '@/components/ui/page-header';
import { requirePermission } from '@/lib/auth/session';
import { createRoleAction } from '../actions';
import { permissionChoices } from '../permission-choices';
import { RoleForm } from '../role-form';

export const metadata: Metadata = { title: 'Create role · Roles · Settings' };

export default async function NewRolePage() {
  const user = await requirePermission('roles.manage');
  return (
    <>
      <PageHeader back={<Link href="/settings/roles" className="inline-flex items-center gap-1 font-medium text-slate-600 hover:text-slate-900"><ChevronLeft aria-hidden className="size-4" />Roles</Link>} title="Create role" description="Choose what holders may do and what the Add form asks for when this role is picked." />
      <RoleForm
        action={createRoleAction}
        permissions={permissionChoices(user.permissions)}
        canReachAll={user.allEnvironments}
        initial={{ name: '', permissions: [], allEnvironments: false, requiredFields: [] }}
      />
    </>
  );
}
