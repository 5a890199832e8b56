import { and, eq, inArray, like, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, bulkJobs, environments, userEnvironments, users } from '@/db/schema';
import { deleteEnvironment } from '@/lib/environments';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { principalNow } from '@/lib/auth/rights';
import { joined } from './bulk';
import { activeBulkJob, BUSY, cancelBulkJob, claimBulkJob, getBulkJob, runBulkJob, startBulkJob } from './bulk-jobs';

let db: Db;
let environmentId: string;
let adminId: string;
const admin = (): Principal => ({ actor: { type: 'user', id: adminId, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] });
const concurrency = process.env.VITEST_DB === 'postgres' ? 3 : 1;

/** `n` locked users whose emails start with `prefix`, in the organization's environment. */
async function lockedUsers(prefix: string, n: number) {
  const made = [];
  for (let i = 0; i < n; i++)
    made.push(await insertUser(db, { email: `${prefix}${String(i).padStart(2, '0')}@example.test`, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(Date.now() - 60_000), environmentId }));
  return made;
}
const statuses = async (prefix: string) => (await db.select({ status: users.status }).from(users).where(like(users.email, `${prefix}%`))).map((u) => u.status);
const events = async (action: string, ids: string[]) =>
  (await db.select({ n: sql<number>`count(*)::int` }).from(auditEvents).where(and(eq(auditEvents.action, action), inArray(auditEvents.targetId, ids))))[0]!.n;
const jobRow = async (id: string) => (await db.select().from(bulkJobs).where(eq(bulkJobs.id, id)))[0]!;
/** Queues the operation on every user whose email starts with `prefix`, as a list read a moment ago showed them. */
const start = (prefix: string, op: Parameters<typeof startBulkJob>[5], principal = admin()) =>
  startBulkJob(db, principal, environmentId, { q: prefix }, new Date(Date.now() + 1000), op, { ip: '203.0.113.9', userAgent: 'test' });
/** Claims the next job (it must be this one) and runs it. */
async function run(id: string, hooks: Parameters<typeof runBulkJob>[2] = {}) {
  const claim = await claimBulkJob(db);
  expect(claim?.id).toBe(id);
  return runBulkJob(db, claim!, { batchSize: 5, concurrency, ...hooks });
}

beforeAll(async () => {
  db = await testDb();
  ({ environmentId, adminId } = await setUpOrganization(db));
});

describe('bulk actions on all matching users, as background jobs', () => {
  it('runs in batches, each batch committing its progress with its users, and ends with the outcome in words', async () => {
    const made = await lockedUsers('jobunlock', 12);
    const job = (await start('jobunlock', { kind: 'unlock' }))!;
    expect(job).toMatchObject({ status: 'queued', total: 12, done: 0 });
    expect(await activeBulkJob(db, admin())).toMatchObject({ id: job.id, kind: 'unlock', total: 12 });
    const seen: number[] = [];
    expect(await run(job.id, { insideBatch: async (tx) => void seen.push((await tx.select({ done: bulkJobs.done }).from(bulkJobs).where(eq(bulkJobs.id, job.id)))[0]!.done) })).toBe('done');
    expect(seen.length).toBe(3);
    expect(await statuses('jobunlock')).toEqual(Array(12).fill('active'));
    expect(await events('user.unlocked', made.map((u) => u.id))).toBe(12);
    const ended = await jobRow(job.id);
    expect(ended).toMatchObject({ status: 'done', done: 12, skipped: 0, message: '12 users unlocked.' });
    expect(ended.batches).toHaveLength(3);
    // Each user's audit event carries the request the job was asked for in.
    expect((await db.select({ ip: auditEvents.ip }).from(auditEvents).where(eq(auditEvents.targetId, made[0]!.id)))[0]!.ip).toBe('203.0.113.9');
    expect(await activeBulkJob(db, admin())).toBeNull();
  });

  it('refuses at once what the run would refuse, and queues nothing', async () => {
    await lockedUsers('jobrefuse', 2);
    const reader: Principal = { ...admin(), permissions: ['users.read'] };
    await expect(start('jobrefuse', { kind: 'unlock' }, reader)).rejects.toThrow(/permission/);
    const key: Principal = { ...admin(), actor: { type: 'api_user', id: adminId, label: 'key' } };
    await expect(start('jobrefuse', { kind: 'unlock' }, key)).rejects.toThrow(/Only a person/);
    await expect(start('jobrefuse', { kind: 'role', roleId: '00000000-0000-4000-8000-000000000000' })).rejects.toThrow(/Choose a role/);
    expect(await start('nobody-matches-this', { kind: 'unlock' })).toBeNull();
    expect(await db.select().from(bulkJobs).where(eq(bulkJobs.status, 'queued'))).toEqual([]);
    expect(await statuses('jobrefuse')).toEqual(['locked', 'locked']);
  });

  it('one job at a time per person: of two started together, one is queued and the other refused', async () => {
    await lockedUsers('jobtwice', 3);
    const both = await Promise.allSettled([start('jobtwice', { kind: 'unlock' }), start('jobtwice', { kind: 'reset' })]);
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(both.find((r) => r.status === 'rejected')).toMatchObject({ reason: { message: BUSY } });
    const job = (both.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ id: string }>).value;
    expect(await run(job.id)).toBe('done');
    // Once it has ended, the next one may start.
    expect(await start('jobtwice', { kind: 'reset' })).not.toBeNull();
    await cancelBulkJob(db, admin(), (await activeBulkJob(db, admin()))!.id);
  });

  it('Cancel stops it between whole batches: the users of batches done stay done, the rest untouched', async () => {
    const made = await lockedUsers('jobcancel', 15);
    const job = (await start('jobcancel', { kind: 'unlock' }))!;
    // Cancel pressed while the first batch is being written (its users are still all changed).
    const outcome = await run(job.id, { concurrency: 1, insideBatch: async (tx, index) => void (index === 0 && (await tx.update(bulkJobs).set({ cancelRequested: true }).where(eq(bulkJobs.id, job.id)))) });
    expect(outcome).toBe('cancelled');
    expect((await statuses('jobcancel')).filter((s) => s === 'active')).toHaveLength(5);
    expect(await events('user.unlocked', made.map((u) => u.id))).toBe(5);
    expect(await jobRow(job.id)).toMatchObject({ status: 'cancelled', done: 5, message: '5 users unlocked. Cancelled: the rest were left as they were.' });
  });

  it('a job not started yet is cancelled at once; nobody else can see or cancel it', async () => {
    await lockedUsers('jobqueued', 2);
    const job = (await start('jobqueued', { kind: 'unlock' }))!;
    const stranger = await insertUser(db, { email: 'job-stranger@example.test', role: 'Account Manager', environmentId });
    const other = (await principalNow(db, { type: 'user', id: stranger.id, label: stranger.email }, 'users.unlock'))!;
    expect(await getBulkJob(db, other, job.id)).toBeNull();
    expect(await activeBulkJob(db, other)).toBeNull();
    await expect(cancelBulkJob(db, other, job.id)).rejects.toThrow(/No such bulk action/);
    await cancelBulkJob(db, admin(), job.id);
    expect(await jobRow(job.id)).toMatchObject({ status: 'cancelled', message: 'Cancelled before it started: nobody was changed.' });
    expect(await claimBulkJob(db)).toBeNull();
    expect(await statuses('jobqueued')).toEqual(['locked', 'locked']);
    await expect(cancelBulkJob(db, admin(), job.id)).rejects.toThrow(/No such bulk action/);
  });

  it('a job whose runner died resumes after its last committed batch: each user reset once', async () => {
    const made = await lockedUsers('jobresume', 14);
    const job = (await start('jobresume', { kind: 'reset' }))!;
    // The runner dies while writing its second batch (nothing of that batch is kept) ...
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    const died = await run(job.id, { concurrency: 1, insideBatch: async (_tx, index) => { if (index === 1) throw new Error('killed'); } });
    expect(died).toBe('failed');
    quiet.mockRestore();
    // ... before it could say so: the row still reads running, with a heartbeat from long ago.
    await db.update(bulkJobs).set({ status: 'running', message: null, finishedAt: null, heartbeatAt: new Date(Date.now() - 3_600_000) }).where(eq(bulkJobs.id, job.id));
    expect(await jobRow(job.id)).toMatchObject({ done: 5 });
    expect(await run(job.id)).toBe('done');
    expect(await events('user.reset', made.map((u) => u.id))).toBe(14);
    expect(await jobRow(job.id)).toMatchObject({ status: 'done', done: 14, message: '14 users reset and emailed a link.' });
  });

  it('a runner whose claim was taken over stops with its batch undone; the new runner does every user once', async () => {
    const made = await lockedUsers('jobtaken', 6);
    const job = (await start('jobtaken', { kind: 'reset' }))!;
    const first = (await claimBulkJob(db))!;
    // It stalls past the heartbeat; another process claims the job.
    await db.update(bulkJobs).set({ heartbeatAt: new Date(Date.now() - 3_600_000) }).where(eq(bulkJobs.id, job.id));
    const second = (await claimBulkJob(db))!;
    expect(second.id).toBe(job.id);
    expect(await runBulkJob(db, first, { batchSize: 5, concurrency: 1 })).toBe('failed');
    expect(await events('user.reset', made.map((u) => u.id))).toBe(0);
    expect(await runBulkJob(db, second, { batchSize: 5, concurrency: 1 })).toBe('done');
    expect(await events('user.reset', made.map((u) => u.id))).toBe(6);
  });

  it('stops when its creator loses the right mid-run, saying how far it got', async () => {
    await lockedUsers('jobrights', 12);
    const am = await insertUser(db, { email: 'job-am@example.test', role: 'Account Manager', environmentId });
    const principal = (await principalNow(db, { type: 'user', id: am.id, label: am.email }, 'users.unlock'))!;
    const job = (await start('jobrights', { kind: 'unlock' }, principal))!;
    // Banned while the second batch is written: that batch reads the creator's rights again as it ends, and rolls back.
    const outcome = await run(job.id, { concurrency: 1, insideBatch: async (tx, index) => void (index === 1 && (await tx.update(users).set({ status: 'banned' }).where(eq(users.id, am.id)))) });
    expect(outcome).toBe('failed');
    expect(await jobRow(job.id)).toMatchObject({ status: 'failed', done: 5, message: '5 users unlocked. Stopped there: you no longer have permission to do that.' });
    expect((await statuses('jobrights')).filter((s) => s === 'locked')).toHaveLength(7);
  });

  it('stops when its creator is reset mid-run: the reset ends their sessions, and the work they left running', async () => {
    await lockedUsers('jobreset', 12);
    const am = await insertUser(db, { email: 'job-reset-am@example.test', role: 'Account Manager', environmentId });
    const principal = (await principalNow(db, { type: 'user', id: am.id, label: am.email }, 'users.unlock'))!;
    const job = (await start('jobreset', { kind: 'unlock' }, principal))!;
    const outcome = await run(job.id, { concurrency: 1, insideBatch: async (tx, index) => void (index === 0 && (await tx.update(users).set({ passwordHash: null }).where(eq(users.id, am.id)))) });
    expect(outcome).toBe('failed');
    // Reset while the first batch is written: not one of its users is unlocked.
    expect(await jobRow(job.id)).toMatchObject({ status: 'failed', done: 0, message: 'No user was unlocked. Stopped there: you no longer have permission to do that.' });
    expect((await statuses('jobreset')).filter((s) => s === 'locked')).toHaveLength(12);
  });

  // An environment taken from the creator by another instance while a batch is written: the batch,
  // made with the rights it began with, rolls back and runs again with those they have now. The
  // embedded database has one connection: nothing commits beside a batch there.
  it.skipIf(process.env.VITEST_DB !== 'postgres')('runs a batch again when its creator reaches less by the time it would commit: users of an environment taken from them meanwhile are left alone', async () => {
    await lockedUsers('jobnarrow', 7);
    const am = await insertUser(db, { email: 'job-narrow-am@example.test', role: 'Account Manager', environmentId });
    const principal = (await principalNow(db, { type: 'user', id: am.id, label: am.email }, 'users.unlock'))!;
    const job = (await start('jobnarrow', { kind: 'unlock' }, principal))!;
    const outcome = await run(job.id, {
      concurrency: 1,
      // Committed on a connection of its own while the first batch's transaction is still open.
      insideBatch: async (_tx, index) => void (index === 0 && (await db.delete(userEnvironments).where(and(eq(userEnvironments.userId, am.id), eq(userEnvironments.environmentId, environmentId))))),
    });
    expect(outcome).toBe('done');
    expect(await jobRow(job.id)).toMatchObject({ status: 'done', done: 0, skipped: 7 });
    expect((await statuses('jobnarrow')).filter((s) => s === 'locked')).toHaveLength(7);
  });

  it('takes a list said to be read in the future (a forged time) as read now: whoever matches later is left out', async () => {
    const made = await lockedUsers('jobfuture', 3);
    const job = (await startBulkJob(db, admin(), environmentId, { q: 'jobfuture' }, new Date('2999-01-01T00:00:00Z'), { kind: 'unlock' }))!;
    expect(job.readAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    const later = await insertUser(db, { email: 'jobfuture99@example.test', status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(Date.now() + 2_000), createdAt: new Date(Date.now() + 2_000), environmentId });
    expect(await run(job.id)).toBe('done');
    expect(await statuses('jobfuture0')).toEqual(['active', 'active', 'active']);
    expect((await db.select({ status: users.status }).from(users).where(eq(users.id, later.id)))[0]!.status).toBe('locked');
    expect(await events('user.unlocked', made.map((u) => u.id))).toBe(3);
  });

  it('a resumed walk skips the committed batches as a few ranges: those that meet are joined', () => {
    const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    expect(joined([[id(20), id(30)], [null, id(10)], [id(10), id(20)], [id(40), id(50)]])).toEqual([[null, id(30)], [id(40), id(50)]]);
    expect(joined([])).toEqual([]);
  });

  it('an environment a job emptied can still be deleted: its jobs go with it', async () => {
    const [emptied] = await db.insert(environments).values({ name: 'Emptied by a job' }).returning();
    const user = await insertUser(db, { email: 'job-emptied@example.test', environmentId });
    await db.insert(userEnvironments).values({ userId: user.id, environmentId: emptied!.id });
    const job = (await startBulkJob(db, admin(), emptied!.id, { q: 'job-emptied' }, new Date(Date.now() + 1000), { kind: 'removeEnvironment', environmentId: emptied!.id }))!;
    expect(await run(job.id)).toBe('done');
    expect(await jobRow(job.id)).toMatchObject({ done: 1, message: '1 user removed from the environment.' });
    await db.transaction((tx) => deleteEnvironment(tx, admin(), emptied!.id));
    expect(await db.select().from(bulkJobs).where(eq(bulkJobs.id, job.id))).toEqual([]);
  });
});
