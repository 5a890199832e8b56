import { count, eq, isNull } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, environments, organizations, outboxMessages, roles, userTokens, users } from '@/db/schema';
import { testDb } from '@/db/testing';
import { signIn } from '@/lib/auth/sign-in';
import { principalOf } from '@/lib/auth/principal';
import { isPermission } from '@/lib/auth/permissions';
import { countUsers, listFilter, listParamsSchema, listUsers } from '@/lib/users/list';
import { createDemo, DEMO_ACCOUNTS, type DemoResult } from './demo';

let db: Db;
let demo: DemoResult;
const meta = { ip: '127.0.0.1', userAgent: 'test' };
const total = async (table: typeof users | typeof auditEvents | typeof outboxMessages) => (await db.select({ n: count() }).from(table))[0]!.n;

beforeAll(async () => {
  db = await testDb();
  demo = await createDemo(db, { users: 400 });
});

describe('createDemo', () => {
  it('creates the organization, three environments, both accounts and the users, with history and mail', async () => {
    expect(await db.select({ name: organizations.name }).from(organizations)).toEqual([{ name: 'Northwind Demo' }]);
    expect(demo.environments).toEqual(['Production', 'Sandbox', 'Staging']);
    expect((await db.select().from(environments)).map((e) => e.name).sort()).toEqual(['Production', 'Sandbox', 'Staging']);
    expect(await total(users)).toBe(402);
    const statuses = await db.select({ status: users.status, n: count() }).from(users).groupBy(users.status);
    expect(statuses.find((s) => s.status === 'active')!.n).toBeGreaterThan(300);
    expect(statuses.find((s) => s.status === 'locked')!.n).toBeGreaterThan(0);
    expect(await total(auditEvents)).toBe(demo.auditEvents + 3); // + setup's two events and the Account Manager's
    expect(demo.auditEvents).toBeGreaterThan(400);
    expect(await total(outboxMessages)).toBe(demo.outboxMessages);
    expect(demo.outboxMessages).toBeGreaterThan(0);
    // Invitations in the outbox carry links that work: one live token per invitation.
    const invitations = await db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'invitation'));
    expect((await db.select({ n: count() }).from(userTokens))[0]!.n).toBe(invitations.length);
    expect(invitations[0]!.text).toContain('/set-password?token=');
  });

  it('prints passwords the two accounts sign in with', async () => {
    expect(demo.accounts.map((a) => [a.role, a.email])).toEqual([
      ['Administrator', DEMO_ACCOUNTS.administrator.email],
      ['Account Manager', DEMO_ACCOUNTS.accountManager.email],
    ]);
    for (const account of demo.accounts) {
      const result = await signIn(db, account.email, account.password, meta);
      expect(result, account.role).toMatchObject({ ok: true, mustChangePassword: false });
    }
    expect(await signIn(db, demo.accounts[0]!.email, 'not-the-password', meta)).toMatchObject({ ok: false });
    expect(demo.accounts[0]!.password).not.toBe(demo.accounts[1]!.password);
  });

  it("lists the demo users in the Administrator's All Users", async () => {
    const [admin] = await db.select().from(users).where(eq(users.email, DEMO_ACCOUNTS.administrator.email));
    const [role] = await db.select().from(roles).where(eq(roles.id, admin!.roleId));
    const principal = principalOf({ id: admin!.id, email: admin!.email, permissions: role!.permissions.filter(isPermission), allEnvironments: role!.allEnvironments, environmentIds: [] });
    const [production] = await db.select().from(environments).where(eq(environments.name, 'Production'));
    const params = listParamsSchema.parse({});
    const page = await listUsers(db, principal, production!.id, params);
    expect(page.users).toHaveLength(50);
    expect(page.users.every((u) => Array.isArray(u.tags))).toBe(true);
    expect(await countUsers(db, listFilter(principal, production!.id, params))).toEqual({ count: 402, exact: true });
  });

  it('refuses a database that has an organization, and changes nothing', async () => {
    const before = [await total(users), await total(auditEvents), await total(outboxMessages)];
    const error = await createDemo(db, { users: 10 }).catch((e) => e);
    expect(error).toMatchObject({ code: 'conflict' });
    expect(error.message).toContain('already has an organization ("Northwind Demo")');
    expect([await total(users), await total(auditEvents), await total(outboxMessages)]).toEqual(before);
    expect((await db.select({ n: count() }).from(users).where(isNull(users.passwordHash)))[0]!.n).toBe(400);
  });
});
