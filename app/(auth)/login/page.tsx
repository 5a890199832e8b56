import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { connection } from 'next/server';
import { db } from '@/db';
import { getCurrentUser } from '@/lib/auth/session';
import { SIGN_IN_MESSAGES, signInMessage } from '@/lib/auth/sign-in';
import { isSetupComplete } from '@/lib/org/setup';
import { safePath } from '@/lib/safe-path';
import { pageParams } from '@/lib/search-params';
import { LoginForm } from './login-form';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection(); // reads the database: never prerendered at build time
  if (!(await isSetupComplete(db))) redirect('/setup');
  if (await getCurrentUser()) redirect('/');
  const { error, callbackUrl } = pageParams(await searchParams);
  const initialError = error ? signInMessage(error) : undefined;
  return (
    <>
      <h1 className="text-xl font-semibold">Sign in</h1>
      <p className="mt-1 text-sm text-slate-600">Use your work email and password.</p>
      <LoginForm callbackUrl={safePath(callbackUrl)} initialError={initialError} messages={SIGN_IN_MESSAGES} />
    </>
  );
}
