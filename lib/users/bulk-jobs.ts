// "All N matching" bulk actions run in the background: a bulk_jobs row that any server process may
// claim (SKIP LOCKED) and run through runBulk, batch by batch, each batch's progress written in the
// batch's own transaction. The list shows a bar read from the row (it survives a reload, and another
// tab); its creator can cancel it between batches; a job whose runner died (no heartbeat) is claimed
// again and resumes after its last committed batch, so no user is acted on twice.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db, Queryable, Tx } from '@/db/client';
import { bulkJobs, type BulkJob } from '@/db/schema';
import type { RequestMeta } from '@/lib/audit';
import { requirePermissionOf, type Principal } from '@/lib/auth/principal';
import { principalNow } from '@/lib/auth/rights';
import { onUniqueViolation, rows } from '@/lib/db-rows';
import { BULK_JOB_EXACT_UP_TO } from '@/components/users/bulk-wording';
import { AppError } from '@/lib/errors';
import { jobRunner } from '@/lib/jobs/runner';
import { applies, asShown, assertChoice, bulkOperationSchema, describeBulkResult, PERMISSION, RIGHTS_LOST, runBulk, type BatchRange, type BulkOperation, type BulkResult } from './bulk';
import { countUsers, listFilter, listParamsSchema, listReadAt, type FilterParams } from './list';

/** A running job whose heartbeat (written with each batch) is older than this is taken to be orphaned. */
export const STALE_SECONDS = 60;

/**
 * Users per batch: the bar moves every few hundred users (a batch's cost is its users', not its own).
 * The embedded database answers nothing else while a batch runs (one connection, on this thread), so
 * its batches are small enough to keep pages answering within a fraction of a second.
 */
export const jobBatchSize = () => (process.env.DATABASE_URL ? 250 : 50);


export const BUSY = 'One of your bulk actions is still running. Wait for it to finish, or cancel it, then try again.';
const GONE = 'No such bulk action of yours is running.';

/** The job's progress as its bar reads it. */
export type BulkJobProgress = Pick<BulkJob, 'id' | 'status' | 'total' | 'done' | 'skipped' | 'cancelRequested' | 'message'> & {
  kind: BulkOperation['kind'];
  /** The environment users are added to or removed from (and, for Change role, the list's). */
  environmentName: string | null;
  startedAt: string | null;
  /** The database's clock when read: the time left is reckoned from it, not from the browser's. */
  now: string;
};

/**
 * Queues the operation on every user matching `filter` in the environment as the list read at `readAt`
 * showed them. Checked now as runBulk would (the permission, the role or environment chosen), so a
 * refusal is said at once; each user's own rules are checked when the job reaches them. Null when
 * nobody matches any more. One job at a time per person.
 */
export async function startBulkJob(
  db: Db,
  principal: Principal,
  environmentId: string,
  filter: FilterParams,
  readAt: Date,
  op: BulkOperation,
  meta?: RequestMeta,
): Promise<BulkJob | null> {
  if (principal.actor.type !== 'user') throw new AppError('forbidden', 'Only a person can act on all matching users.');
  requirePermissionOf(principal, PERMISSION[op.kind]);
  await assertChoice(db, principal, op);
  // No later than now: a list is never read in the future (a forged time would take in whoever matches later).
  const now = new Date(await listReadAt(db));
  const shownAt = readAt <= now ? readAt : now;
  const matching = and(listFilter(principal, environmentId, filter, shownAt), applies(op), asShown(op, shownAt, filter))!;
  const { count } = await countUsers(db, matching, BULK_JOB_EXACT_UP_TO);
  if (count === 0) return null;
  const actor = principal.actor;
  return onUniqueViolation(
    'bulk_jobs_one_active_idx',
    () => new AppError('conflict', BUSY),
    async () =>
      (
        await db
          .insert(bulkJobs)
          .values({
            createdBy: actor.id,
            createdByLabel: actor.label,
            environmentId,
            operation: op,
            filter: { q: filter.q, status: filter.status, role: filter.role, env: filter.env, tag: filter.tag, idle: filter.idle },
            readAt: shownAt,
            total: count,
            ip: meta?.ip ?? null,
            userAgent: meta?.userAgent ?? null,
          })
          .returning()
      )[0]!,
  );
}

const progressColumns = sql`id, status, total, done, skipped, cancel_requested as "cancelRequested", message, operation->>'kind' as kind,
  (select name from environments where id = (operation->>'environmentId')::uuid) as "environmentName",
  to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "startedAt",
  to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as now`;

/** A job of the principal's own, by id: nobody else's exists for them. */
export async function getBulkJob(q: Queryable, principal: Principal, id: string): Promise<BulkJobProgress | null> {
  if (principal.actor.type !== 'user') return null;
  const [job] = await rows<BulkJobProgress>(q, sql`select ${progressColumns} from bulk_jobs where id = ${id}::uuid and created_by = ${principal.actor.id}::uuid`);
  return job ?? null;
}

/** The job as it is once it has ended, or after `ms` if it has not (read every 100 ms). */
export async function waitForBulkJob(q: Queryable, principal: Principal, id: string, ms: number): Promise<BulkJobProgress | null> {
  for (const until = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 100))) {
    const job = await getBulkJob(q, principal, id);
    if (!job || !isRunning(job) || Date.now() >= until) return job;
  }
}

export const isRunning = (job: Pick<BulkJobProgress, 'status'>) => job.status === 'queued' || job.status === 'running';

/** The principal's job still queued or running, if any (the list shows its bar). */
export async function activeBulkJob(q: Queryable, principal: Principal): Promise<BulkJobProgress | null> {
  if (principal.actor.type !== 'user') return null;
  const [job] = await rows<BulkJobProgress>(
    q,
    sql`select ${progressColumns} from bulk_jobs where created_by = ${principal.actor.id}::uuid and status in ('queued', 'running') limit 1`,
  );
  return job ?? null;
}

/**
 * Asks the principal's own job to stop after the batches in flight (each is whole: its users are all
 * changed or none); a job not started yet ends at once.
 */
export async function cancelBulkJob(db: Db, principal: Principal, id: string): Promise<void> {
  if (principal.actor.type !== 'user') throw new AppError('not_found', GONE);
  const [job] = await db
    .update(bulkJobs)
    .set({
      cancelRequested: true,
      status: sql`case when ${bulkJobs.status} = 'queued' then 'cancelled'::bulk_job_status else ${bulkJobs.status} end`,
      message: sql`case when ${bulkJobs.status} = 'queued' then 'Cancelled before it started: nobody was changed.' else ${bulkJobs.message} end`,
      finishedAt: sql`case when ${bulkJobs.status} = 'queued' then now() else ${bulkJobs.finishedAt} end`,
    })
    .where(and(eq(bulkJobs.id, id), eq(bulkJobs.createdBy, principal.actor.id), inArray(bulkJobs.status, ['queued', 'running'])))
    .returning({ id: bulkJobs.id });
  if (!job) throw new AppError('not_found', GONE);
}

/** Claims the oldest runnable job (queued, or running with a stale heartbeat): its id and the claim's own run id. */
export async function claimBulkJob(db: Db, staleSeconds = STALE_SECONDS): Promise<{ id: string; runId: string } | null> {
  const [job] = await rows<{ id: string; runId: string }>(
    db,
    sql`update bulk_jobs set status = 'running', run_id = gen_random_uuid(), heartbeat_at = now(), started_at = coalesce(started_at, now())
        where id = (
          select id from bulk_jobs
          where status = 'queued' or (status = 'running' and heartbeat_at < now() - make_interval(secs => ${staleSeconds}))
          order by created_at limit 1 for update skip locked)
        returning id, run_id as "runId"`,
  );
  return job ?? null;
}

/** The claim was taken over by another runner: this one stops, its batch in flight undone. */
class Superseded extends Error {}

export type BulkJobHooks = { batchSize?: number; concurrency?: number; insideBatch?: (tx: Tx, index: number) => Promise<void> };

/**
 * Runs a claimed job to its end with its creator's rights, re-read at each batch (runBulk): a creator
 * banned, locked or stripped of the permission since stops it there. Ends done, cancelled or failed,
 * with the outcome in words.
 */
export async function runBulkJob(db: Db, claim: { id: string; runId: string }, hooks: BulkJobHooks = {}): Promise<'done' | 'cancelled' | 'failed'> {
  const [job] = await db.select().from(bulkJobs).where(and(eq(bulkJobs.id, claim.id), eq(bulkJobs.runId, claim.runId), eq(bulkJobs.status, 'running')));
  if (!job) return 'failed';
  const op = bulkOperationSchema.parse(job.operation);
  const finish = async (status: 'done' | 'cancelled' | 'failed', ending = '') => {
    const [now] = await db.select({ done: bulkJobs.done, skipped: bulkJobs.skipped, problems: bulkJobs.problems }).from(bulkJobs).where(eq(bulkJobs.id, job.id));
    await db
      .update(bulkJobs)
      .set({ status, message: `${describeBulkResult(op, now as BulkResult, status !== 'done')}${ending}`, finishedAt: new Date(), heartbeatAt: new Date() })
      .where(and(eq(bulkJobs.id, job.id), eq(bulkJobs.runId, claim.runId), eq(bulkJobs.status, 'running')));
    return status;
  };
  let batches = 0;
  let cancelled = false;
  try {
    const actor = { type: 'user' as const, id: job.createdBy, label: job.createdByLabel };
    const principal = await principalNow(db, actor, PERMISSION[op.kind]);
    if (!principal) return await finish('failed', ` ${RIGHTS_LOST}`);
    await runBulk(
      db,
      principal,
      { environmentId: job.environmentId, filter: listParamsSchema.parse(job.filter), readAt: job.readAt },
      op,
      { ip: job.ip, userAgent: job.userAgent },
      hooks.batchSize ?? jobBatchSize(),
      hooks.concurrency,
      {
        done: job.batches,
        stop: async () => {
          const [row] = await db.select({ cancel: bulkJobs.cancelRequested, runId: bulkJobs.runId }).from(bulkJobs).where(eq(bulkJobs.id, job.id));
          if (row?.runId !== claim.runId) throw new Superseded();
          cancelled ||= row.cancel;
          return cancelled;
        },
        committed: async (tx: Tx, range: BatchRange, batch: BulkResult) => {
          await hooks.insideBatch?.(tx, batches++);
          const [mine] = await rows<{ id: string }>(
            tx,
            sql`update bulk_jobs set done = done + ${batch.done}, skipped = skipped + ${batch.skipped}, heartbeat_at = now(),
                  batches = batches || ${JSON.stringify([range])}::jsonb,
                  problems = (select coalesce(jsonb_agg(p order by n), '[]') from (
                    select p, n from jsonb_array_elements(problems || ${JSON.stringify(batch.problems)}::jsonb) with ordinality as t(p, n) order by n limit 20) first)
                where id = ${job.id}::uuid and run_id = ${claim.runId}::uuid
                returning id`,
          );
          // Rolled back with the batch: the runner that took the job over does these users.
          if (!mine) throw new Superseded();
        },
      },
    );
  } catch (error) {
    if (error instanceof Superseded) return 'failed';
    // Rights lost at a batch: said after the job's own totals (the error's count is this run's alone).
    if (error instanceof AppError) return finish('failed', ` ${error.code === 'forbidden' ? RIGHTS_LOST : error.message}`);
    console.error('Bulk action failed:', error);
    return finish('failed', ' An unexpected error stopped it; the users not reached were left as they were.');
  }
  return cancelled ? finish('cancelled', ' Cancelled: the rest were left as they were.') : finish('done');
}

const runner = jobRunner('Bulk action', (db) => claimBulkJob(db), (db, claim) => runBulkJob(db, claim));
/** Claims and runs bulk jobs until none is left (one runner per process at a time). */
export const drainBulkJobs = runner.drain;
/** Polls for queued and orphaned bulk jobs (started by the server process). */
export const startBulkWorker = runner.start;
