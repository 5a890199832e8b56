import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { outboxMessages, roles, users } from '@/db/schema';
import { insertUser, setUpOrganization, TEST_PASSWORD, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { findToken } from '@/lib/auth/tokens';
import { completePasswordLink, INVALID_LINK, resetUser, sendResetLink } from './access';
import { inviteUser } from './create';
import { findChangeableUser } from './scope';
import { banUser, STALE_EDIT, updateUser, validateUser } from './update';
import { enqueueMail } from '@/lib/mail/outbox';
import { passwordChangedMail } from '@/lib/mail/templates';

let db: Db;
let environmentId: string;
const admin: Principal = { actor: { type: 'system' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
const roleId = async (name: string) => (await db.select().from(roles).where(eq(roles.name, name)))[0]!.id;

beforeAll(async () => {
  db = await testDb();
  ({ environmentId } = await setUpOrganization(db));
});

describe('updateUser', () => {
  it('refuses a save based on an older version, and changes nothing', async () => {
    const user = await insertUser(db, { email: 'stale@example.test', environmentId });
    const userRole = await roleId('User');
    const input = { firstName: 'A', lastName: 'B', email: user.email, roleId: userRole, environmentIds: [environmentId], tags: [], inactive: false };
    await db.transaction((tx) => updateUser(tx, admin, user.id, { ...input, version: user.version }));
    await expect(db.transaction((tx) => updateUser(tx, admin, user.id, { ...input, firstName: 'C', version: user.version }))).rejects.toThrow(STALE_EDIT);
    expect((await db.select().from(users).where(eq(users.id, user.id)))[0]!.firstName).toBe('A');
  });

  it('ends sessions on a role change, and an Account Manager cannot grant Administrator', async () => {
    const user = await insertUser(db, { email: 'promote@example.test', environmentId });
    const manager: Principal = { actor: { type: 'system' }, permissions: ['users.read', 'users.write', 'users.unlock', 'users.ban'], allEnvironments: false, environmentIds: [environmentId] };
    const input = { firstName: 'P', lastName: 'Q', email: user.email, environmentIds: [environmentId], tags: [], inactive: false, version: user.version };
    const [administrator, accountManager] = [await roleId('Administrator'), await roleId('Account Manager')];
    const error = await db.transaction((tx) => updateUser(tx, manager, user.id, { ...input, roleId: administrator })).catch((e) => e);
    expect(error.fieldErrors.roleId[0]).toContain('You cannot grant the Administrator role');
    await db.transaction((tx) => updateUser(tx, manager, user.id, { ...input, roleId: accountManager }));
    const after = (await db.select().from(users).where(eq(users.id, user.id)))[0]!;
    expect(after.sessionVersion).toBe(user.sessionVersion + 1);
  });

  it('nobody makes themselves inactive (in the portal or through a key acting as them); nothing is written', async () => {
    const self = await insertUser(db, { email: 'self-inactive@example.test', environmentId, status: 'active' });
    const input = { firstName: 'S', lastName: 'I', email: self.email, roleId: await roleId('Account Manager'), environmentIds: [environmentId], tags: [], inactive: true, version: self.version };
    const asThemselves: Principal = { actor: { type: 'user', id: self.id, label: self.email }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const asKey: Principal = { ...admin, actor: { type: 'api_user', id: 'k', label: 'key' }, actsAs: self.id };
    for (const principal of [asThemselves, asKey])
      await expect(db.transaction((tx) => updateUser(tx, principal, self.id, input))).rejects.toMatchObject({ code: 'invalid', fieldErrors: { inactive: [expect.stringMatching(/cannot make yourself inactive/)] } });
    expect((await db.select().from(users).where(eq(users.id, self.id)))[0]).toMatchObject({ status: 'active', version: self.version });
    // Another manager may.
    await db.transaction((tx) => updateUser(tx, admin, self.id, input));
    expect((await db.select().from(users).where(eq(users.id, self.id)))[0]!.status).toBe('inactive');
  });

  it('making a user inactive voids their reset link and cancels its email; reactivated, the old link stays dead', async () => {
    const user = await insertUser(db, { email: 'inactive-link@example.test', environmentId, status: 'active' });
    const token = new URL(await db.transaction((tx) => sendResetLink(tx, { id: user.id, email: user.email, firstName: 'L' }))).searchParams.get('token')!;
    expect(await findToken(db, token)).not.toBeNull();
    const input = { firstName: 'L', lastName: 'K', email: user.email, roleId: await roleId('User'), environmentIds: [environmentId], tags: [] };
    await db.transaction((tx) => updateUser(tx, admin, user.id, { ...input, inactive: true, version: user.version }));
    expect(await findToken(db, token)).toBeNull();
    expect((await db.select().from(outboxMessages).where(eq(outboxMessages.userId, user.id)))[0]!.status).toBe('cancelled');
    await db.transaction((tx) => updateUser(tx, admin, user.id, { ...input, inactive: false, version: user.version + 1 }));
    expect(await findToken(db, token)).toBeNull();
    await expect(db.transaction((tx) => completePasswordLink(tx, token, TEST_PASSWORD))).rejects.toThrow(INVALID_LINK);
  });

  it('reactivated, a user starts with no failed attempts, as after Unlock, Reset or Validate: their first typo does not lock them', async () => {
    const user = await insertUser(db, { email: 'reactivate-count@example.test', environmentId, failedAttempts: 9 });
    const input = { firstName: 'R', lastName: 'C', email: user.email, roleId: await roleId('User'), environmentIds: [environmentId], tags: [] };
    await db.transaction((tx) => updateUser(tx, admin, user.id, { ...input, inactive: true, version: user.version }));
    expect((await db.select().from(users).where(eq(users.id, user.id)))[0]!.failedAttempts).toBe(9);
    await db.transaction((tx) => updateUser(tx, admin, user.id, { ...input, inactive: false, version: user.version + 1 }));
    expect((await db.select().from(users).where(eq(users.id, user.id)))[0]).toMatchObject({ status: 'active', failedAttempts: 0 });
  });

  // A role with users.write or users.ban but not users.unlock ("Unlock and reset") must not unlock by
  // a detour: Inactive then active again, or Ban then Validate. The lock outlasts both; Unlock lifts it.
  it('a lock outlasts Inactive and reactivation, and a ban and Validate', async () => {
    const editor: Principal = { actor: { type: 'system' }, permissions: ['users.read', 'users.write', 'users.ban'], allEnvironments: false, environmentIds: [environmentId] };
    const reload = async (id: string) => (await db.select().from(users).where(eq(users.id, id)))[0]!;
    const userRole = await roleId('User');
    const locked = () => ({ status: 'locked' as const, lockReason: 'failed_attempts' as const, lockedAt: new Date(Date.now() - 60_000), failedAttempts: 10, passwordHash: 'x' });
    const a = await insertUser(db, { email: 'detour-inactive@example.test', environmentId, ...locked() });
    const input = { firstName: 'D', lastName: 'T', email: a.email, roleId: userRole, environmentIds: [environmentId], tags: [] };
    await db.transaction((tx) => updateUser(tx, editor, a.id, { ...input, inactive: true, version: a.version }));
    expect(await reload(a.id)).toMatchObject({ status: 'inactive' });
    const { version } = await reload(a.id);
    await db.transaction((tx) => updateUser(tx, editor, a.id, { ...input, inactive: false, version }));
    expect(await reload(a.id)).toMatchObject({ status: 'locked', lockReason: 'failed_attempts' });

    const b = await insertUser(db, { email: 'detour-ban@example.test', environmentId, ...locked() });
    await db.transaction((tx) => banUser(tx, editor, b.id, { version: b.version, reason: 'Left the company' }));
    await db.transaction((tx) => validateUser(tx, editor, b.id));
    expect(await reload(b.id)).toMatchObject({ status: 'locked', lockReason: 'failed_attempts', banReason: null });
  });

  it('Inactive outlasts a ban and Validate: someone who may ban but not edit cannot reactivate by that detour', async () => {
    const banner: Principal = { actor: { type: 'system' }, permissions: ['users.read', 'users.ban'], allEnvironments: false, environmentIds: [environmentId] };
    const reload = async (id: string) => (await db.select().from(users).where(eq(users.id, id)))[0]!;
    const user = await insertUser(db, { email: 'detour-inactive-ban@example.test', environmentId, status: 'inactive', passwordHash: 'x', failedAttempts: 4 });
    await db.transaction((tx) => banUser(tx, banner, user.id, { version: user.version, reason: 'Left' }));
    expect(await db.transaction((tx) => validateUser(tx, banner, user.id))).toMatchObject({ status: 'inactive' });
    expect(await reload(user.id)).toMatchObject({ status: 'inactive', banReason: null, bannedWhileInactive: false, failedAttempts: 4 });
    // Banned again while active, Validate gives back active: the mark went with the first ban.
    await db.update(users).set({ status: 'active' }).where(eq(users.id, user.id));
    const { version } = await reload(user.id);
    await db.transaction((tx) => banUser(tx, banner, user.id, { version, reason: 'Again' }));
    expect(await db.transaction((tx) => validateUser(tx, banner, user.id))).toMatchObject({ status: 'active' });
  });
});

describe('ban and validate', () => {
  it('a ban voids outstanding links; validating someone who never set a password makes them invited again', async () => {
    const [userRole] = await db.select().from(roles).where(eq(roles.name, 'User'));
    const invited = await db.transaction((tx) =>
      inviteUser(tx, admin, { firstName: 'I', lastName: 'V', email: 'never@example.test', roleId: userRole!.id, environmentIds: [environmentId], tags: [], profile: {} }),
    );
    const [mail] = await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, 'never@example.test'));
    const token = /token=([\w-]+)/.exec(mail!.text)![1]!;
    const [row] = await db.select().from(users).where(eq(users.id, invited.id));
    await db.transaction((tx) => banUser(tx, admin, invited.id, { version: row!.version, reason: 'Duplicate account' }));
    expect(await findToken(db, token)).toBeNull();
    await db.transaction((tx) => validateUser(tx, admin, invited.id));
    expect((await db.select().from(users).where(eq(users.id, invited.id)))[0]!.status).toBe('invited');
  });

  it('bans with a reason and ends sessions; validate restores access', async () => {
    const user = await insertUser(db, { email: 'ban@example.test', environmentId });
    await db.transaction((tx) => banUser(tx, admin, user.id, { version: user.version, reason: 'Left the company' }));
    let row = (await db.select().from(users).where(eq(users.id, user.id)))[0]!;
    expect(row).toMatchObject({ status: 'banned', banReason: 'Left the company', sessionVersion: user.sessionVersion + 1 });
    await db.transaction((tx) => validateUser(tx, admin, user.id));
    row = (await db.select().from(users).where(eq(users.id, user.id)))[0]!;
    expect(row).toMatchObject({ status: 'active', banReason: null });
  });
});

describe('ban reasons from every path', () => {
  it('refuses hidden characters and a blank reason as the portal does, whoever calls (REST, bulk, SOAP)', async () => {
    const user = await insertUser(db, { email: 'ban-reason@example.test', environmentId });
    for (const reason of ['Fraud \u202egnp.exe', 'zero\u200bwidth', '\u3164', 'bell\u0007']) {
      const error = await db.transaction((tx) => banUser(tx, admin, user.id, { version: user.version, reason })).catch((e) => e);
      expect(error.fieldErrors?.reason).toHaveLength(1);
    }
    expect((await db.select().from(users).where(eq(users.id, user.id)))[0]).toMatchObject({ status: 'active', banReason: null });
  });
});

describe('changing a user\'s email', () => {
  it('voids the invitation sent to the old address and invites the new one', async () => {
    const userRole = await roleId('User');
    const invited = await db.transaction((tx) =>
      inviteUser(tx, admin, { firstName: 'Ty', lastName: 'Po', email: 'typo@example.test', roleId: userRole, environmentIds: [environmentId], tags: [], profile: {} }),
    );
    const [mail] = await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, 'typo@example.test'));
    const oldToken = /token=([\w-]+)/.exec(mail!.text)![1]!;
    const row = (await db.select().from(users).where(eq(users.id, invited.id)))[0]!;
    await db.transaction((tx) =>
      updateUser(tx, admin, invited.id, { firstName: 'Ty', lastName: 'Po', email: 'right@example.test', roleId: userRole, environmentIds: [environmentId], tags: [], inactive: false, version: row.version }),
    );
    expect(await findToken(db, oldToken)).toBeNull();
    await expect(db.transaction((tx) => completePasswordLink(tx, oldToken, TEST_PASSWORD))).rejects.toThrow(INVALID_LINK);
    // Still waiting in the outbox, the invitation to the typo'd address is never sent.
    expect((await db.select().from(outboxMessages).where(eq(outboxMessages.id, mail!.id)))[0]).toMatchObject({ status: 'cancelled' });
    const [fresh] = await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, 'right@example.test'));
    const newToken = /token=([\w-]+)/.exec(fresh!.text)![1]!;
    expect(await findToken(db, newToken)).toMatchObject({ userId: invited.id, purpose: 'invitation' });
  });

  it('voids an outstanding reset link and tells the old address of an active user', async () => {
    const user = await insertUser(db, { email: 'before@example.test', environmentId, passwordHash: 'x' });
    const link = await db.transaction((tx) => sendResetLink(tx, user));
    const resetToken = new URL(link).searchParams.get('token')!;
    await db.transaction((tx) =>
      updateUser(tx, admin, user.id, { firstName: user.firstName, lastName: user.lastName, email: 'after@example.test', roleId: user.roleId, environmentIds: [environmentId], tags: [], inactive: false, version: user.version }),
    );
    await expect(db.transaction((tx) => completePasswordLink(tx, resetToken, TEST_PASSWORD))).rejects.toThrow(INVALID_LINK);
    const notices = await db.select().from(outboxMessages).where(and(eq(outboxMessages.toAddress, 'before@example.test'), eq(outboxMessages.kind, 'email_changed')));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).toContain('after@example.test');
    expect(await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, 'after@example.test'))).toHaveLength(0);
  });
});

describe('an email change after a Reset', () => {
  it('sends a new reset link to the new address (the user has no password left), and one again when only the case is fixed', async () => {
    const user = await insertUser(db, { email: 'reset-before@example.test', environmentId, passwordHash: 'x' });
    await db.transaction((tx) => resetUser(tx, admin, user.id));
    const move = async (email: string) => {
      const row = (await db.select().from(users).where(eq(users.id, user.id)))[0]!;
      await db.transaction((tx) => updateUser(tx, admin, user.id, { firstName: row.firstName, lastName: row.lastName, email, roleId: row.roleId, environmentIds: [environmentId], tags: [], inactive: false, version: row.version }));
      const [mail] = await db.select().from(outboxMessages).where(and(eq(outboxMessages.toAddress, email), eq(outboxMessages.status, 'pending')));
      const token = /token=([\w-]+)/.exec(mail?.text ?? '')?.[1];
      expect(token, email).toBeDefined();
      expect(await findToken(db, token!)).toMatchObject({ userId: user.id, purpose: 'reset' });
      return token!;
    };
    await move('reset-after@example.test');
    const token = await move('Reset-After@example.test');
    await db.transaction((tx) => completePasswordLink(tx, token, TEST_PASSWORD));
    expect((await db.select().from(users).where(eq(users.id, user.id)))[0]).toMatchObject({ status: 'active', requirePasswordChange: false });
  });
});

describe('a notice still waiting for the old address', () => {
  it('is cancelled by the change, and only the notice of the change itself goes there', async () => {
    const user = await insertUser(db, { email: 'mistyped@example.test', environmentId, passwordHash: 'x' });
    await db.transaction((tx) => enqueueMail(tx, { email: user.email, userId: user.id }, passwordChangedMail('Acme', user.firstName)));
    await db.transaction((tx) =>
      updateUser(tx, admin, user.id, { firstName: user.firstName, lastName: user.lastName, email: 'corrected@example.test', roleId: user.roleId, environmentIds: [environmentId], tags: [], inactive: false, version: user.version }),
    );
    const waiting = await db.select({ kind: outboxMessages.kind, status: outboxMessages.status }).from(outboxMessages).where(eq(outboxMessages.toAddress, 'mistyped@example.test'));
    expect(waiting.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      { kind: 'email_changed', status: 'pending' },
      { kind: 'password_changed', status: 'cancelled' },
    ]);
  });
});

describe('four simultaneous Adds whose emails differ only in case', () => {
  it('keep exactly one user; the other three get the email field\'s error', async () => {
    const userRole = await roleId('User');
    const emails = ['Quad@Example.test', 'quad@example.test', 'QUAD@EXAMPLE.TEST', 'qUaD@example.TEST'];
    const results = await Promise.allSettled(
      emails.map((email) =>
        db.transaction((tx) => inviteUser(tx, admin, { firstName: 'Q', lastName: 'D', email, roleId: userRole, environmentIds: [environmentId], tags: [], profile: {} })),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected'))
      expect(r.reason.fieldErrors?.email).toEqual(['A user with this email already exists.']);
    expect(await db.select().from(users).where(sql`lower(${users.email}) = 'quad@example.test'`)).toHaveLength(1);
  });
});

describe('a change that waits for a concurrent role change', () => {
  // PostgreSQL only: the embedded database runs one transaction at a time, so nothing waits there.
  it.skipIf(process.env.VITEST_DB !== 'postgres')('finds the user once the role change commits (locked through the join to roles, PostgreSQL dropped the row: 404)', async () => {
    const user = await insertUser(db, { email: 'moving@example.test', environmentId });
    const accountManager = await roleId('Account Manager');
    let changed!: () => void;
    let commit!: () => void;
    const rowLocked = new Promise<void>((resolve) => (changed = resolve));
    const held = new Promise<void>((resolve) => (commit = resolve));
    const roleChange = db.transaction(async (tx) => {
      await tx.update(users).set({ roleId: accountManager, version: sql`${users.version} + 1` }).where(eq(users.id, user.id));
      changed();
      await held;
    });
    await rowLocked;
    const waiting = db.transaction((tx) => findChangeableUser(tx, admin, user.id));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the second transaction now waits on the row lock
    commit();
    await roleChange;
    expect(await waiting).toMatchObject({ id: user.id, roleName: 'Account Manager', version: user.version + 1 });
  });
});
