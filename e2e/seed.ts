// Fills a fresh database for the seeded browser-test server through the product's own lib/ code.
import { eq } from 'drizzle-orm';
import { getClient } from '@/db/client';
import { environments, roles, userEnvironments, users } from '@/db/schema';
import { hashPassword } from '@/lib/auth/password';
import { principalOf } from '@/lib/auth/principal';
import { isPermission } from '@/lib/auth/permissions';
import { setupOrganization } from '@/lib/org/setup';
import { inviteUser } from '@/lib/users/create';
import { ACCOUNTS, CROWD, CROWDED_ENVIRONMENT, ORGANIZATION, PASSWORD, SECOND_ENVIRONMENT } from './accounts';

export async function seedE2e() {
  const { db } = getClient();
  const meta = { ip: '127.0.0.1', userAgent: 'e2e-seed' };
  const { admin, ...others } = ACCOUNTS;
  const { userId: adminId } = await db.transaction((tx) =>
    setupOrganization(tx, { organizationName: ORGANIZATION, ...admin, password: PASSWORD }, meta),
  );
  const [production] = await db.select().from(environments).where(eq(environments.name, 'Production'));
  const [sandbox] = await db.insert(environments).values({ name: SECOND_ENVIRONMENT }).returning();
  const allRoles = await db.select().from(roles);
  const roleId = (name: string) => allRoles.find((r) => r.name === name)!.id;
  const adminPrincipal = principalOf({
    id: adminId,
    email: admin.email,
    permissions: allRoles.find((r) => r.name === 'Administrator')!.permissions.filter(isPermission),
    allEnvironments: true,
    environmentIds: [],
  });
  const passwordHash = await hashPassword(PASSWORD);

  for (const account of Object.values(others)) {
    const { email, firstName, lastName, role } = account;
    const state = 'state' in account ? account.state : undefined;
    if (state === 'invited') {
      await db.transaction((tx) =>
        inviteUser(tx, adminPrincipal, { email, firstName, lastName, roleId: roleId(role), environmentIds: [production!.id], tags: [], profile: {} }, meta),
      );
      continue;
    }
    const now = new Date();
    const [user] = await db
      .insert(users)
      .values({
        email,
        firstName,
        lastName,
        roleId: roleId(role),
        status: state === 'locked' ? 'locked' : 'active',
        ...(state === 'locked' ? { lockReason: 'failed_attempts' as const, lockedAt: now, failedAttempts: 10 } : {}),
        requirePasswordChange: state === 'must-change-password',
        passwordHash,
        passwordChangedAt: now,
        activatedAt: now,
      })
      .returning();
    const environmentId = 'environment' in account ? sandbox!.id : production!.id;
    await db.insert(userEnvironments).values({ userId: user!.id, environmentId });
  }

  // Users screens (e2e/users-ui.spec.ts): more than a page of users sharing a name, for "select all N
  // matching", and locked users of that spec's own to unlock. No other spec relies on them.
  const filler = Array.from({ length: 60 }, (_, i) => ({
    email: `pagefill.${String(i).padStart(2, '0')}@acme.test`,
    firstName: `Filler${String(i).padStart(2, '0')}`,
    lastName: 'Pagefill',
    roleId: roleId('User'),
    status: 'active' as const,
    passwordChangedAt: new Date(),
    activatedAt: new Date(),
  }));
  const locked = ['One', 'Two', 'Three', 'Four', 'Five'].map((n) => ({
    email: `lou.${n.toLowerCase()}@acme.test`,
    firstName: 'Lou',
    lastName: `Locked${n}`,
    roleId: roleId('User'),
    status: 'locked' as const,
    lockReason: 'failed_attempts' as const,
    lockedAt: new Date(),
    failedAttempts: 10,
    passwordHash,
    passwordChangedAt: new Date(),
    activatedAt: new Date(),
  }));
  const extra = await db.insert(users).values([...filler, ...locked]).returning({ id: users.id });
  await db.insert(userEnvironments).values(extra.map((u) => ({ userId: u.id, environmentId: production!.id })));

  // e2e/bulk-job.spec.ts: a crowd in an environment of its own, so its bulk action touches no other spec's lists.
  const [crowded] = await db.insert(environments).values({ name: CROWDED_ENVIRONMENT }).returning();
  for (let start = 0; start < CROWD.size; start += 500) {
    const crowd = await db
      .insert(users)
      .values(
        Array.from({ length: Math.min(500, CROWD.size - start) }, (_, k) => ({
          email: CROWD.email(start + k),
          firstName: `Member${start + k}`,
          lastName: CROWD.lastName,
          roleId: roleId('User'),
          status: 'active' as const,
          passwordHash,
          passwordChangedAt: new Date(),
          activatedAt: new Date(),
        })),
      )
      .returning({ id: users.id });
    await db.insert(userEnvironments).values(crowd.map((u) => ({ userId: u.id, environmentId: crowded!.id })));
  }
}
