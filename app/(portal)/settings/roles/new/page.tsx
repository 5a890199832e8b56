import type { Metadata } from 'next';
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
      <PageHeader title="Create role" description="Choose what holders may do and what the Add form asks for when this role is picked." />
      <RoleForm
        action={createRoleAction}
        permissions={permissionChoices(user.permissions)}
        canReachAll={user.allEnvironments}
        initial={{ name: '', permissions: [], allEnvironments: false, requiredFields: [] }}
      />
    </>
  );
}
