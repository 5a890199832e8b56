// Fills a fresh database for the seeded browser-test server through the product's own lib/ code.
import { eq } from 'drizzle-orm';
import { getClient } from '@/db/client';
import { environments, roles, userEnvironments, users } from '@/db/schema';
import { hashPassword } from '@/lib/auth/password';
import { setupOrganization } from '@/lib/org/setup';
import { ACCOUNTS, ORGANIZATION, PASSWORD } from './accounts';

export async function seedE2e() {
  const { db } = getClient();
  const meta = { ip: '127.0.0.1', userAgent: 'e2e-seed' };
  const { admin, ...others } = ACCOUNTS;
  await db.transaction((tx) => setupOrganization(tx, { organizationName: ORGANIZATION, ...admin, password: PASSWORD }, meta));
  const [production] = await db.select().from(environments).where(eq(environments.name, 'Production'));
  const passwordHash = await hashPassword(PASSWORD);
  for (const account of Object.values(others)) {
    const [role] = await db.select().from(roles).where(eq(roles.name, account.role));
    const now = new Date();
    const [user] = await db
      .insert(users)
      .values({ email: account.email, firstName: account.firstName, lastName: account.lastName, roleId: role!.id, status: 'active', passwordHash, passwordChangedAt: now, activatedAt: now })
      .returning();
    await db.insert(userEnvironments).values({ userId: user!.id, environmentId: production!.id });
  }
}
