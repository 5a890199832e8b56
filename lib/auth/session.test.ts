import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { roles, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { loadSessionUser } from './session';

let db: Db;
beforeAll(async () => {
  db = await testDb();
  await setUpOrganization(db);
});

describe('loadSessionUser', () => {
  it('resolves an active user with the permissions of their role', async () => {
    const user = await insertUser(db, { email: 'mo@example.test', role: 'Account Manager' });
    const loaded = await loadSessionUser(db, user.id, user.sessionVersion);
    expect(loaded).toMatchObject({ id: user.id, roleName: 'Account Manager', allEnvironments: false });
    expect(loaded!.permissions).toEqual(['users.read', 'users.write', 'users.unlock', 'users.ban']);
    expect(loaded).not.toHaveProperty('passwordHash');
  });

  it('ends the session when the session version moves on (password or role change, lock)', async () => {
    const user = await insertUser(db, { email: 'sv@example.test' });
    await db.update(users).set({ sessionVersion: sql`${users.sessionVersion} + 1` }).where(eq(users.id, user.id));
    expect(await loadSessionUser(db, user.id, user.sessionVersion)).toBeNull();
  });

  it.each(['locked', 'banned', 'inactive', 'invited'] as const)('ends the session of a %s user', async (status) => {
    const user = await insertUser(db, { email: `${status}@example.test`, status });
    expect(await loadSessionUser(db, user.id, user.sessionVersion)).toBeNull();
  });

  it('drops permissions a role no longer grants at the next request', async () => {
    const user = await insertUser(db, { email: 'shrink@example.test', role: 'Account Manager' });
    await db.update(roles).set({ permissions: ['users.read', 'no.such.permission'] }).where(eq(roles.name, 'Account Manager'));
    expect((await loadSessionUser(db, user.id, user.sessionVersion))!.permissions).toEqual(['users.read']);
  });

  it('holds a session whose password expired after sign-in to a change, as an expired password is held at sign-in', async () => {
    const day = 86_400_000;
    // The default maximum age is 90 days: one past it, one still inside the warning window.
    const expired = await insertUser(db, { email: 'expired-mid-session@example.test', passwordChangedAt: new Date(Date.now() - 91 * day) });
    const warned = await insertUser(db, { email: 'warned-mid-session@example.test', passwordChangedAt: new Date(Date.now() - 80 * day) });
    expect((await loadSessionUser(db, expired.id, expired.sessionVersion))!.requirePasswordChange).toBe(true);
    expect((await loadSessionUser(db, warned.id, warned.sessionVersion))!.requirePasswordChange).toBe(false);
  });
});
