// Two app instances on one database, each with its own connection pool, racing where only one may win:
// the first-run setup, and one invitation link used twice at the same moment.
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import * as schema from '@/db/schema';
import { auditEvents, environments, organizations, outboxMessages, roles, userTokens, users } from '@/db/schema';
import { testDb } from '@/db/testing';
import { principalOf } from '@/lib/auth/principal';
import { setupOrganization } from '@/lib/org/setup';
import { completePasswordLink, INVALID_LINK } from '@/lib/users/access';
import { inviteUser } from '@/lib/users/create';

let instances: { db: Db; end: () => Promise<void> }[];
beforeAll(async () => {
  await testDb();
  instances = [1, 2].map(() => {
    const client = postgres(process.env.DATABASE_URL!, { max: 3, onnotice: () => {} });
    return { db: drizzle(client, { schema, casing: 'snake_case' }) as Db, end: () => client.end() };
  });
});
afterAll(async () => {
  await Promise.all(instances.map((i) => i.end()));
});

describe('two instances', () => {
  it('two first-run setups at once make exactly one organization and one Administrator; the other is told to sign in', async () => {
    const meta = { ip: null, userAgent: null };
    const results = await Promise.allSettled(
      instances.map(({ db }, i) =>
        db.transaction((tx) =>
          setupOrganization(tx, { organizationName: `Org ${i}`, firstName: 'Ada', lastName: `Admin${i}`, email: `ada${i}@example.test`, password: 'Sturdy-Test-Passphrase-7' }, meta),
        ),
      ),
    );
    const db = instances[0]!.db;
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'conflict', message: 'Userdesk is already set up. Sign in instead.' } });
    expect(await db.select().from(organizations)).toHaveLength(1);
    expect(await db.select({ id: users.id }).from(users)).toHaveLength(1);
    expect(await db.select().from(auditEvents).where(eq(auditEvents.action, 'organization.setup'))).toHaveLength(1);
  });

  it('one invitation link used at once from both: one password is set, the other use is refused', async () => {
    const db = instances[0]!.db;
    const [adminRow] = await db.select().from(users);
    const [adminRole] = await db.select().from(roles).where(eq(roles.name, 'Administrator'));
    const [userRole] = await db.select().from(roles).where(eq(roles.name, 'User'));
    const [production] = await db.select().from(environments);
    const admin = principalOf({ id: adminRow!.id, email: adminRow!.email, permissions: adminRole!.permissions as never, allEnvironments: true, environmentIds: [] });
    const user = await db.transaction((tx) =>
      inviteUser(tx, admin, { firstName: 'Dee', lastName: 'Double', email: 'dee@example.test', roleId: userRole!.id, environmentIds: [production!.id], tags: [], profile: {} }),
    );
    const [mail] = await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, 'dee@example.test'));
    const token = /token=([A-Za-z0-9_-]+)/.exec(mail!.text)![1]!;
    const passwords = ['First-Racer-Passphrase-1', 'Second-Racer-Passphrase-2'];
    const results = await Promise.allSettled(instances.map(({ db }, i) => db.transaction((tx) => completePasswordLink(tx, token, passwords[i]!))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { message: INVALID_LINK } });
    expect((await db.select().from(auditEvents).where(eq(auditEvents.action, 'user.activated'))).filter((e) => e.targetId === user.id)).toHaveLength(1);
    const [row] = await db.select({ status: users.status }).from(users).where(eq(users.id, user.id));
    expect(row!.status).toBe('active');
    expect((await db.select().from(userTokens).where(eq(userTokens.userId, user.id))).every((t) => t.consumedAt !== null)).toBe(true);
  });
});
