import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { roles, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { runInactivityJob } from '@/lib/jobs/inactivity';
import { resetUser } from './access';
import { LAST_ADMINISTRATOR, LAST_ADMINISTRATOR_RESET } from './admin-guard';
import { banUser, updateUser } from './update';

let db: Db;
let adminId: string;
let environmentId: string;
const system: Principal = { actor: { type: 'system' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
const roleId = async (name: string) => (await db.select().from(roles).where(eq(roles.name, name)))[0]!.id;
const row = async (id: string) => (await db.select().from(users).where(eq(users.id, id)))[0]!;
const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);

async function edit(id: string, change: { roleId?: string; inactive?: boolean }) {
  const user = await row(id);
  return db.transaction((tx) =>
    updateUser(tx, system, id, {
      firstName: user.firstName,
      lastName: user.lastName,
      email: user.email,
      roleId: change.roleId ?? user.roleId,
      environmentIds: [environmentId],
      tags: [],
      inactive: change.inactive ?? false,
      version: user.version,
    }),
  );
}

beforeAll(async () => {
  db = await testDb();
  ({ adminId, environmentId } = await setUpOrganization(db));
});

describe('the last active Administrator', () => {
  it('cannot lose the role, be made inactive or be banned; nothing is written', async () => {
    const before = await row(adminId);
    await expect(edit(adminId, { roleId: await roleId('User') })).rejects.toThrow(LAST_ADMINISTRATOR);
    await expect(edit(adminId, { inactive: true })).rejects.toThrow(LAST_ADMINISTRATOR);
    await expect(db.transaction((tx) => banUser(tx, system, adminId, { version: before.version, reason: 'Test' }))).rejects.toThrow(LAST_ADMINISTRATOR);
    expect(await row(adminId)).toMatchObject({ status: 'active', roleId: before.roleId, version: before.version });
  });

  it('other users change freely, and an Administrator can step down once another is active', async () => {
    const user = await insertUser(db, { email: 'plain@example.test', environmentId });
    await edit(user.id, { inactive: true });
    expect((await row(user.id)).status).toBe('inactive');
    const second = await insertUser(db, { email: 'second-admin@example.test', role: 'Administrator' });
    await edit(second.id, { roleId: await roleId('Account Manager') });
    expect((await row(second.id)).roleId).toBe(await roleId('Account Manager'));
  });

  it('a reset (it clears the password) cannot take the last Administrator who can sign in, whoever asks, nor a ban leave only ones waiting on a link', async () => {
    // An organization key, or any caller who is not that Administrator (their own reset is refused anyway).
    const before = await row(adminId);
    await expect(db.transaction((tx) => resetUser(tx, system, adminId))).rejects.toThrow(LAST_ADMINISTRATOR_RESET);
    expect(await row(adminId)).toMatchObject({ passwordHash: before.passwordHash, version: before.version });
    const second = await insertUser(db, { email: 'reset-second-admin@example.test', role: 'Administrator' });
    try {
      await db.transaction((tx) => resetUser(tx, system, adminId));
      expect(await row(adminId)).toMatchObject({ status: 'active', passwordHash: null });
      // Now the second is the only one who can sign in: the first, still "active", waits on an emailed link.
      await expect(db.transaction((tx) => banUser(tx, system, second.id, { version: second.version, reason: 'Test' }))).rejects.toThrow(LAST_ADMINISTRATOR);
      await expect(edit(second.id, { roleId: await roleId('User') })).rejects.toThrow(LAST_ADMINISTRATOR);
      // Of two resets at once of the last two who can sign in, one goes through.
      await db.update(users).set({ passwordHash: before.passwordHash }).where(eq(users.id, adminId));
      const results = await Promise.allSettled([db.transaction((tx) => resetUser(tx, system, adminId)), db.transaction((tx) => resetUser(tx, system, second.id))]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { message: LAST_ADMINISTRATOR_RESET } });
    } finally {
      await db.update(users).set({ passwordHash: before.passwordHash, requirePasswordChange: false }).where(eq(users.id, adminId));
      await db.update(users).set({ status: 'inactive' }).where(eq(users.id, second.id));
    }
  });

  it('of two concurrent demotions of the last two Administrators, exactly one succeeds', async () => {
    const other = await insertUser(db, { email: 'race-admin@example.test', role: 'Administrator' });
    const userRole = await roleId('User');
    for (let round = 0; round < 3; round++) {
      const results = await Promise.allSettled([edit(adminId, { roleId: userRole }), edit(other.id, { inactive: true })]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failure = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(String(failure.reason)).toContain(LAST_ADMINISTRATOR);
      const [a, b] = [await row(adminId), await row(other.id)];
      const activeAdmins = [a, b].filter((u) => u.status === 'active' && u.roleId === (a.roleId === userRole ? b.roleId : a.roleId));
      expect(activeAdmins).toHaveLength(1);
      // Put both back for the next round.
      const administrator = await roleId('Administrator');
      await db.update(users).set({ roleId: administrator, status: 'active' }).where(eq(users.id, adminId));
      await db.update(users).set({ roleId: administrator, status: 'active' }).where(eq(users.id, other.id));
    }
    await db.update(users).set({ roleId: userRole }).where(eq(users.id, other.id));
  });

  it('the inactivity job skips the last Administrator instead of failing, and inactivates the rest', async () => {
    await db.update(users).set({ lastSignInAt: daysAgo(200), activatedAt: daysAgo(300) }).where(eq(users.id, adminId));
    const idleAdmin = await insertUser(db, { email: 'idle-admin@example.test', role: 'Administrator', lastSignInAt: daysAgo(400), activatedAt: daysAgo(500) });
    const idleUser = await insertUser(db, { email: 'idle-user@example.test', lastSignInAt: daysAgo(400), activatedAt: daysAgo(500) });
    const result = await runInactivityJob(db);
    expect(result.ran).toBe(true);
    expect((await row(adminId)).status).toBe('active');
    expect((await row(idleAdmin.id)).status).toBe('inactive');
    expect((await row(idleUser.id)).status).toBe('inactive');
  });
});
