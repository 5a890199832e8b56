import type { Metadata } from 'next';
import { forbidden } from 'next/navigation';
import { PageHeader } from '@/components/ui/page-header';
import { db } from '@/db';
import { requirePermission } from '@/lib/auth/session';
import { getSecuritySettings } from '@/lib/settings';
import { SecuritySettingsForm } from './security-settings-form';

export const metadata: Metadata = { title: 'Security settings' };

export default async function SecuritySettingsPage() {
  const user = await requirePermission('settings.manage');
  if (!user.allEnvironments) forbidden();
  const settings = await getSecuritySettings(db);
  const { organizationId: _id, updatedAt: _at, passwordMaxAgeShortenedAt: _shortened, passwordGraceFrom: _graceFrom, ...values } = settings;
  return (
    <>
      <PageHeader title="Security settings" description="Sign-in lockout, password rules and expiry, inactivity, and link lifetimes for the whole organization." />
      <SecuritySettingsForm values={values} />
    </>
  );
}
