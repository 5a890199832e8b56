import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { cache } from 'react';
import { Alert } from '@/components/ui/alert';
import { eq } from 'drizzle-orm';
import { db } from '@/db';
import { users } from '@/db/schema';
import { describePolicy } from '@/lib/auth/password-policy';
import { getCurrentUser } from '@/lib/auth/session';
import { findToken } from '@/lib/auth/tokens';
import { firstParam } from '@/lib/search-params';
import { getSecuritySettings } from '@/lib/settings';
import { INVALID_LINK } from '@/lib/users/access';
import { SetPasswordForm } from './set-password-form';

type Props = { searchParams: Promise<{ token?: string | string[] }> };

// One look-up per request for the title and the page alike.
const findLink = cache(async (token: string) => (token ? findToken(db, token) : null));

/** The browser tab says what the page says: a dead link is not titled "Choose your password". */
export async function generateMetadata({ searchParams }: Props): Promise<Metadata> {
  await connection();
  const link = await findLink(firstParam((await searchParams).token) ?? '');
  const title = !link ? 'Link not valid' : link.purpose === 'invitation' ? 'Choose your password' : 'Choose a new password';
  return { title, referrer: 'no-referrer' };
}

export default async function SetPasswordPage({ searchParams }: Props) {
  await connection();
  const token = firstParam((await searchParams).token) ?? '';
  const link = await findLink(token);
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
  const [settings, [user], current] = await Promise.all([
    getSecuritySettings(db),
    db.select({ email: users.email }).from(users).where(eq(users.id, link.userId)),
    getCurrentUser(),
  ]);
  return (
    <>
      <h1 className="text-xl font-semibold">{link.purpose === 'invitation' ? 'Welcome! Choose your password' : 'Choose a new password'}</h1>
      {/* Whose account the link is for (the link went to that address), so nobody sets a password for the wrong one. */}
      <p className="mt-1 text-sm text-slate-600">
        For <span className="font-medium text-slate-900 [overflow-wrap:anywhere]">{user?.email}</span>. You will be signed in once it is set.
      </p>
      {/* Setting it replaces this browser's session: whoever is signed in here is told before, not after. */}
      {current && current.id !== link.userId && (
        <Alert tone="info" className="mt-4">
          You are signed in as {current.email}. Setting this password signs you out and signs you in as {user?.email}.
        </Alert>
      )}
      <SetPasswordForm token={token} email={user?.email ?? ''} passwordHelp={describePolicy(settings)} />
    </>
  );
}
