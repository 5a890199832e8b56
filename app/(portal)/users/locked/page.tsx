import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';
import { UsersTabs } from '@/components/users/users-tabs';
import { db } from '@/db';
import { hasPermission } from '@/lib/auth/permissions';
import { principalOf } from '@/lib/auth/principal';
import { getCurrentEnvironment, requirePermission } from '@/lib/auth/session';
import { LOCKED_PAGE_SIZE, listLockedUsers } from '@/lib/users/locked';
import { LockedUsersTable } from './locked-users-table';

export const metadata: Metadata = { title: 'Locked Users' };

export default async function LockedUsersPage() {
  const user = await requirePermission('users.read');
  const environment = await getCurrentEnvironment(user);
  const rows = environment ? await listLockedUsers(db, principalOf(user), environment.id) : [];
  return (
    <>
      <PageHeader title="Users" description={`Locked out of ${environment?.name ?? 'your environments'}: unlock them, or reset so they choose a new password.`} />
      <UsersTabs current="locked" />
      <LockedUsersTable users={rows} canAct={hasPermission(user, 'users.unlock')} truncated={rows.length === LOCKED_PAGE_SIZE} />
    </>
  );
}
