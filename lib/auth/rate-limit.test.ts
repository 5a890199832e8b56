// The rate limits as a client trying to get past them sees them: a burst straddling what used to be a
// window boundary, a steady drip at the limit's rate, and concurrent bursts (PGlite, and PostgreSQL's
// real concurrency when TEST_DATABASE_URL is set).
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { rateLimits } from '@/db/schema';
import { testDb } from '@/db/testing';
import { refund, retryAfter, SIGN_IN_PER_IP, spend, take, type Limit } from './rate-limit';

let db: Db;
let n = 0;

beforeAll(async () => {
  db = await testDb();
});

/** Moves the key's state `seconds` into the past, as if that much time had gone by. */
const elapse = (key: string, seconds: number) =>
  db.update(rateLimits).set({ windowStart: sql`${rateLimits.windowStart} - make_interval(secs => ${seconds})` }).where(eq(rateLimits.key, key));
const burst = async (key: string, limit: Limit, size: number) => (await Promise.all(Array.from({ length: size }, () => take(db, key, limit)))).filter(Boolean).length;

describe('a sliding limit', () => {
  it('lets no more than the budget through in a second that straddles where one window ended and the next began', async () => {
    const key = `straddle:${++n}`;
    const { limit, windowSeconds } = SIGN_IN_PER_IP;
    expect(await take(db, key, SIGN_IN_PER_IP)).toBe(true);
    // Half a second before the first window would end, the whole budget; a second later, again.
    await elapse(key, windowSeconds - 0.5);
    const before = await burst(key, SIGN_IN_PER_IP, limit);
    await elapse(key, 1);
    const after = await burst(key, SIGN_IN_PER_IP, limit);
    expect(before).toBeGreaterThan(0);
    expect(before + after).toBeLessThanOrEqual(limit);
  });

  it('gives one more request for each share of the window that goes by, and says when the next one fits', async () => {
    const key = `drip:${++n}`;
    const perMinute: Limit = { limit: 6, windowSeconds: 60 };
    expect(await burst(key, perMinute, 10)).toBe(6);
    const wait = await retryAfter(db, key, perMinute);
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(10);
    // Ten seconds (one sixth of the minute) later: one request, not six.
    await elapse(key, 10);
    expect(await burst(key, perMinute, 6)).toBe(1);
    // A client retrying while refused does not push its turn further away.
    for (let i = 0; i < 20; i++) expect(await take(db, key, perMinute)).toBe(false);
    await elapse(key, 10);
    expect(await take(db, key, perMinute)).toBe(true);
    // A full minute idle: the whole budget again, and no more.
    await elapse(key, 600);
    expect(await retryAfter(db, key, perMinute)).toBe(0);
    expect(await burst(key, perMinute, 10)).toBe(6);
  });

  it('a refund gives back the unit a success took', async () => {
    const key = `refund:${++n}`;
    const small: Limit = { limit: 2, windowSeconds: 900 };
    for (let i = 0; i < 5; i++) {
      expect((await spend(db, key, small)).count).toBe(1);
      await refund(db, key);
    }
    expect(await burst(key, small, 4)).toBe(2);
  });

  it('of 100 concurrent requests, exactly the budget goes through', async () => {
    const key = `concurrent:${++n}`;
    expect(await burst(key, SIGN_IN_PER_IP, 100)).toBe(SIGN_IN_PER_IP.limit);
    const [row] = await db.select().from(rateLimits).where(eq(rateLimits.key, key));
    expect(row!.count).toBe(SIGN_IN_PER_IP.limit);
  });
});
