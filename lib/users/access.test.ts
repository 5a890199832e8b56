import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, environments, outboxMessages, rateLimits, roles, securitySettings, userEnvironments, userTokens, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb, TEST_PASSWORD } from '@/db/testing';
import { principalOf, type Principal } from '@/lib/auth/principal';
import { hashPassword } from '@/lib/auth/password';
import { hit, SIGN_IN_PER_IP } from '@/lib/auth/rate-limit';
import { signIn } from '@/lib/auth/sign-in';
import { findToken, hashToken } from '@/lib/auth/tokens';
import { completePasswordLink, INVALID_LINK, requestPasswordReset, resendInvitation, resetUser, sendInvitation, unlockUser } from './access';
import { SUPERSEDED } from '@/lib/mail/outbox';
import type { Transporter } from 'nodemailer';
import { claimDue, sendClaimed } from '@/lib/mail/deliver';
import { cancelOutboxMessage, retryOutboxMessage } from '@/lib/mail/manage';
import { inviteUser } from './create';
import { updateUser } from './update';

const meta = { ip: '192.0.2.50', userAgent: 'vitest' };
let db: Db;
let admin: Principal;
let environmentId: string;
let hash: string;
let n = 0;

const tokenFrom = (text: string) => /token=([A-Za-z0-9_-]+)/.exec(text)![1]!;
const lastMailTo = async (email: string) =>
  (await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, email))).sort((a, b) => +a.createdAt - +b.createdAt).at(-1)!;
const reload = async (id: string) => (await db.select().from(users).where(eq(users.id, id)))[0]!;
const lockedUser = () => insertUser(db, { email: `locked${++n}@example.test`, passwordHash: hash, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(), failedAttempts: 10, environmentId });

beforeAll(async () => {
  db = await testDb();
  hash = await hashPassword(TEST_PASSWORD);
  const org = await setUpOrganization(db);
  environmentId = org.environmentId;
  const [adminRole] = await db.select().from(roles).where(eq(roles.name, 'Administrator'));
  admin = principalOf({ id: org.adminId, email: 'ada@example.test', permissions: adminRole!.permissions as never, allEnvironments: true, environmentIds: [] });
});

describe('unlock', () => {
  it('reactivates a locked user with their old password', async () => {
    const user = await lockedUser();
    await db.transaction((tx) => unlockUser(tx, admin, user.id, meta));
    expect(await reload(user.id)).toMatchObject({ status: 'active', failedAttempts: 0, lockReason: null, lockedAt: null });
    expect(await signIn(db, user.email, TEST_PASSWORD, meta)).toMatchObject({ ok: true });
    const [event] = await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, user.id), eq(auditEvents.action, 'user.unlocked')));
    expect(event).toMatchObject({ actorId: admin.actor.type === 'user' ? admin.actor.id : null, ip: meta.ip });
    // One notice, in the same transaction, urgent (ahead of bulk invitations).
    const notices = await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, user.email));
    expect(notices.map((m) => ({ kind: m.kind, priority: m.priority }))).toEqual([{ kind: 'unlocked', priority: 0 }]);
  });

  it('lets a user locked for an expired password sign in once, to choose a new one (not locked again at once)', async () => {
    const user = await insertUser(db, {
      email: `expired${++n}@example.test`,
      passwordHash: hash,
      status: 'locked',
      lockReason: 'password_expired',
      lockedAt: new Date(),
      passwordChangedAt: new Date(Date.now() - 400 * 86_400_000),
      environmentId,
    });
    await db.transaction((tx) => unlockUser(tx, admin, user.id, meta));
    expect(await reload(user.id)).toMatchObject({ status: 'active', requirePasswordChange: true });
    const [event] = await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, user.id), eq(auditEvents.action, 'user.unlocked')));
    expect(event!.changes).toMatchObject({ requirePasswordChange: { before: false, after: true } });
    expect(await signIn(db, user.email, TEST_PASSWORD, meta)).toMatchObject({ ok: true, mustChangePassword: true });
    expect((await reload(user.id)).status).toBe('active');
  });

  it('refuses a user who is not locked', async () => {
    const user = await insertUser(db, { email: `active${++n}@example.test`, environmentId });
    await expect(db.transaction((tx) => unlockUser(tx, admin, user.id))).rejects.toMatchObject({ code: 'conflict' });
  });
});

describe('reset', () => {
  it('clears the password, ends sessions and emails a single-use link that sets a new one', async () => {
    const user = await lockedUser();
    await db.transaction((tx) => resetUser(tx, admin, user.id, meta));
    const after = await reload(user.id);
    expect(after).toMatchObject({ status: 'active', requirePasswordChange: true, passwordHash: null, sessionVersion: user.sessionVersion + 1 });
    expect(await signIn(db, user.email, TEST_PASSWORD, meta)).toEqual({ ok: false, reason: 'invalid' });

    const mail = await lastMailTo(user.email);
    expect(mail).toMatchObject({ kind: 'reset', status: 'pending' });
    const token = tokenFrom(mail.text);
    expect(token.length).toBeGreaterThanOrEqual(43); // 32 random bytes
    // Only the hash is stored.
    const stored = await db.select().from(userTokens).where(eq(userTokens.userId, user.id));
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored.map((t) => t.tokenHash)).toContain(hashToken(token));

    await expect(db.transaction((tx) => completePasswordLink(tx, token, 'weak', meta))).rejects.toMatchObject({ fieldErrors: { password: expect.arrayContaining(['Use at least 12 characters.']) } });
    // A refused password does not use the link up.
    expect((await reload(user.id)).lastSignInAt).toBeNull();
    await db.transaction((tx) => completePasswordLink(tx, token, 'Fresh-Start-Passphrase-3', meta));
    // The link signs them in: Last sign-in is set, not left at "Never", and the sign-in is audited as every one is.
    expect((await reload(user.id)).lastSignInAt).toBeInstanceOf(Date);
    const signIns = await db.select({ detail: auditEvents.detail }).from(auditEvents).where(and(eq(auditEvents.targetId, user.id), eq(auditEvents.action, 'auth.sign_in')));
    expect(signIns).toEqual([{ detail: 'Signed in by setting a password from an emailed link' }]);
    expect(await signIn(db, user.email, 'Fresh-Start-Passphrase-3', meta)).toMatchObject({ ok: true, mustChangePassword: false });
    await expect(db.transaction((tx) => completePasswordLink(tx, token, 'Another-Passphrase-44', meta))).rejects.toThrow(INVALID_LINK);
  });

  it('refuses an expired link', async () => {
    const user = await lockedUser();
    await db.transaction((tx) => resetUser(tx, admin, user.id));
    const token = tokenFrom((await lastMailTo(user.email)).text);
    await db.update(userTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(userTokens.tokenHash, hashToken(token)));
    await expect(db.transaction((tx) => completePasswordLink(tx, token, 'Fresh-Start-Passphrase-3'))).rejects.toThrow(INVALID_LINK);
  });
});

describe('a link whose account cannot use it now', () => {
  it('is not offered while the account is locked: the page says so at once, not after a password is typed', async () => {
    const user = await insertUser(db, { email: `lock.after.link${++n}@example.test`, passwordHash: hash, environmentId });
    await db.transaction((tx) => requestPasswordReset(tx, user.email, { ...meta, ip: '192.0.2.78' }));
    const token = tokenFrom((await lastMailTo(user.email)).text);
    expect(await findToken(db, token)).toMatchObject({ userId: user.id, purpose: 'reset' });
    // Locked by wrong passwords (not a manager's action, so nothing voided the link).
    await db.update(users).set({ status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() }).where(eq(users.id, user.id));
    expect(await findToken(db, token)).toBeNull();
    await expect(db.transaction((tx) => completePasswordLink(tx, token, 'Fresh-Start-Passphrase-3', meta))).rejects.toThrow(INVALID_LINK);
  });
});

describe('a link lifetime changed after the link was sent', () => {
  const setLifetimes = (values: { invitationLifetimeDays?: number; resetLifetimeMinutes?: number }) => db.update(securitySettings).set(values).where(sql`true`);
  const sentAgo = (token: string, ms: number) =>
    db.update(userTokens).set({ createdAt: new Date(Date.now() - ms) }).where(eq(userTokens.tokenHash, hashToken(token)));

  it('a shortened reset lifetime ends a link sent under the longer one; a lengthened one does not extend it', async () => {
    const user = await lockedUser();
    await db.transaction((tx) => resetUser(tx, admin, user.id));
    const token = tokenFrom((await lastMailTo(user.email)).text);
    await sentAgo(token, 30 * 60_000);
    try {
      await setLifetimes({ resetLifetimeMinutes: 15 });
      await expect(db.transaction((tx) => completePasswordLink(tx, token, 'Fresh-Start-Passphrase-3'))).rejects.toThrow(INVALID_LINK);
      // Lengthened again: the link's own expiry (60 minutes from sending) still holds.
      await setLifetimes({ resetLifetimeMinutes: 600 });
      await sentAgo(token, 61 * 60_000);
      await db.update(userTokens).set({ expiresAt: new Date(Date.now() - 60_000) }).where(eq(userTokens.tokenHash, hashToken(token)));
      await expect(db.transaction((tx) => completePasswordLink(tx, token, 'Fresh-Start-Passphrase-3'))).rejects.toThrow(INVALID_LINK);
    } finally {
      await setLifetimes({ resetLifetimeMinutes: 60 });
    }
  });

  it('a shortened invitation lifetime ends an invitation sent under the longer one, and only that one', async () => {
    const [userRole] = await db.select().from(roles).where(eq(roles.name, 'User'));
    const invite = (email: string) =>
      db.transaction((tx) => inviteUser(tx, admin, { firstName: 'Ivy', lastName: 'Later', email, roleId: userRole!.id, environmentIds: [environmentId], tags: [], profile: {} }, meta));
    const old = await invite('ivy.old@example.test');
    const fresh = await invite('ivy.fresh@example.test');
    const oldToken = tokenFrom((await lastMailTo(old.email)).text);
    const freshToken = tokenFrom((await lastMailTo(fresh.email)).text);
    await sentAgo(oldToken, 3 * 86_400_000);
    await sentAgo(freshToken, 86_400_000 / 2);
    try {
      await setLifetimes({ invitationLifetimeDays: 2 });
      await expect(db.transaction((tx) => completePasswordLink(tx, oldToken, 'Fresh-Start-Passphrase-3'))).rejects.toThrow(INVALID_LINK);
      await db.transaction((tx) => completePasswordLink(tx, freshToken, 'Fresh-Start-Passphrase-3'));
      expect(await reload(fresh.id)).toMatchObject({ status: 'active' });
      expect(await reload(old.id)).toMatchObject({ status: 'invited' });
    } finally {
      await setLifetimes({ invitationLifetimeDays: 7 });
    }
  });
});

describe('a link sent by a server whose clock is behind the database\'s', () => {
  // PostgreSQL only: PGlite runs in this process and keeps its time by the same (here, wound back) clock.
  it.skipIf(process.env.VITEST_DB !== 'postgres')('works for its whole lifetime, timed by the database\'s clock that checks it', async () => {
    const user = await lockedUser();
    const realNow = Date.now;
    const behind = vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 2 * 60 * 60_000);
    try {
      await db.transaction((tx) => resetUser(tx, admin, user.id));
    } finally {
      behind.mockRestore();
    }
    const token = tokenFrom((await lastMailTo(user.email)).text);
    expect(await findToken(db, token)).toMatchObject({ userId: user.id, purpose: 'reset' });
  });
});

describe('invitations', () => {
  it('cancels a link message a sender already holds, and that sender\'s failure does not put it back in the queue', async () => {
    const [userRole] = await db.select().from(roles).where(eq(roles.name, 'User'));
    const user = await db.transaction((tx) =>
      inviteUser(tx, admin, { firstName: 'Sal', lastName: 'Sending', email: 'sal@example.test', roleId: userRole!.id, environmentIds: [environmentId], tags: [], profile: {} }, meta),
    );
    const claimed = (await claimDue(db, 1_000)).find((m) => m.toAddress === 'sal@example.test')!;
    await db.transaction((tx) => resendInvitation(tx, admin, user.id, meta));
    const failing = { sendMail: async () => Promise.reject(Object.assign(new Error('421 Try again later'), { responseCode: 421 })) } as unknown as Transporter;
    expect(await sendClaimed(db, failing, claimed, 'example.test')).toBe('retry');
    expect((await db.select().from(outboxMessages).where(eq(outboxMessages.id, claimed.id)))[0]).toMatchObject({ status: 'cancelled', lastError: SUPERSEDED });
  });

  it('invites a user, and a resent invitation makes the old link stop working', async () => {
    const [userRole] = await db.select().from(roles).where(eq(roles.name, 'User'));
    const user = await db.transaction((tx) =>
      inviteUser(tx, admin, { firstName: 'Ines', lastName: 'Invitée', email: 'ines@example.test', roleId: userRole!.id, environmentIds: [environmentId], tags: [], profile: {} }, meta),
    );
    expect(await reload(user.id)).toMatchObject({ status: 'invited', passwordHash: null });
    const first = tokenFrom((await lastMailTo('ines@example.test')).text);
    await db.transaction((tx) => resendInvitation(tx, admin, user.id, meta));
    const second = tokenFrom((await lastMailTo('ines@example.test')).text);
    expect(second).not.toBe(first);
    // The first message, still waiting, is cancelled: it would deliver a dead link. Sending it again is refused.
    const messages = await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, 'ines@example.test'));
    const stale = messages.find((m) => m.text.includes(first))!;
    expect(stale).toMatchObject({ status: 'cancelled', lastError: SUPERSEDED, nextAttemptAt: null });
    expect(messages.find((m) => m.text.includes(second))).toMatchObject({ status: 'pending' });
    await expect(db.transaction((tx) => retryOutboxMessage(tx, admin, stale.id))).rejects.toThrow('link no longer works');
    await expect(db.transaction((tx) => completePasswordLink(tx, first, 'Welcome-Aboard-Passphrase-1'))).rejects.toThrow(INVALID_LINK);
    await db.transaction((tx) => completePasswordLink(tx, second, 'Welcome-Aboard-Passphrase-1'));
    expect(await reload(user.id)).toMatchObject({ status: 'active' });
    expect((await reload(user.id)).activatedAt).not.toBeNull();
  });

  it('refuses a password that is the invitee\'s email (however short) or name, and leaves the link usable', async () => {
    const [userRole] = await db.select().from(roles).where(eq(roles.name, 'User'));
    const user = await db.transaction((tx) =>
      inviteUser(tx, admin, { firstName: 'Jo', lastName: 'Dunmore', email: 'jd@example.test', roleId: userRole!.id, environmentIds: [environmentId], tags: [], profile: {} }, meta),
    );
    const token = tokenFrom((await lastMailTo('jd@example.test')).text);
    for (const [password, refusal] of [
      ['Jd@example.test1', 'Do not include your email address.'],
      ['Jo-Dunmore-2026!', 'Do not include your name.'],
      ['JoDunmore-Passphrase-7', 'Do not include your name.'],
    ] as const)
      await expect(db.transaction((tx) => completePasswordLink(tx, token, password, meta))).rejects.toMatchObject({ fieldErrors: { password: [refusal] } });
    await db.transaction((tx) => completePasswordLink(tx, token, 'Welcome-Aboard-Passphrase-1', meta));
    expect(await reload(user.id)).toMatchObject({ status: 'active' });
  });

  it('refuses to send again a message its administrator cancelled once its link was voided (a typo\'d address corrected since)', async () => {
    const [userRole] = await db.select().from(roles).where(eq(roles.name, 'User'));
    const input = { firstName: 'Tia', lastName: 'Typo', email: 'tia@exampel.test', roleId: userRole!.id, environmentIds: [environmentId], tags: [], profile: {} };
    const user = await db.transaction((tx) => inviteUser(tx, admin, input, meta));
    const typo = await lastMailTo('tia@exampel.test');
    // Cancelled by hand in the outbox, then the address corrected: that voids the link it carries.
    await db.transaction((tx) => cancelOutboxMessage(tx, admin, typo.id, meta));
    const { profile: _, ...fields } = input;
    const { version } = await reload(user.id);
    await db.transaction((tx) => updateUser(tx, admin, user.id, { ...fields, email: 'tia@example.test', inactive: false, version }, meta));
    await expect(db.transaction((tx) => retryOutboxMessage(tx, admin, typo.id))).rejects.toThrow('link no longer works');
    expect((await db.select().from(outboxMessages).where(eq(outboxMessages.id, typo.id)))[0]).toMatchObject({ status: 'cancelled', nextAttemptAt: null });
  });

  it('refuses to send again a failed message whose link was used meanwhile (read from the outbox)', async () => {
    const user = await lockedUser();
    await db.transaction((tx) => resetUser(tx, admin, user.id, meta));
    const mail = await lastMailTo(user.email);
    await db.update(outboxMessages).set({ status: 'failed', nextAttemptAt: null }).where(eq(outboxMessages.id, mail.id));
    await db.transaction((tx) => completePasswordLink(tx, tokenFrom(mail.text), 'Fresh-Start-Passphrase-3', meta));
    await expect(db.transaction((tx) => retryOutboxMessage(tx, admin, mail.id))).rejects.toThrow('link no longer works');
  });

  it('refuses to send a notice again to an address the user no longer signs in with, but sends the change notice to the old one', async () => {
    const user = await lockedUser();
    await db.transaction((tx) => unlockUser(tx, admin, user.id, meta));
    const notice = await lastMailTo(user.email);
    expect(notice.kind).toBe('unlocked');
    await db.update(outboxMessages).set({ status: 'failed', nextAttemptAt: null }).where(eq(outboxMessages.id, notice.id));
    // The address was wrong (the mail failed): corrected since, the old notice must not go to it again.
    const [userRole] = await db.select().from(roles).where(eq(roles.name, 'User'));
    const current = await reload(user.id);
    const corrected = `fixed${n}@example.test`;
    const fields = { firstName: current.firstName, lastName: current.lastName, roleId: userRole!.id, environmentIds: [environmentId], tags: [], inactive: false };
    await db.transaction((tx) => updateUser(tx, admin, user.id, { ...fields, email: corrected, version: current.version }, meta));
    await expect(db.transaction((tx) => retryOutboxMessage(tx, admin, notice.id))).rejects.toThrow(`addressed to ${user.email}, which this user no longer signs in with`);
    expect((await db.select().from(outboxMessages).where(eq(outboxMessages.id, notice.id)))[0]!.status).toBe('failed');
    // The notice of the change goes to the old address on purpose, and may be sent again there.
    const changed = await lastMailTo(user.email);
    expect(changed.kind).toBe('email_changed');
    await db.update(outboxMessages).set({ status: 'failed', nextAttemptAt: null }).where(eq(outboxMessages.id, changed.id));
    await db.transaction((tx) => retryOutboxMessage(tx, admin, changed.id));
    // An address differing from theirs only in case is theirs.
    await db.update(outboxMessages).set({ toAddress: corrected.toUpperCase() }).where(eq(outboxMessages.id, notice.id));
    await db.transaction((tx) => retryOutboxMessage(tx, admin, notice.id));
    expect((await db.select().from(outboxMessages).where(eq(outboxMessages.id, notice.id)))[0]!.status).toBe('pending');
  });

  it('refuses an email already in use, whatever its case', async () => {
    const [userRole] = await db.select().from(roles).where(eq(roles.name, 'User'));
    const error = await db
      .transaction((tx) => inviteUser(tx, admin, { firstName: 'A', lastName: 'B', email: 'INES@example.test', roleId: userRole!.id, environmentIds: [environmentId], tags: [], profile: {} }))
      .catch((e) => e);
    expect(error.fieldErrors).toEqual({ email: ['A user with this email already exists.'] });
  });

  it('writes nothing, not even the message, when the change fails', async () => {
    const before = (await db.select().from(outboxMessages)).length;
    const user = await lockedUser();
    await db
      .transaction(async (tx) => {
        await resetUser(tx, admin, user.id);
        throw new Error('the change fails after the message was queued');
      })
      .catch(() => {});
    expect(await db.select().from(outboxMessages)).toHaveLength(before);
    expect((await reload(user.id)).status).toBe('locked');
  });
});

describe('forgot password', () => {
  it('emails active accounts only and says nothing either way', async () => {
    const user = await insertUser(db, { email: `forgetful${++n}@example.test`, passwordHash: hash, environmentId });
    await db.transaction((tx) => requestPasswordReset(tx, user.email.toUpperCase(), meta));
    expect((await lastMailTo(user.email)).kind).toBe('reset');
    const before = (await db.select().from(outboxMessages)).length;
    await expect(db.transaction((tx) => requestPasswordReset(tx, 'nobody@example.test', meta))).resolves.toBeUndefined();
    expect(await db.select().from(outboxMessages)).toHaveLength(before);
  });

  it('a password set from the link ends the run of wrong ones: the next typo does not lock the account', async () => {
    // Nine wrong guesses at a forgotten password (the threshold is 10), then Forgot password.
    const user = await insertUser(db, { email: `guesser${++n}@example.test`, passwordHash: hash, failedAttempts: 9, environmentId });
    await db.delete(rateLimits).where(sql`true`);
    await db.transaction((tx) => requestPasswordReset(tx, user.email, meta));
    const token = tokenFrom((await lastMailTo(user.email)).text);
    await db.transaction((tx) => completePasswordLink(tx, token, 'Fresh-Start-Passphrase-3', meta));
    expect(await reload(user.id)).toMatchObject({ status: 'active', failedAttempts: 0 });
    expect(await signIn(db, user.email, 'Fresh-Start-Passphrase-4', meta)).toEqual({ ok: false, reason: 'invalid' });
    expect(await reload(user.id)).toMatchObject({ status: 'active', failedAttempts: 1 });
  });

  // PostgreSQL only: the embedded database runs one transaction at a time, so nothing overlaps there.
  it.skipIf(process.env.VITEST_DB !== 'postgres')('a request for the old address while the email is being changed sends no live link there', async () => {
    const user = await insertUser(db, { email: `moving${++n}@example.test`, passwordHash: hash, environmentId });
    const [userRole] = await db.select().from(roles).where(eq(roles.name, 'User'));
    let changed!: () => void;
    let commit!: () => void;
    const rowLocked = new Promise<void>((resolve) => (changed = resolve));
    const held = new Promise<void>((resolve) => (commit = resolve));
    const emailChange = db.transaction(async (tx) => {
      const input = { email: `moved${n}@example.test`, firstName: user.firstName, lastName: user.lastName, roleId: userRole!.id, environmentIds: [environmentId], tags: [], inactive: false, version: user.version };
      await updateUser(tx, admin, user.id, input);
      changed();
      await held;
    });
    await rowLocked;
    const request = db.transaction((tx) => requestPasswordReset(tx, user.email, { ip: '192.0.2.88', userAgent: null }));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the request now reads (or waits for) the user
    commit();
    await Promise.all([emailChange, request]);
    const live = await db.select().from(userTokens).where(and(eq(userTokens.userId, user.id), isNull(userTokens.consumedAt)));
    expect(live).toEqual([]);
    const toOld = await db.select().from(outboxMessages).where(and(eq(outboxMessages.toAddress, user.email), eq(outboxMessages.kind, 'reset'), ne(outboxMessages.status, 'cancelled')));
    expect(toOld).toEqual([]);
  });

  it('sends at most 3 reset links an hour to one account, however many addresses ask; past that it answers as for an unknown email, audited', async () => {
    const user = await insertUser(db, { email: `harassed${++n}@example.test`, passwordHash: hash, environmentId });
    const from = (i: number) => ({ ip: `198.51.100.${i}`, userAgent: null });
    const resets = async () => (await db.select().from(outboxMessages).where(and(eq(outboxMessages.toAddress, user.email), eq(outboxMessages.kind, 'reset')))).length;
    for (let i = 1; i <= 3; i++) await db.transaction((tx) => requestPasswordReset(tx, user.email, from(i)));
    expect(await resets()).toBe(3);
    const live = await db.select().from(userTokens).where(and(eq(userTokens.userId, user.id), isNull(userTokens.consumedAt)));
    expect(live).toHaveLength(1);
    for (let i = 4; i <= 5; i++) await expect(db.transaction((tx) => requestPasswordReset(tx, user.email, from(i)))).resolves.toBeUndefined();
    // Nothing sent, and the owner's last link still works.
    expect(await resets()).toBe(3);
    expect(await db.select().from(userTokens).where(and(eq(userTokens.userId, user.id), isNull(userTokens.consumedAt)))).toEqual(live);
    const limited = await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, user.id), eq(auditEvents.action, 'user.reset_request_limited')));
    expect(limited.map((e) => [e.actorType, e.ip]).sort()).toEqual([['anonymous', '198.51.100.4'], ['anonymous', '198.51.100.5']]);
    // An hour on, the account may be sent a link again.
    await db.update(rateLimits).set({ windowStart: sql`now() - interval '61 minutes'` }).where(eq(rateLimits.key, `reset-account:${user.id}`));
    await db.transaction((tx) => requestPasswordReset(tx, user.email, from(6)));
    expect(await resets()).toBe(4);
  });

  it('holds the per-account cap under a concurrent burst from many addresses', async () => {
    const user = await insertUser(db, { email: `burst${++n}@example.test`, passwordHash: hash, environmentId });
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => db.transaction((tx) => requestPasswordReset(tx, user.email, { ip: `203.0.113.${i + 1}`, userAgent: null }))),
    );
    const resets = await db.select().from(outboxMessages).where(and(eq(outboxMessages.toAddress, user.email), eq(outboxMessages.kind, 'reset')));
    expect(resets).toHaveLength(3);
    const audited = await db.select().from(auditEvents).where(eq(auditEvents.targetId, user.id));
    expect(audited.filter((e) => e.action === 'user.reset_requested')).toHaveLength(3);
    expect(audited.filter((e) => e.action === 'user.reset_request_limited')).toHaveLength(9);
  });

  it('sends each account what makes sense for it: an invited one a new invitation, a locked one how it gets unlocked; banned and inactive nothing', async () => {
    const ask = (email: string, i: number) => db.transaction((tx) => requestPasswordReset(tx, email, { ip: `198.51.100.${100 + i}`, userAgent: null }));
    const invited = await insertUser(db, { email: `lost-invite${++n}@example.test`, status: 'invited', environmentId });
    await db.transaction((tx) => sendInvitation(tx, invited));
    const oldToken = tokenFrom((await lastMailTo(invited.email)).text);
    await ask(invited.email.toUpperCase(), 1);
    const invitation = await lastMailTo(invited.email);
    expect(invitation.kind).toBe('invitation');
    // The new invitation works, once; the one it replaced does not.
    await expect(db.transaction((tx) => completePasswordLink(tx, oldToken, 'Brand-New-Staple-58', meta))).rejects.toThrow(INVALID_LINK);
    await db.transaction((tx) => completePasswordLink(tx, tokenFrom(invitation.text), 'Brand-New-Staple-58', meta));
    expect((await reload(invited.id)).status).toBe('active');

    const locked = await lockedUser();
    await ask(locked.email, 2);
    const notice = await lastMailTo(locked.email);
    expect(notice).toMatchObject({ kind: 'locked' });
    expect(notice.text).toContain('Contact your account manager');
    expect(notice.text).not.toContain('token=');
    expect(await reload(locked.id)).toMatchObject({ status: 'locked', passwordHash: hash });

    for (const status of ['banned', 'inactive'] as const) {
      const user = await insertUser(db, { email: `${status}${++n}@example.test`, passwordHash: hash, status, environmentId });
      await ask(user.email, 3);
      expect(await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, user.email))).toEqual([]);
    }
  });

  it('is rate limited per IP', async () => {
    const ip = { ip: '192.0.2.77', userAgent: null };
    for (let i = 0; i < 10; i++) await db.transaction((tx) => requestPasswordReset(tx, 'nobody@example.test', ip));
    await expect(db.transaction((tx) => requestPasswordReset(tx, 'nobody@example.test', ip))).rejects.toMatchObject({ code: 'rate_limited' });
  });
});

describe('scope', () => {
  it('an Account Manager cannot reset an Administrator, nor see users outside their environments', async () => {
    const managerRow = await insertUser(db, { email: `am${++n}@example.test`, role: 'Account Manager', environmentId });
    const [amRole] = await db.select().from(roles).where(eq(roles.name, 'Account Manager'));
    const manager = principalOf({ ...managerRow, permissions: amRole!.permissions as never, allEnvironments: false, environmentIds: [environmentId] });
    const adminUser = await insertUser(db, { email: `admin${++n}@example.test`, role: 'Administrator', status: 'locked' });
    await expect(db.transaction((tx) => resetUser(tx, manager, adminUser.id))).rejects.toMatchObject({ code: 'forbidden' });
    const outsider = await insertUser(db, { email: `outsider${++n}@example.test`, status: 'locked' });
    await expect(db.transaction((tx) => unlockUser(tx, manager, outsider.id))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('an Account Manager cannot reset a peer who also manages an environment they do not', async () => {
    const [amRole] = await db.select().from(roles).where(eq(roles.name, 'Account Manager'));
    const managerRow = await insertUser(db, { email: `am${++n}@example.test`, role: 'Account Manager', environmentId });
    const manager = principalOf({ ...managerRow, permissions: amRole!.permissions as never, allEnvironments: false, environmentIds: [environmentId] });
    const peer = await insertUser(db, { email: `peer${++n}@example.test`, role: 'Account Manager', environmentId });
    const [elsewhere] = await db.insert(environments).values({ name: `Elsewhere ${n}` }).returning();
    await db.insert(userEnvironments).values({ userId: peer.id, environmentId: elsewhere!.id });
    await expect(db.transaction((tx) => resetUser(tx, manager, peer.id))).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('environments you do not manage') });
  });
});

describe('rate limit on sign-in', () => {
  it('stops counting against accounts once an IP has failed too often', async () => {
    const user = await insertUser(db, { email: `target${++n}@example.test`, passwordHash: hash, environmentId });
    const flood = { ip: '198.51.100.200', userAgent: null };
    // 48 failures from this IP elsewhere, then two against this account: the budget of 50 is spent.
    for (let i = 0; i < 48; i++) await hit(db, 'sign-in:198.51.100.200', SIGN_IN_PER_IP);
    for (let i = 0; i < 2; i++) expect(await signIn(db, user.email, 'Wrong-Password-123', flood)).toEqual({ ok: false, reason: 'invalid' });
    expect(await signIn(db, user.email, 'Wrong-Password-123', flood)).toEqual({ ok: false, reason: 'rate_limited' });
    expect(await signIn(db, user.email, TEST_PASSWORD, flood)).toEqual({ ok: false, reason: 'rate_limited' });
    expect((await reload(user.id)).failedAttempts).toBe(2);
    // Another network is unaffected.
    expect(await signIn(db, user.email, TEST_PASSWORD, meta)).toMatchObject({ ok: true });
  });
});
