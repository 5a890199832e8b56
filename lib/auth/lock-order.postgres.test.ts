// Jobs that change many users lock their rows in id order, as bulk actions do, so that two of them
// never wait on each other in a circle (PostgreSQL would end one with a deadlock error: a lost
// automatic unlock, or an inactivity run failed for the hour). Each test holds the lowest-id user
// from another session, starts the job, then locks the rest in id order there as a bulk Unlock would:
// a job that locked in the order its scan meets the rows would hold some of them by then.
import { inArray } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { runInactivityJob } from '@/lib/jobs/inactivity';
import { liftExpiredLocks } from './sign-in';

let db: Db;
let side: postgres.Sql;
const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);

beforeAll(async () => {
  db = await testDb();
  await setUpOrganization(db);
  side = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await side.end();
});

/**
 * Users with ids made here, written highest id first (and, for locks, the lowest one locked earliest):
 * by the table, and by the Locked Users index (newest lock first), the lowest id comes last.
 */
async function usersInReverse(prefix: string, count: number, values: (i: number) => Partial<typeof users.$inferInsert>) {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, '0')}-0000-4000-8000-000000000000`);
  for (let i = count - 1; i >= 0; i--) await insertUser(db, { id: ids[i]!, email: `${prefix}.${i}@example.test`, ...values(i) });
  return ids;
}

/** Runs `job` while another session, holding the lowest of `ids`, goes on to lock the rest in id order. */
async function againstIdOrderedLocker(ids: string[], job: () => Promise<unknown>) {
  const sorted = [...ids].sort();
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  let goOn!: () => void;
  const next = new Promise<void>((resolve) => (goOn = resolve));
  const locker = side.begin(async (tx) => {
    await tx`select id from users where id = ${sorted[0]!} for update`;
    holding();
    await next;
    await tx`select id from users where id = any(${sorted}::uuid[]) order by id for update`;
  });
  await held;
  const running = job();
  // Long enough for the job to reach the held row (and, locking in scan order, to take the others first).
  await new Promise((resolve) => setTimeout(resolve, 400));
  goOn();
  return Promise.allSettled([running, locker]);
}

it('the automatic unlock waits behind a bulk action on the same users, and neither is ended as a deadlock', async () => {
  const ids = await usersInReverse('a100', 12, (i) => ({ status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(Date.now() - 3_600_000 - (12 - i) * 1000) }));
  const [job, bulk] = await againstIdOrderedLocker(ids, () => db.transaction((tx) => liftExpiredLocks(tx, 30)));
  expect(bulk.status).toBe('fulfilled');
  expect(job).toEqual({ status: 'fulfilled', value: 12 });
  expect((await db.select({ status: users.status }).from(users).where(inArray(users.id, ids))).every((u) => u.status === 'active')).toBe(true);
});

// The inactivity job runs with the default setting: 90 days without a sign-in.
it('the inactivity job waits behind a bulk action on the same users, and neither is ended as a deadlock', async () => {
  const ids = await usersInReverse('b200', 12, () => ({ lastSignInAt: daysAgo(200), activatedAt: daysAgo(300) }));
  const [job, bulk] = await againstIdOrderedLocker(ids, () => runInactivityJob(db));
  expect(bulk.status).toBe('fulfilled');
  expect(job).toMatchObject({ status: 'fulfilled', value: { ran: true } });
  expect((await db.select({ status: users.status }).from(users).where(inArray(users.id, ids))).every((u) => u.status === 'inactive')).toBe(true);
});
