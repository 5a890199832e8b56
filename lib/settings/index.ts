// Organization and security settings: read by sign-in, password and job code.
import type { Queryable } from '@/db/client';
import { organizations, securitySettings, type Organization, type SecuritySettings } from '@/db/schema';
import { eq } from 'drizzle-orm';

export async function getOrganization(q: Queryable): Promise<Organization | undefined> {
  const [org] = await q.select().from(organizations).limit(1);
  return org;
}

export async function getSecuritySettings(q: Queryable): Promise<SecuritySettings> {
  const [row] = await q
    .select({ settings: securitySettings })
    .from(securitySettings)
    .innerJoin(organizations, eq(organizations.id, securitySettings.organizationId))
    .limit(1);
  if (!row) throw new Error('Userdesk is not set up yet: no organization exists.');
  return row.settings;
}
