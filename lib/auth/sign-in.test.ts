import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, outboxMessages, rateLimits, securitySettings, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb, TEST_PASSWORD } from '@/db/testing';
import { rows } from '@/lib/db-rows';
import { hashPassword } from './password';
import { SIGN_IN_PER_ACCOUNT } from './rate-limit';
import { findToken, issueToken } from './tokens';
import { liftExpiredLocks, passwordChangeNotice, passwordExpiresAt, SIGN_IN_MESSAGES, signIn, signInMessage } from './sign-in';
import { getSecuritySettings } from '@/lib/settings';
import { ADMIN_GUARD_LOCK } from '@/lib/users/admin-guard';
import { securitySettingsSchema, updateSecuritySettings } from '@/lib/settings/security';
import { PERMISSIONS } from './permissions';

const meta = { ip: '203.0.113.9', userAgent: 'vitest' };
let db: Db;
let hash: string;
let n = 0;

beforeAll(async () => {
  db = await testDb();
  hash = await hashPassword(TEST_PASSWORD);
  await setUpOrganization(db);
});

beforeEach(async () => {
  // Each test starts with a fresh per-IP budget; the rate limit has tests of its own.
  await db.delete(rateLimits).where(sql`true`);
  await db.update(securitySettings).set({ lockoutThreshold: 10, autoUnlockMinutes: 0, passwordMaxAgeDays: 90, passwordWarningDays: 14 }).where(eq(securitySettings.lockoutThreshold, securitySettings.lockoutThreshold));
});

const newUser = (values: Partial<Parameters<typeof insertUser>[1]> = {}) => insertUser(db, { email: `user${++n}@example.test`, passwordHash: hash, ...values });
const reload = async (id: string) => (await db.select().from(users).where(eq(users.id, id)))[0]!;

describe('signIn', () => {
  it('signs in with the right password, resets the count and records the sign-in', async () => {
    const user = await newUser({ failedAttempts: 3 });
    const result = await signIn(db, user.email.toUpperCase(), TEST_PASSWORD, meta);
    expect(result).toMatchObject({ ok: true, user: { id: user.id }, mustChangePassword: false });
    const after = await reload(user.id);
    expect(after.failedAttempts).toBe(0);
    expect(after.lastSignInAt).not.toBeNull();
    const events = await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, user.id), eq(auditEvents.action, 'auth.sign_in')));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ ip: '203.0.113.9', userAgent: 'vitest', actorId: user.id });
  });

  it('gives the same answer for an unknown email and a wrong password', async () => {
    const user = await newUser();
    const unknown = await signIn(db, 'nobody@example.test', TEST_PASSWORD, meta);
    const wrong = await signIn(db, user.email, 'Wrong-Password-123', meta);
    expect(unknown).toEqual({ ok: false, reason: 'invalid' });
    expect(wrong).toEqual({ ok: false, reason: 'invalid' });
    expect((await reload(user.id)).failedAttempts).toBe(1);
  });

  it('locks the account at the threshold and refuses even the right password', async () => {
    await db.update(securitySettings).set({ lockoutThreshold: 3 }).where(eq(securitySettings.lockoutThreshold, 10));
    const user = await newUser();
    for (let i = 0; i < 3; i++) expect(await signIn(db, user.email, 'Wrong-Password-123', meta)).toEqual({ ok: false, reason: 'invalid' });
    const locked = await reload(user.id);
    expect(locked).toMatchObject({ status: 'locked', lockReason: 'failed_attempts', failedAttempts: 3 });
    expect(locked.sessionVersion).toBe(user.sessionVersion + 1);
    expect(await signIn(db, user.email, TEST_PASSWORD, meta)).toEqual({ ok: false, reason: 'locked' });
    // Someone without the password learns nothing about the lock.
    expect(await signIn(db, user.email, 'Wrong-Password-123', meta)).toEqual({ ok: false, reason: 'invalid' });
    const lockEvents = await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, user.id), eq(auditEvents.action, 'user.locked')));
    expect(lockEvents).toHaveLength(1);
  });

  it('never locks an account waiting on a reset link (it has no password to guess): its link survives any number of wrong sign-ins', async () => {
    const { lockoutThreshold } = await getSecuritySettings(db);
    const user = await newUser({ passwordHash: null, requirePasswordChange: true });
    const token = await issueToken(db, user.id, 'reset', 3_600_000);
    for (let i = 0; i < lockoutThreshold + 2; i++) expect(await signIn(db, user.email, 'Wrong-Password-123', meta)).toEqual({ ok: false, reason: 'invalid' });
    expect(await reload(user.id)).toMatchObject({ status: 'active', failedAttempts: lockoutThreshold + 2, sessionVersion: user.sessionVersion });
    expect(await findToken(db, token)).toEqual({ userId: user.id, purpose: 'reset' });
  });

  it('of 50 concurrent wrong attempts at one account, counts exactly those its budget lets through, and locks once', { timeout: 180_000 }, async () => {
    const user = await newUser();
    const results = await Promise.all(Array.from({ length: 50 }, () => signIn(db, user.email, 'Wrong-Password-123', meta)));
    expect(results.filter((r) => !r.ok && r.reason === 'rate_limited')).toHaveLength(50 - SIGN_IN_PER_ACCOUNT.limit);
    const after = await reload(user.id);
    expect(after.failedAttempts).toBe(SIGN_IN_PER_ACCOUNT.limit);
    expect(after.status).toBe('locked');
    const lockEvents = await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, user.id), eq(auditEvents.action, 'user.locked')));
    expect(lockEvents).toHaveLength(1);
  });

  it('unlocks automatically at the next attempt once the lockout period has passed', async () => {
    await db.update(securitySettings).set({ autoUnlockMinutes: 15 }).where(eq(securitySettings.lockoutThreshold, 10));
    const recent = await newUser({ status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(Date.now() - 5 * 60_000), failedAttempts: 10 });
    expect(await signIn(db, recent.email, TEST_PASSWORD, meta)).toEqual({ ok: false, reason: 'locked_for_now' });
    const old = await newUser({ status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(Date.now() - 20 * 60_000), failedAttempts: 10 });
    expect(await signIn(db, old.email, TEST_PASSWORD, meta)).toMatchObject({ ok: true });
    expect(await reload(old.id)).toMatchObject({ status: 'active', failedAttempts: 0, lockReason: null });
  });

  it('the minutely job lifts every lock whose period has passed, each audited once however many run at once, and no other', async () => {
    const at = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    const due = [await newUser({ status: 'locked', lockReason: 'failed_attempts', lockedAt: at(20), failedAttempts: 10 }), await newUser({ status: 'locked', lockReason: 'failed_attempts', lockedAt: at(16), failedAttempts: 12 })];
    const recent = await newUser({ status: 'locked', lockReason: 'failed_attempts', lockedAt: at(5), failedAttempts: 10 });
    const expired = await newUser({ status: 'locked', lockReason: 'password_expired', lockedAt: at(60) });
    const banned = await newUser({ status: 'banned', lockReason: 'failed_attempts', lockedAt: at(60) });
    // Off (0): nothing moves.
    expect(await db.transaction((tx) => liftExpiredLocks(tx, 0))).toBe(0);
    const lifted = await Promise.all([1, 2, 3].map(() => db.transaction((tx) => liftExpiredLocks(tx, 15))));
    expect(lifted.reduce((a, b) => a + b, 0)).toBe(2);
    for (const user of due) {
      expect(await reload(user.id)).toMatchObject({ status: 'active', failedAttempts: 0, lockReason: null, lockedAt: null });
      const events = await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, user.id), eq(auditEvents.action, 'user.unlocked')));
      expect(events).toMatchObject([{ actorType: 'system', detail: 'Automatic unlock after the lockout period' }]);
    }
    expect(await reload(recent.id)).toMatchObject({ status: 'locked' });
    expect(await reload(expired.id)).toMatchObject({ status: 'locked', lockReason: 'password_expired' });
    expect(await reload(banned.id)).toMatchObject({ status: 'banned', lockReason: 'failed_attempts' });
    await db.update(users).set({ status: 'active', lockReason: null, lockedAt: null }).where(eq(users.id, recent.id));
    await db.update(users).set({ status: 'active', lockReason: null, lockedAt: null }).where(eq(users.id, expired.id));
  });

  it('with automatic unlock on, the locked user is told it lifts by itself, at sign-in and in the lock notice', async () => {
    await db.update(securitySettings).set({ lockoutThreshold: 3, autoUnlockMinutes: 15 }).where(eq(securitySettings.lockoutThreshold, 10));
    const user = await newUser();
    for (let i = 0; i < 3; i++) await signIn(db, user.email, 'Wrong-Password-123', meta);
    expect(await signIn(db, user.email, TEST_PASSWORD, meta)).toEqual({ ok: false, reason: 'locked_for_now' });
    expect(SIGN_IN_MESSAGES.locked_for_now).toMatch(/unlocks by itself/);
    const [notice] = await db.select().from(outboxMessages).where(and(eq(outboxMessages.toAddress, user.email), eq(outboxMessages.kind, 'locked')));
    expect(notice!.text).toContain('It unlocks by itself 15 minutes after the lock');
    expect(notice!.text).not.toContain('Contact your account manager to unlock it');
    // A password-expiry lock does not lift by itself: still "contact your account manager".
    const expired = await newUser({ status: 'locked', lockReason: 'password_expired', lockedAt: new Date(Date.now() - 60 * 60_000) });
    expect(await signIn(db, expired.email, TEST_PASSWORD, meta)).toEqual({ ok: false, reason: 'expired' });
  });

  // The guard's lock is the organization's: the inactivity job or a bulk change may hold it a while.
  it.skipIf(process.env.VITEST_DB !== 'postgres')('locking someone who is no Administrator does not wait on the last-Administrator guard held elsewhere', async () => {
    const user = await newUser();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const taken = new Promise<void>((resolve) => (holding = resolve));
    const holder = db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${ADMIN_GUARD_LOCK})`);
      holding();
      await held;
    });
    await taken;
    try {
      const { lockoutThreshold } = await getSecuritySettings(db);
      const attempts = (async () => {
        for (let i = 0; i < lockoutThreshold; i++) await signIn(db, user.email, 'Wrong-Password-123', meta);
        return 'done';
      })();
      // Each attempt is a bcrypt check (about 0.3 s here); without the fix the lock waits for ever.
      const outcome = await Promise.race([attempts, new Promise((resolve) => setTimeout(() => resolve('waited'), 25_000))]);
      expect(outcome).toBe('done');
      expect(await reload(user.id)).toMatchObject({ status: 'locked', lockReason: 'failed_attempts' });
    } finally {
      release();
      await holder;
    }
  }, 40_000);

  it('never unlocks automatically when the period is 0', async () => {
    const user = await newUser({ status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(Date.now() - 365 * 86_400_000) });
    expect(await signIn(db, user.email, TEST_PASSWORD, meta)).toEqual({ ok: false, reason: 'locked' });
  });

  it('locks an account whose password is past its maximum age', async () => {
    const user = await newUser({ passwordChangedAt: new Date(Date.now() - 91 * 86_400_000) });
    expect(await signIn(db, user.email, TEST_PASSWORD, meta)).toEqual({ ok: false, reason: 'expired' });
    expect(await reload(user.id)).toMatchObject({ status: 'locked', lockReason: 'password_expired' });
  });

  it('a change required before the password expired (a tightened policy never acted on) does not excuse the expiry: the stale password locks', async () => {
    const user = await newUser({ passwordChangedAt: new Date(Date.now() - 200 * 86_400_000), activatedAt: new Date(Date.now() - 300 * 86_400_000), requirePasswordChange: true });
    expect(await signIn(db, user.email, TEST_PASSWORD, meta)).toEqual({ ok: false, reason: 'expired' });
    expect(await reload(user.id)).toMatchObject({ status: 'locked', lockReason: 'password_expired' });
  });

  it('a change required since the password expired (reactivated after it: an Unlock, the break-glass grant) lets them in, once, to make it', async () => {
    const user = await newUser({ passwordChangedAt: new Date(Date.now() - 200 * 86_400_000), activatedAt: new Date(), requirePasswordChange: true });
    expect(await signIn(db, user.email, TEST_PASSWORD, meta)).toMatchObject({ ok: true, mustChangePassword: true });
    expect(await reload(user.id)).toMatchObject({ status: 'active' });
  });

  it('an expired password locks an Administrator, but the last active one must change it instead', async () => {
    const old = new Date(Date.now() - 100 * 86_400_000);
    const other = await newUser({ role: 'Administrator', passwordChangedAt: old });
    expect(await signIn(db, other.email, TEST_PASSWORD, meta)).toEqual({ ok: false, reason: 'expired' });
    expect(await reload(other.id)).toMatchObject({ status: 'locked', lockReason: 'password_expired' });
    const [ada] = await db.select().from(users).where(eq(users.email, 'ada@example.test'));
    await db.update(users).set({ passwordHash: hash, passwordChangedAt: old }).where(eq(users.id, ada!.id));
    expect(await signIn(db, 'ada@example.test', TEST_PASSWORD, meta)).toMatchObject({ ok: true, mustChangePassword: true });
    expect(await reload(ada!.id)).toMatchObject({ status: 'active', requirePasswordChange: true });
    await db.update(users).set({ passwordChangedAt: new Date(), requirePasswordChange: false }).where(eq(users.id, ada!.id));
  });

  describe('the last active Administrator is never locked out by failed attempts', () => {
    // Anyone who knows their email could otherwise leave the organization without an Administrator.
    const activeAdministrators = async () =>
      (
        await rows<{ n: number }>(db, sql`select count(*)::int as n from users u join roles r on r.id = u.role_id
          where u.status = 'active' and r.name = 'Administrator'`)
      )[0];
    const eventsOf = async (id: string, action: string) => db.select().from(auditEvents).where(and(eq(auditEvents.targetId, id), eq(auditEvents.action, action)));

    it('counts the failures, withholds the lock, audits it and tells them once; the right password still works', async () => {
      await db.update(securitySettings).set({ lockoutThreshold: 3 }).where(eq(securitySettings.lockoutThreshold, 10));
      // Every other Administrator is locked: ada is the last active one.
      await db.update(users).set({ status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() })
        .where(and(sql`${users.email} <> 'ada@example.test'`, sql`${users.roleId} = (select id from roles where name = 'Administrator')`, eq(users.status, 'active')));
      const [ada] = await db.select().from(users).where(eq(users.email, 'ada@example.test'));
      expect(await activeAdministrators()).toEqual({ n: 1 });
      for (let i = 0; i < 5; i++) expect(await signIn(db, 'ada@example.test', 'Wrong-Password-123', meta)).toEqual({ ok: false, reason: 'invalid' });
      expect(await reload(ada!.id)).toMatchObject({ status: 'active', failedAttempts: 5, sessionVersion: ada!.sessionVersion });
      expect(await eventsOf(ada!.id, 'user.locked')).toEqual([]);
      expect(await eventsOf(ada!.id, 'user.lock_withheld')).toHaveLength(1);
      expect(await eventsOf(ada!.id, 'auth.sign_in_failed')).toHaveLength(5);
      const notices = await db.select().from(outboxMessages).where(and(eq(outboxMessages.userId, ada!.id), eq(outboxMessages.kind, 'lock_withheld')));
      expect(notices).toHaveLength(1);
      expect(notices[0]!.text).toContain('3 failed attempts');
      expect(await signIn(db, 'ada@example.test', TEST_PASSWORD, meta)).toMatchObject({ ok: true });
      expect(await reload(ada!.id)).toMatchObject({ status: 'active', failedAttempts: 0 });
    });

    it('is told once a run also when the threshold is lowered below the failures already counted (the count never equals it)', async () => {
      const [ada] = await db.select().from(users).where(eq(users.email, 'ada@example.test'));
      expect(await activeAdministrators()).toEqual({ n: 1 });
      const told = async () => (await eventsOf(ada!.id, 'user.lock_withheld')).filter((e) => e.at > (ada!.lastSignInAt ?? new Date(0))).length;
      await db.update(securitySettings).set({ lockoutThreshold: 10 }).where(sql`true`);
      try {
        for (let i = 0; i < 7; i++) await signIn(db, 'ada@example.test', 'Wrong-Password-123', meta);
        expect(await told()).toBe(0);
        await db.update(securitySettings).set({ lockoutThreshold: 5 }).where(sql`true`);
        await signIn(db, 'ada@example.test', 'Wrong-Password-123', meta);
        expect(await reload(ada!.id)).toMatchObject({ status: 'active', failedAttempts: 8 });
        expect(await told()).toBe(1);
        const notices = await db.select().from(outboxMessages).where(and(eq(outboxMessages.userId, ada!.id), eq(outboxMessages.kind, 'lock_withheld')));
        expect(notices.some((n) => n.text.includes('8 failed attempts'))).toBe(true);
        await signIn(db, 'ada@example.test', 'Wrong-Password-123', meta);
        expect(await told()).toBe(1);
        expect(await signIn(db, 'ada@example.test', TEST_PASSWORD, meta)).toMatchObject({ ok: true });
      } finally {
        await db.update(securitySettings).set({ lockoutThreshold: 3 }).where(sql`true`);
      }
    });

    it('of the last two, concurrent bursts lock exactly one', { timeout: 180_000 }, async () => {
      await db.update(securitySettings).set({ lockoutThreshold: 3 }).where(eq(securitySettings.lockoutThreshold, 10));
      const other = await newUser({ role: 'Administrator' });
      expect(await activeAdministrators()).toEqual({ n: 2 });
      const burst = (email: string) => Array.from({ length: 12 }, () => signIn(db, email, 'Wrong-Password-123', meta));
      await Promise.all([...burst('ada@example.test'), ...burst(other.email)]);
      expect(await activeAdministrators()).toEqual({ n: 1 });
      const [ada] = await db.select().from(users).where(eq(users.email, 'ada@example.test'));
      const states = [ada!, await reload(other.id)].map((u) => u.status).sort();
      expect(states).toEqual(['active', 'locked']);
      // Every failure counted, on both.
      expect([ada!.failedAttempts, (await reload(other.id)).failedAttempts]).toEqual([12, 12]);
      await db.update(users).set({ failedAttempts: 0, status: 'active', lockReason: null, lockedAt: null }).where(eq(users.id, ada!.id));
    });
  });

  it('asks for a new password inside the warning window, and when one is required', async () => {
    const warned = await newUser({ passwordChangedAt: new Date(Date.now() - 80 * 86_400_000) });
    expect(await signIn(db, warned.email, TEST_PASSWORD, meta)).toMatchObject({ ok: true, mustChangePassword: true });
    const required = await newUser({ requirePasswordChange: true });
    expect(await signIn(db, required.email, TEST_PASSWORD, meta)).toMatchObject({ ok: true, mustChangePassword: true });
  });

  it('a password that no longer meets a tightened policy must be changed at the next sign-in', async () => {
    const user = await newUser();
    try {
      await db.update(securitySettings).set({ passwordMinLength: 30 }).where(sql`true`);
      expect(await signIn(db, user.email, TEST_PASSWORD, meta)).toMatchObject({ ok: true, mustChangePassword: true });
      expect(await reload(user.id)).toMatchObject({ requirePasswordChange: true, status: 'active' });
      const [event] = await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, user.id), eq(auditEvents.action, 'auth.sign_in')));
      expect(event!.detail).toMatch(/no longer meets the password policy/);
    } finally {
      await db.update(securitySettings).set({ passwordMinLength: 12 }).where(sql`true`);
    }
    // A password that meets it asks for nothing.
    const fine = await newUser();
    expect(await signIn(db, fine.email, TEST_PASSWORD, meta)).toMatchObject({ ok: true, mustChangePassword: false });
    expect(await reload(fine.id)).toMatchObject({ requirePasswordChange: false });
  });

  it('a shortened maximum age asks for a change first, and locks only after the warning window', async () => {
    const [admin] = await db.select().from(users).where(eq(users.email, 'ada@example.test'));
    const principal = { actor: { type: 'user' as const, id: admin!.id, label: admin!.email }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const { organizationId: _o, updatedAt: _u, ...current } = await getSecuritySettings(db);
    const user = await newUser({ passwordChangedAt: new Date(Date.now() - 60 * 86_400_000) });
    try {
      await db.transaction((tx) => updateSecuritySettings(tx, principal, { ...securitySettingsSchema.parse(current), passwordMaxAgeDays: 30 }));
      // Past the new age, but warned first instead of locked.
      expect(await signIn(db, user.email, TEST_PASSWORD, meta)).toMatchObject({ ok: true, mustChangePassword: true });
      expect(passwordChangeNotice({ requirePasswordChange: false, passwordChangedAt: user.passwordChangedAt }, await getSecuritySettings(db))).toBe('Your password expires in 14 days. Choose a new one now to keep access.');
      // The warning window over: locked as expired.
      await db.update(securitySettings).set({ passwordMaxAgeShortenedAt: new Date(Date.now() - 15 * 86_400_000) }).where(sql`true`);
      expect(await signIn(db, user.email, TEST_PASSWORD, meta)).toEqual({ ok: false, reason: 'expired' });
      // A password set after the change follows the new age alone.
      const later = await newUser({ passwordChangedAt: new Date(Date.now() - 31 * 86_400_000) });
      await db.update(securitySettings).set({ passwordMaxAgeShortenedAt: new Date(Date.now() - 40 * 86_400_000) }).where(sql`true`);
      expect(await signIn(db, later.email, TEST_PASSWORD, meta)).toEqual({ ok: false, reason: 'expired' });
    } finally {
      await db.update(securitySettings).set({ passwordMaxAgeDays: 90, passwordMaxAgeShortenedAt: null }).where(sql`true`);
    }
  });

  it('a shortened maximum age gives its grace only to passwords still valid: one already expired stays expired, also through a second shortening', async () => {
    const [admin] = await db.select().from(users).where(eq(users.email, 'ada@example.test'));
    const principal = { actor: { type: 'user' as const, id: admin!.id, label: admin!.email }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const save = async (passwordMaxAgeDays: number) => {
      const { organizationId: _o, updatedAt: _u, ...current } = await getSecuritySettings(db);
      await db.transaction((tx) => updateSecuritySettings(tx, principal, { ...securitySettingsSchema.parse(current), passwordMaxAgeDays }));
    };
    const days = (n: number) => new Date(Date.now() - n * 86_400_000);
    // Expired long ago under 90 days (its holder never came back), and one still valid under 90.
    const dormant = await newUser({ passwordChangedAt: days(400) });
    const dormant2 = await newUser({ passwordChangedAt: days(95) });
    const current = await newUser({ passwordChangedAt: days(80) });
    const current2 = await newUser({ passwordChangedAt: days(70) });
    try {
      await save(60);
      expect(await signIn(db, dormant.email, TEST_PASSWORD, meta)).toEqual({ ok: false, reason: 'expired' });
      expect(await signIn(db, current.email, TEST_PASSWORD, meta)).toMatchObject({ ok: true, mustChangePassword: true });
      // Shortened again while that grace runs: whom it covered it still covers, and nobody else.
      await save(45);
      expect(await signIn(db, dormant2.email, TEST_PASSWORD, meta)).toEqual({ ok: false, reason: 'expired' });
      expect(await signIn(db, current2.email, TEST_PASSWORD, meta)).toMatchObject({ ok: true, mustChangePassword: true });
      expect(passwordExpiresAt(current.passwordChangedAt, await getSecuritySettings(db))!.getTime()).toBeGreaterThan(Date.now() + 13 * 86_400_000);
    } finally {
      await db.update(securitySettings).set({ passwordMaxAgeDays: 90, passwordMaxAgeShortenedAt: null, passwordGraceFrom: null }).where(sql`true`);
    }
  });

  it('fewer warning days, saved while a shortened age\'s grace runs, neither expire its passwords at once nor lengthen it', async () => {
    const [admin] = await db.select().from(users).where(eq(users.email, 'ada@example.test'));
    const principal = { actor: { type: 'user' as const, id: admin!.id, label: admin!.email }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const save = async (change: Partial<{ passwordMaxAgeDays: number; passwordWarningDays: number }>) => {
      const { organizationId: _o, updatedAt: _u, ...current } = await getSecuritySettings(db);
      await db.transaction((tx) => updateSecuritySettings(tx, principal, { ...securitySettingsSchema.parse(current), ...change }));
    };
    const user = await newUser({ passwordChangedAt: new Date(Date.now() - 60 * 86_400_000) });
    const later = await newUser({ passwordChangedAt: new Date(Date.now() - 60 * 86_400_000) });
    try {
      await save({ passwordMaxAgeDays: 30 });
      // Five days into the 14-day grace, its holders told "expires in 9 days"...
      await db.update(securitySettings).set({ passwordMaxAgeShortenedAt: new Date(Date.now() - 5 * 86_400_000) }).where(sql`true`);
      const graceEnds = passwordExpiresAt(user.passwordChangedAt, await getSecuritySettings(db))!.getTime();
      // ...an Administrator asks to be warned 3 days ahead instead of 14.
      await save({ passwordWarningDays: 3 });
      const settings = await getSecuritySettings(db);
      expect(passwordExpiresAt(user.passwordChangedAt, settings)!.getTime()).toBe(graceEnds);
      expect(await signIn(db, user.email, TEST_PASSWORD, meta)).toMatchObject({ ok: true, mustChangePassword: false });
      // The warning comes in the 3 days before the same end.
      expect(passwordChangeNotice({ requirePasswordChange: false, passwordChangedAt: user.passwordChangedAt }, settings, new Date(graceEnds - 2 * 86_400_000))).toMatch(/expires in 2 days/);
      // Back to 14 days: the grace ends when it did, not 11 days later.
      await save({ passwordWarningDays: 14 });
      expect(passwordExpiresAt(later.passwordChangedAt, await getSecuritySettings(db))!.getTime()).toBe(graceEnds);
    } finally {
      await db.update(securitySettings).set({ passwordMaxAgeDays: 90, passwordWarningDays: 14, passwordMaxAgeShortenedAt: null }).where(sql`true`);
    }
  });

  it('a maximum age lengthened leaves no grace behind; one turned on from "never" gives it', async () => {
    const [admin] = await db.select().from(users).where(eq(users.email, 'ada@example.test'));
    const principal = { actor: { type: 'user' as const, id: admin!.id, label: admin!.email }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const save = async (passwordMaxAgeDays: number) => {
      const { organizationId: _o, updatedAt: _u, ...current } = await getSecuritySettings(db);
      await db.transaction((tx) => updateSecuritySettings(tx, principal, { ...securitySettingsSchema.parse(current), passwordMaxAgeDays }));
      return (await getSecuritySettings(db)).passwordMaxAgeShortenedAt;
    };
    try {
      expect(await save(120)).toBeNull();
      expect(await save(0)).toBeNull();
      expect(await save(90)).toBeInstanceOf(Date);
    } finally {
      await db.update(securitySettings).set({ passwordMaxAgeDays: 90, passwordMaxAgeShortenedAt: null }).where(sql`true`);
    }
  });

  it('does not expire passwords when the maximum age is 0', async () => {
    await db.update(securitySettings).set({ passwordMaxAgeDays: 0 }).where(eq(securitySettings.lockoutThreshold, 10));
    const user = await newUser({ passwordChangedAt: new Date(Date.now() - 1000 * 86_400_000) });
    expect(await signIn(db, user.email, TEST_PASSWORD, meta)).toMatchObject({ ok: true, mustChangePassword: false });
  });

  it('refuses banned, inactive and invited users', async () => {
    for (const status of ['banned', 'inactive'] as const) {
      const user = await newUser({ status });
      expect(await signIn(db, user.email, TEST_PASSWORD, meta)).toEqual({ ok: false, reason: 'unavailable' });
    }
    const invited = await newUser({ status: 'invited', passwordHash: null });
    expect(await signIn(db, invited.email, TEST_PASSWORD, meta)).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('signInMessage (what /login?error= says)', () => {
  it('says the message of a known code, and the generic one for anything else, names every object inherits included', () => {
    expect(signInMessage('locked')).toBe(SIGN_IN_MESSAGES.locked);
    for (const code of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'Configuration', ''])
      expect(signInMessage(code)).toBe(SIGN_IN_MESSAGES.invalid);
  });
});

describe('passwordChangeNotice (what /change-password says)', () => {
  const settings = { passwordMaxAgeDays: 90, passwordWarningDays: 14 };
  const now = new Date('2026-03-29T12:00:00Z');
  const changed = (daysAgo: number) => ({ requirePasswordChange: false, passwordChangedAt: new Date(now.getTime() - daysAgo * 86_400_000) });

  it('says nothing to someone who came of their own accord', () => {
    expect(passwordChangeNotice(changed(10), settings, now)).toBeNull();
    // Passwords that never expire: no "expires in null days".
    expect(passwordChangeNotice(changed(400), { passwordMaxAgeDays: 0, passwordWarningDays: 14 }, now)).toBeNull();
    expect(passwordChangeNotice({ requirePasswordChange: false, passwordChangedAt: null }, settings, now)).toBeNull();
  });

  it('counts the days left inside the warning window, to its first moment', () => {
    expect(passwordChangeNotice(changed(76), settings, now)).toBe('Your password expires in 14 days. Choose a new one now to keep access.');
    expect(passwordChangeNotice(changed(75.99), settings, now)).toBeNull();
    expect(passwordChangeNotice(changed(88.5), settings, now)).toBe('Your password expires in 2 days. Choose a new one now to keep access.');
    expect(passwordChangeNotice(changed(89.9), settings, now)).toBe('Your password expires within a day. Choose a new one now to keep access.');
    expect(passwordChangeNotice(changed(90), settings, now)).toBe('Your password has expired. Choose a new one before you continue.');
  });

  it('puts a required change first', () => {
    expect(passwordChangeNotice({ ...changed(80), requirePasswordChange: true }, settings, now)).toBe('You must choose a new password before you continue.');
  });
});
