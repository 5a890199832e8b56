import { ChevronLeft } from 'lucide-react';
import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';
import { BackToList } from '@/components/users/list-focus';
import { UserForm } from '@/components/users/user-form';
import { db } from '@/db';
import { principalOf } from '@/lib/auth/principal';
import { getCurrentEnvironment, getVisibleEnvironments, requirePermission } from '@/lib/auth/session';
import { grantableRoles, listRoles } from '@/lib/roles';
import { addUserAction } from './actions';

export const metadata: Metadata = { title: 'Add user · Users' };

export default async function AddUserPage() {
  const user = await requirePermission('users.write');
  const [roles, environments, current] = await Promise.all([listRoles(db), getVisibleEnvironments(user), getCurrentEnvironment(user)]);
  const grantable = grantableRoles(principalOf(user), roles);
  const defaultRole = grantable.find((r) => r.name === 'User') ?? grantable[0];
  return (
    <div className="max-w-3xl">
      <PageHeader
        back={<BackToList className="inline-flex items-center gap-1 font-medium text-slate-600 hover:text-slate-900"><ChevronLeft aria-hidden className="size-4" />Users</BackToList>}
        title="Add user"
        description="The user gets an email with a link to choose a password. No password is set here."
      />
      <UserForm
        mode="add"
        action={addUserAction}
        roles={grantable}
        environments={environments}
        initial={{ firstName: '', lastName: '', email: '', roleId: defaultRole?.id ?? '', environmentIds: current ? [current.id] : [], tags: [] }}
      />
    </div>
  );
}
