import type { Metadata } from 'next';
import Link from 'next/link';
import { ChangePasswordForm } from '@/components/auth/change-password-form';
import { SignOutButton } from '@/components/auth/sign-out-button';
import { Alert } from '@/components/ui/alert';
import { db } from '@/db';
import { describePolicy } from '@/lib/auth/password-policy';
import { requireUser } from '@/lib/auth/session';
import { passwordChangeNotice } from '@/lib/auth/sign-in';
import { safePath } from '@/lib/safe-path';
import { firstParam } from '@/lib/search-params';
import { getSecuritySettings } from '@/lib/settings';
import { changePasswordAction } from '../../(portal)/profile/actions';

export const metadata: Metadata = { title: 'Change your password' };

export default async function ChangePasswordPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const user = await requireUser({ allowPendingPasswordChange: true });
  const settings = await getSecuritySettings(db);
  const safeNext = safePath(firstParam((await searchParams).next));
  const notice = passwordChangeNotice(user, settings);
  return (
    <>
      <h1 className="text-xl font-semibold">Change your password</h1>
      {notice && (
        <Alert tone="info" className="mt-4">
          {notice}
        </Alert>
      )}
      <div className="mt-6">
        <ChangePasswordForm email={user.email} passwordHelp={describePolicy(settings)} changePassword={changePasswordAction} afterChange={safeNext} />
      </div>
      {/* A forced change has no Skip: the ways out are a reset link (the current password is forgotten) or signing out. */}
      <p className="mt-6 flex flex-wrap gap-x-6 gap-y-2 text-sm">
        {user.requirePasswordChange ? (
          <>
            <Link href="/forgot-password" className="font-medium text-indigo-700 hover:underline">Forgot your current password?</Link>
            <SignOutButton />
          </>
        ) : (
          <Link href={safeNext} className="font-medium text-indigo-700 hover:underline">{notice ? 'Skip for now' : 'Cancel'}</Link>
        )}
      </p>
    </>
  );
}
