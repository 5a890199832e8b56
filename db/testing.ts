// For tests: the database of this test file (see vitest.setup.ts), migrated, and fixture helpers.
import { eq } from 'drizzle-orm';
import { getClient, type Db } from './client';
import { runMigrations } from './migrate';
import { environments, roles, userEnvironments, users, type User } from './schema';

let ready: Promise<Db> | undefined;

export function testDb(): Promise<Db> {
  ready ??= runMigrations().then(() => getClient().db);
  return ready;
}

// Built on no fixture's name: a password containing "Test" is refused for the default user, Test User.
export const TEST_PASSWORD = 'Sturdy-Fixture-Passphrase-7';

/** A set-up organization with its Administrator (via the real setup code). */
export async function setUpOrganization(db: Db, passwordHash?: string) {
  const { setupOrganization } = await import('@/lib/org/setup');
  const { userId } = await db.transaction((tx) =>
    setupOrganization(
      tx,
      { organizationName: 'Test Org', firstName: 'Ada', lastName: 'Admin', email: 'ada@example.test', password: TEST_PASSWORD },
      { ip: null, userAgent: null },
    ),
  );
  if (passwordHash) await db.update(users).set({ passwordHash }).where(eq(users.id, userId));
  const [production] = await db.select().from(environments).limit(1);
  return { adminId: userId, environmentId: production!.id };
}

/** A bcrypt hash of a password nobody knows: fixtures that sign in set their own. */
const FIXTURE_PASSWORD_HASH = '$2b$04$.DI/yAd59VRYEw1t272CHuf8hFmursm2HawB7sc/An7CtFbwCVpBS';

/** Adds a user straight into the tables (fixtures only; product code goes through lib/users). */
export async function insertUser(
  db: Db,
  values: Partial<typeof users.$inferInsert> & { email: string; role?: string; environmentId?: string },
): Promise<User> {
  const { role = 'User', environmentId, ...rest } = values;
  const [roleRow] = await db.select().from(roles).where(eq(roles.name, role));
  const now = new Date();
  // An active user has a password, as every path to "active" gives one (a reset leaves it empty).
  const passwordHash = (rest.status ?? 'active') === 'active' ? FIXTURE_PASSWORD_HASH : null;
  const [user] = await db
    .insert(users)
    .values({ firstName: 'Test', lastName: 'User', status: 'active', passwordChangedAt: now, activatedAt: now, passwordHash, ...rest, roleId: roleRow!.id })
    .returning();
  if (environmentId) await db.insert(userEnvironments).values({ userId: user!.id, environmentId });
  return user!;
}
