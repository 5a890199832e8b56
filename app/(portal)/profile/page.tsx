import type { Metadata } from 'next';
import { ChangePasswordForm } from '@/components/auth/change-password-form';
import { PageHeader } from '@/components/ui/page-header';
import { db } from '@/db';
import { describePolicy } from '@/lib/auth/password-policy';
import { getVisibleEnvironments, requireUser } from '@/lib/auth/session';
import { getSecuritySettings } from '@/lib/settings';
import { changePasswordAction } from './actions';

export const metadata: Metadata = { title: 'My profile' };

export default async function ProfilePage() {
  const user = await requireUser();
  const [settings, environments] = await Promise.all([getSecuritySettings(db), getVisibleEnvironments(user)]);
  return (
    <>
      <PageHeader title="My profile" description="Your account details and password." />
      <section aria-labelledby="account-heading" className="mb-8 max-w-2xl rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
        <h2 id="account-heading" className="text-base font-semibold">
          Account
        </h2>
        <dl className="mt-4 grid gap-4 text-sm sm:grid-cols-2 [overflow-wrap:anywhere]">
          <div>
            <dt className="text-slate-600">Name</dt>
            <dd className="font-medium">{user.firstName} {user.lastName}</dd>
          </div>
          <div>
            <dt className="text-slate-600">Email (username)</dt>
            <dd className="font-medium">{user.email}</dd>
          </div>
          <div>
            <dt className="text-slate-600">Role</dt>
            <dd className="font-medium">{user.roleName}</dd>
          </div>
          <div>
            <dt className="text-slate-600">Environments</dt>
            <dd className="font-medium">{environments.map((e) => e.name).join(', ') || 'None'}</dd>
          </div>
        </dl>
      </section>
      <section aria-labelledby="password-heading" className="max-w-2xl rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
        <h2 id="password-heading" className="mb-4 text-base font-semibold">
          Change password
        </h2>
        <ChangePasswordForm email={user.email} passwordHelp={describePolicy(settings)} changePassword={changePasswordAction} />
      </section>
    </>
  );
}
