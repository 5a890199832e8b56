import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, outboxMessages, securitySettings, users } from '@/db/schema';
import { insertUser, setUpOrganization, TEST_PASSWORD, testDb } from '@/db/testing';
import { hashPassword } from '@/lib/auth/password';
import { completePasswordLink, INVALID_LINK, requestPasswordReset } from './access';
import { changeOwnPassword, PASSWORDS_DIFFER, refuseUnconfirmed } from './password';

let db: Db;
let environmentId: string;
let hash: string;
const meta = { ip: '203.0.113.9', userAgent: 'test' };
const NEW_PASSWORD = 'Fresh-Correct-Staple-93';

beforeAll(async () => {
  db = await testDb();
  ({ environmentId } = await setUpOrganization(db));
  hash = await hashPassword(TEST_PASSWORD);
  await db.update(securitySettings).set({ lockoutThreshold: 3 }).where(eq(securitySettings.lockoutThreshold, 10));
});

const change = (userId: string, currentPassword: string) => changeOwnPassword(db, userId, { currentPassword, newPassword: NEW_PASSWORD }, meta, 1).catch((e: unknown) => e as { fieldErrors?: Record<string, string[]> });

describe('changing one\'s own password', () => {
  it('counts a wrong current password as a failed sign-in: a session left open is no unlimited password oracle', async () => {
    const user = await insertUser(db, { email: 'oracle@example.test', passwordHash: hash, environmentId });
    for (let i = 0; i < 3; i++) expect(await change(user.id, `Wrong-Guess-${i}-Xy`)).toMatchObject({ fieldErrors: { currentPassword: ['The current password is incorrect.'] } });
    const [after] = await db.select().from(users).where(eq(users.id, user.id));
    // Locked at the threshold, which ends the session that was guessing.
    expect(after).toMatchObject({ status: 'locked', lockReason: 'failed_attempts', failedAttempts: 3, sessionVersion: user.sessionVersion + 1, passwordHash: hash });
    const failures = await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, user.id), eq(auditEvents.action, 'auth.sign_in_failed')));
    expect(failures).toHaveLength(3);
    // Even the right password changes nothing now.
    expect(await change(user.id, TEST_PASSWORD)).toBeInstanceOf(Error);
    expect((await db.select().from(users).where(eq(users.id, user.id)))[0]!.passwordHash).toBe(hash);
  });

  it('with the right current password, changes it and ends the other sessions', async () => {
    const user = await insertUser(db, { email: 'changer@example.test', passwordHash: hash, environmentId, failedAttempts: 2 });
    const { sessionVersion } = await changeOwnPassword(db, user.id, { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD }, meta, user.sessionVersion);
    const [after] = await db.select().from(users).where(eq(users.id, user.id));
    expect(after!.passwordHash).not.toBe(hash);
    expect(sessionVersion).toBe(user.sessionVersion + 1);
    expect(await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, user.id), eq(auditEvents.action, 'user.password_changed')))).toHaveLength(1);
  });

  it('from a session ended meanwhile (a role or email change on another instance moved the version on) changes nothing', async () => {
    const user = await insertUser(db, { email: 'ended@example.test', passwordHash: hash, environmentId });
    await db.update(users).set({ sessionVersion: user.sessionVersion + 1 }).where(eq(users.id, user.id));
    await expect(changeOwnPassword(db, user.id, { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD }, meta, user.sessionVersion)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('Sign in again'),
    });
    const [after] = await db.select().from(users).where(eq(users.id, user.id));
    expect(after).toMatchObject({ passwordHash: hash, sessionVersion: user.sessionVersion + 1 });
    expect(await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, user.id), eq(auditEvents.action, 'user.password_changed')))).toHaveLength(0);
  });
});

describe('a new password typed twice differently', () => {
  it('is refused with the policy\'s complaints about it too, so one try shows every problem', async () => {
    await expect(refuseUnconfirmed(db, 'short', { email: 'someone@example.test' }, 'newPassword')).rejects.toMatchObject({
      code: 'invalid',
      fieldErrors: { newPassword: expect.arrayContaining(['Use at least 12 characters.']), confirmPassword: [PASSWORDS_DIFFER] },
    });
    // A good password differing only in its confirmation: that alone is named.
    await expect(refuseUnconfirmed(db, NEW_PASSWORD, { email: 'someone@example.test' }, 'newPassword')).rejects.toMatchObject({ fieldErrors: { confirmPassword: [PASSWORDS_DIFFER] } });
    await expect(refuseUnconfirmed(db, NEW_PASSWORD, { email: 'someone@example.test' }, 'newPassword').catch((e: { fieldErrors: object }) => Object.keys(e.fieldErrors))).resolves.toEqual(['confirmPassword']);
  });
});

describe('a password changed while a link is out', () => {
  it('voids the reset link (and its waiting email) and tells the owner, whoever changed it', async () => {
    const user = await insertUser(db, { email: 'linked@example.test', passwordHash: hash, environmentId });
    await db.transaction((tx) => requestPasswordReset(tx, user.email, { ip: '203.0.113.77', userAgent: null }));
    const [resetMessage] = await db.select().from(outboxMessages).where(and(eq(outboxMessages.userId, user.id), eq(outboxMessages.kind, 'reset')));
    const token = /token=([A-Za-z0-9_-]+)/.exec(resetMessage!.text)![1]!;
    await changeOwnPassword(db, user.id, { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD }, meta, user.sessionVersion);
    // The link in the mailbox no longer overrides the password just chosen.
    await expect(db.transaction((tx) => completePasswordLink(tx, token, 'Attacker-Chosen-Pass-71', meta))).rejects.toThrow(INVALID_LINK);
    const messages = await db.select().from(outboxMessages).where(eq(outboxMessages.userId, user.id));
    expect(messages.find((m) => m.kind === 'reset')!.status).toBe('cancelled');
    expect(messages.filter((m) => m.kind === 'password_changed')).toHaveLength(1);
  });
});

describe('a reset link asked for by someone who must change their password', () => {
  it('does not renew the current password as it is: a required change or an ageing password is not dodged through "Forgot password?"', async () => {
    const aged = new Date(Date.now() - 80 * 86_400_000);
    const user = await insertUser(db, { email: 'dodger@example.test', passwordHash: hash, environmentId, requirePasswordChange: true, passwordChangedAt: aged });
    await db.transaction((tx) => requestPasswordReset(tx, user.email, { ip: '203.0.113.78', userAgent: null }));
    const [mail] = await db.select().from(outboxMessages).where(and(eq(outboxMessages.userId, user.id), eq(outboxMessages.kind, 'reset')));
    const token = /token=([A-Za-z0-9_-]+)/.exec(mail!.text)![1]!;

    await expect(db.transaction((tx) => completePasswordLink(tx, token, TEST_PASSWORD, meta))).rejects.toMatchObject({
      fieldErrors: { password: ['Choose a password different from the current one.'] },
    });
    expect((await db.select().from(users).where(eq(users.id, user.id)))[0]).toMatchObject({ passwordHash: hash, requirePasswordChange: true, passwordChangedAt: aged });

    // The link still works for a new password.
    await db.transaction((tx) => completePasswordLink(tx, token, NEW_PASSWORD, meta));
    expect((await db.select().from(users).where(eq(users.id, user.id)))[0]).toMatchObject({ requirePasswordChange: false });
  });
});
