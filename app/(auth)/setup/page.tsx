import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { connection } from 'next/server';
import { db } from '@/db';
import { SECURITY_DEFAULTS } from '@/db/schema';
import { describePolicy } from '@/lib/auth/password-policy';
import { isSetupComplete } from '@/lib/org/setup';
import { SetupForm } from './setup-form';

// Absolute: the root template would add " · Userdesk" a second time.
export const metadata: Metadata = { title: { absolute: 'Set up Userdesk' } };

export default async function SetupPage() {
  await connection(); // reads the database: never prerendered at build time
  if (await isSetupComplete(db)) redirect('/login');
  return (
    <>
      <h1 className="text-xl font-semibold">Set up Userdesk</h1>
      <p className="mt-1 text-sm text-slate-600">
        Name your organization and create its first Administrator. There is no default account: this is the only way in.
      </p>
      <SetupForm passwordHelp={describePolicy(SECURITY_DEFAULTS)} />
    </>
  );
}
