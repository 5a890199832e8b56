import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { Alert } from '@/components/ui/alert';
import { db } from '@/db';
import { describePolicy } from '@/lib/auth/password-policy';
import { findToken } from '@/lib/auth/tokens';
import { firstParam } from '@/lib/search-params';
import { getSecuritySettings } from '@/lib/settings';
import { INVALID_LINK } from '@/lib/users/access';
import { SetPasswordForm } from './set-password-form';

export const metadata: Metadata = { title: 'Choose your password', referrer: 'no-referrer' };

export default async function SetPasswordPage({ searchParams }: { searchParams: Promise<{ token?: string | string[] }> }) {
  await connection();
  const token = firstParam((await searchParams).token) ?? '';
  const link = token ? await findToken(db, token) : null;
  if (!link) {
    return (
      <>
        <h1 className="text-xl font-semibold">Link not valid</h1>
        <Alert tone="error" className="mt-4">{INVALID_LINK}</Alert>
        <p className="mt-4 text-sm">
          <Link href="/forgot-password" className="font-medium text-indigo-700 hover:underline">Request a new reset link</Link> or ask your account manager to send a new invitation.
        </p>
      </>
    );
  }
  const settings = await getSecuritySettings(db);
  return (
    <>
      <h1 className="text-xl font-semibold">{link.purpose === 'invitation' ? 'Welcome! Choose your password' : 'Choose a new password'}</h1>
      <p className="mt-1 text-sm text-slate-600">You will be signed in once it is set.</p>
      <SetPasswordForm token={token} passwordHelp={describePolicy(settings)} />
    </>
  );
}
