// Hostile bursts against sign-in: the per-IP budget taken before the password check (issue 7, item 4),
// and a success that must not overwrite a lock made while bcrypt ran (item 7).
import { and, eq, inArray, sql } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, rateLimits, securitySettings, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb, TEST_PASSWORD } from '@/db/testing';
import { hashPassword } from './password';
import { SIGN_IN_PER_ACCOUNT, SIGN_IN_PER_IP } from './rate-limit';
import { signIn } from './sign-in';

let db: Db;
let hash: string;
let n = 0;

beforeAll(async () => {
  db = await testDb();
  hash = await hashPassword(TEST_PASSWORD);
  await setUpOrganization(db);
});

beforeEach(async () => {
  await db.delete(rateLimits).where(sql`true`);
});

const newUser = () => insertUser(db, { email: `burst${++n}@example.test`, passwordHash: hash });
const events = async (action: string, ip: string) =>
  (await db.select({ id: auditEvents.id }).from(auditEvents).where(and(eq(auditEvents.action, action), eq(auditEvents.ip, ip)))).length;

describe('the per-IP budget under a burst', () => {
  it('lets at most 50 of 100 simultaneous wrong sign-ins from one address reach the password check', { timeout: 180_000 }, async () => {
    const ip = '198.51.100.77';
    const accounts = await Promise.all(Array.from({ length: 12 }, newUser));
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => signIn(db, accounts[i % 12]!.email, 'Wrong-Password-123', { ip, userAgent: 'burst' })),
    );
    const checked = await events('auth.sign_in_failed', ip);
    expect(checked).toBe(SIGN_IN_PER_IP.limit);
    expect(results.filter((r) => !r.ok && r.reason === 'rate_limited')).toHaveLength(100 - SIGN_IN_PER_IP.limit);
    const rows = await db.select().from(users).where(inArray(users.id, accounts.map((a) => a.id)));
    expect(rows.reduce((sum, u) => sum + u.failedAttempts, 0)).toBe(SIGN_IN_PER_IP.limit);
    // 50 guesses spread over 12 accounts with a threshold of 10 cannot lock them all.
    expect(rows.filter((u) => u.status === 'locked').length).toBeLessThan(12);
  });

  it('counts an IPv6 client by its /64: a new address of the same network for each attempt gets no new budget', async () => {
    // Five guesses each on twelve accounts: none reaches the lockout threshold, so every refusal is the budget's.
    const accounts = await Promise.all(Array.from({ length: 12 }, newUser));
    // At once, as the burst above: one by one, the sliding budget would drain a unit while bcrypt ran.
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => signIn(db, accounts[i % 12]!.email, 'Wrong-Password-123', { ip: `2001:db8:77:1:${(i + 1).toString(16)}::${i}`, userAgent: 'spray' })),
    );
    expect(results.filter((r) => !r.ok && r.reason === 'rate_limited')).toHaveLength(60 - SIGN_IN_PER_IP.limit);
    const rows = await db.select().from(users).where(inArray(users.id, accounts.map((a) => a.id)));
    expect(rows.reduce((sum, u) => sum + u.failedAttempts, 0)).toBe(SIGN_IN_PER_IP.limit);
  });

  it('a successful sign-in gives its unit back', async () => {
    const ip = '198.51.100.78';
    const user = await newUser();
    for (let i = 0; i < 5; i++) expect(await signIn(db, user.email, TEST_PASSWORD, { ip, userAgent: null })).toMatchObject({ ok: true });
    await signIn(db, user.email, 'Wrong-Password-123', { ip, userAgent: null });
    const [row] = await db.select().from(rateLimits).where(eq(rateLimits.key, `sign-in:${ip}`));
    expect(row!.count).toBe(1);
  });
});

describe('a right password fired together with wrong ones', () => {
  it('ends consistent: locked at the threshold (a success, if any, came first), or active with its success and no lock undone', { timeout: 180_000 }, async () => {
    await db.update(securitySettings).set({ lockoutThreshold: 10 }).where(sql`true`);
    for (let round = 0; round < 3; round++) {
      const user = await newUser();
      const ip = `198.51.100.${100 + round}`;
      const attempts = [
        ...Array.from({ length: 12 }, () => signIn(db, user.email, 'Wrong-Password-123', { ip, userAgent: null })),
        signIn(db, user.email, TEST_PASSWORD, { ip, userAgent: null }),
      ];
      // The right one in the middle of the wrong ones.
      [attempts[6], attempts[12]] = [attempts[12]!, attempts[6]!];
      const results = await Promise.all(attempts);
      const success = results.filter((r) => r.ok);
      const [after] = await db.select().from(users).where(eq(users.id, user.id));
      const events = await db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.targetId, user.id));
      const count = (action: string) => events.filter((e) => e.action === action).length;
      // Each success recorded once; at most one (the right password was sent once).
      expect(count('auth.sign_in')).toBe(success.length);
      if (after!.status === 'locked') {
        // Locked at the threshold and staying so: a success (if the right password came first) never
        // undoes a lock, and the count is not wound back under it.
        expect(after!.failedAttempts).toBeGreaterThanOrEqual(10);
        expect(count('user.locked')).toBe(1);
      } else {
        // Active: the success came after fewer than ten failures, and no lock was overwritten.
        expect(after!.status).toBe('active');
        expect(success).toHaveLength(1);
        expect(after!.failedAttempts).toBeLessThan(10);
        expect(count('user.locked')).toBe(0);
      }
    }
  });
});

// The last active Administrator is never locked (SPEC.md section 5), so guesses at them from many
// addresses (each under its own per-IP budget) are held by the account's budget instead.
describe('guesses at one account from many addresses', () => {
  it('reach the password check at most as often as the account budget allows, even at once; the right password then waits too', { timeout: 180_000 }, async () => {
    const [ada] = await db.select().from(users).where(eq(users.email, 'ada@example.test'));
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => signIn(db, 'ADA@example.test ', 'Wrong-Password-123', { ip: `203.0.113.${i + 1}`, userAgent: 'spray' })),
    );
    expect(results.filter((r) => !r.ok && r.reason === 'rate_limited')).toHaveLength(40 - SIGN_IN_PER_ACCOUNT.limit);
    const [after] = await db.select().from(users).where(eq(users.id, ada!.id));
    // Counted, never locked: the last active Administrator.
    expect(after).toMatchObject({ status: 'active', failedAttempts: SIGN_IN_PER_ACCOUNT.limit });
    expect(await signIn(db, 'ada@example.test', TEST_PASSWORD, { ip: '203.0.113.200', userAgent: 'owner' })).toEqual({ ok: false, reason: 'rate_limited' });
    await db.update(users).set({ failedAttempts: 0 }).where(eq(users.id, ada!.id));
  });

  it('an unknown email is limited alike, so the limit tells nobody which emails have accounts', { timeout: 180_000 }, async () => {
    const answers = [];
    for (let i = 0; i < SIGN_IN_PER_ACCOUNT.limit + 2; i++) answers.push((await signIn(db, 'nobody.here@example.test', 'Wrong-Password-123', { ip: `203.0.114.${i + 1}`, userAgent: 'probe' })) as { reason?: string });
    expect(answers.map((a) => a.reason)).toEqual([...Array<string>(SIGN_IN_PER_ACCOUNT.limit).fill('invalid'), 'rate_limited', 'rate_limited']);
  });
});

describe('refusals over a budget', () => {
  it('are audited once a minute per address, not once per request (each event takes the audit chain’s lock)', { timeout: 180_000 }, async () => {
    const ip = '198.51.100.90';
    await db.insert(rateLimits).values({ key: `sign-in:${ip}`, windowStart: new Date(), count: SIGN_IN_PER_IP.limit });
    const results = await Promise.all(Array.from({ length: 30 }, () => signIn(db, 'someone@example.test', 'Wrong-Password-123', { ip, userAgent: 'flood' })));
    expect(results.every((r) => !r.ok && r.reason === 'rate_limited')).toBe(true);
    expect(await events('auth.sign_in_rate_limited', ip)).toBe(1);
  });
});

describe('what the audit log keeps of an email typed at sign-in', () => {
  it('an address as typed; anything else (a password in the Email box, hidden characters) only by its length', async () => {
    const ip = '198.51.100.91';
    for (const typed of ['Sturdy-Secret-Passphrase-9', 'someone.\u202eevil@example.test', 'unknown.person@example.test'])
      await signIn(db, typed, 'Wrong-Password-123', { ip, userAgent: 'typo' });
    const details = (await db.select({ detail: auditEvents.detail }).from(auditEvents).where(and(eq(auditEvents.action, 'auth.sign_in_failed'), eq(auditEvents.ip, ip)))).map((e) => e.detail);
    expect(details.sort()).toEqual(['Unknown email (not an email address, 26 characters)', 'Unknown email (not an email address, 26 characters)', 'Unknown email unknown.person@example.test']);
  });
});
