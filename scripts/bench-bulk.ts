// `npm run bench:bulk`: a bulk action over 100,000 matching users, on PostgreSQL (DATABASE_URL names the
// server; the benchmark works in a database of its own, dropped at the end unless --keep).
// Seeds the users, then times Ban ("all matching the filters") through lib/users/bulk.ts: batches of
// 1,000 users per transaction, each user through the single Ban's rules with its own audit event.
// Prints users per second, the time per batch, and checks every matching user was banned and audited.
// --job runs it as the portal runs "all N matching": a background job (lib/users/bulk-jobs.ts).
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { closeClient, getClient } from '@/db/client';
import { bulkJobs } from '@/db/schema';
import { runMigrations } from '@/db/migrate';
import { seedContext, seedPostgres } from '@/db/seed';
import { rows } from '@/lib/db-rows';
import type { Principal } from '@/lib/auth/principal';
import { PERMISSIONS } from '@/lib/auth/permissions';
import { setupOrganization } from '@/lib/org/setup';
import { countUsers, listFilter } from '@/lib/users/list';
import { BULK_BATCH_SIZE, runBulk, type BulkResult } from '@/lib/users/bulk';
import { claimBulkJob, jobBatchSize, runBulkJob, startBulkJob } from '@/lib/users/bulk-jobs';
import { benchDatabase } from './bench-lib';

const { values } = parseArgs({ options: { users: { type: 'string', default: '100000' }, keep: { type: 'boolean', default: false }, job: { type: 'boolean', default: false } } });
const N = Number(values.users);
const database = await benchDatabase('bulk', { keep: values.keep });

try {
  await runMigrations();
  const { db } = getClient();
  const password = randomBytes(18).toString('base64url') + 'Aa1';
  const { userId: adminId } = await db.transaction((tx) =>
    setupOrganization(tx, { organizationName: 'Benchmark', firstName: 'Bench', lastName: 'Admin', email: 'admin@bench.test', password }, { ip: null, userAgent: null }),
  );
  const ctx = await seedContext(db);
  const loader = postgres(database.url, { max: 8, onnotice: () => {} });
  // Enough users that about N of them (not banned yet) are in the first environment.
  const seedStart = performance.now();
  await seedPostgres(loader, ctx, Math.ceil(N * 1.45));
  await loader.end();
  console.log(`seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  const principal: Principal = { actor: { type: 'user', id: adminId, label: 'admin@bench.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  const environmentId = ctx.environmentIds[0]!;
  const filter = { q: undefined, status: 'active' as const, role: undefined };
  const matching = (await countUsers(db, listFilter(principal, environmentId, filter), 10_000_000)).count;
  console.log(`matching users (active, in ${environmentId}): ${matching.toLocaleString('en')}`);

  const before = Number((await rows<{ n: string }>(db, sql`select count(*) as n from audit_events where action = 'user.banned'`))[0]!.n);
  const start = performance.now();
  const op = { kind: 'ban' as const, reason: 'Benchmark' };
  let result: BulkResult;
  if (values.job) {
    // As "all N matching" runs from the portal: a job row, claimed and run in batches of its own size.
    const job = (await startBulkJob(db, principal, environmentId, filter, new Date(), op))!;
    const claim = (await claimBulkJob(db))!;
    await runBulkJob(db, claim);
    const [row] = await db.select().from(bulkJobs).where(eq(bulkJobs.id, job.id));
    result = { done: row!.done, skipped: row!.skipped, problems: row!.problems };
  } else result = await runBulk(db, principal, { environmentId, filter }, op);
  const seconds = (performance.now() - start) / 1000;
  const audited = Number((await rows<{ n: string }>(db, sql`select count(*) as n from audit_events where action = 'user.banned'`))[0]!.n) - before;
  const size = values.job ? jobBatchSize() : BULK_BATCH_SIZE;
  const batches = Math.ceil(matching / size);
  console.log(`bulk Ban of ${matching.toLocaleString('en')} matching users${values.job ? ' (as a background job)' : ''}: ${seconds.toFixed(1)} s (${Math.round(result.done / seconds).toLocaleString('en')} users/s, ${((seconds * 1000) / batches).toFixed(0)} ms per batch of ${size})`);
  console.log(`done ${result.done.toLocaleString('en')}, skipped ${result.skipped} (${result.problems.map((p) => p.message).slice(0, 2).join(' / ') || 'none'}), audit events ${audited.toLocaleString('en')}`);
  if (audited !== result.done) throw new Error('Audit events and banned users differ.');
} finally {
  await closeClient();
  await database.drop();
}
