// Imports as the portal sees them: create one from an uploaded file (validated, nothing written to
// users), start it, cancel it, read it, list them. Everyone here needs users.write; an import is
// visible to whoever ran it and to organization-wide principals (Administrators).
import { and, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db, Queryable, Tx } from '@/db/client';
import { environments, importJobs, importRows, roles } from '@/db/schema';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { canGrant, canSeeEnvironment, requirePermissionOf, type Principal } from '@/lib/auth/principal';
import { rows } from '@/lib/db-rows';
import { UUID } from '@/lib/search-params';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors';
import { cursorTime, olderThan, parseCursor } from '@/lib/time-cursor';
import { kindOf, readRows } from './read';
import { validateImport, visibleText, type ValidationContext } from './validate';

export const importLimits = () => ({
  maxBytes: Math.floor(env.IMPORT_MAX_MB * 1048576),
  maxRows: env.IMPORT_MAX_ROWS,
  maxUnpackedBytes: Math.floor(env.IMPORT_MAX_UNPACKED_MB * 1048576),
});

export { GRID_SOURCE } from './grid-rows';

/** The built-in role a new user gets when the Role cell is empty. */
const USER_ROLE = 'User';

export type ImportOptions = { existing: 'skip' | 'update'; environmentId: string | null };

function visibleJobs(principal: Principal): SQL | undefined {
  if (principal.allEnvironments) return undefined;
  return eq(importJobs.createdBy, principal.actor.type === 'user' ? principal.actor.id : '00000000-0000-0000-0000-000000000000');
}

export async function validationContext(q: Queryable, principal: Principal, options: ImportOptions): Promise<ValidationContext> {
  const [roleRows, environmentRows] = await Promise.all([
    q.select({ id: roles.id, name: roles.name, builtIn: roles.builtIn, permissions: roles.permissions, requiredFields: roles.requiredFields, allEnvironments: roles.allEnvironments }).from(roles),
    q.select({ id: environments.id, name: environments.name, archived: sql<boolean>`${environments.archivedAt} is not null` }).from(environments),
  ]);
  // Archived environments stay known by name (a row naming one is told so), but take no one, as in Add.
  const usable = (id: string) => environmentRows.some((e) => e.id === id && !e.archived) && canSeeEnvironment(principal, id);
  const defaultEnvironmentId = options.environmentId && usable(options.environmentId) ? options.environmentId : null;
  // As on the Add form (and the grid's "User (default)"): an empty Role cell makes a new user a User.
  const userRole = roleRows.find((r) => r.builtIn && r.name === USER_ROLE);
  const defaultRoleId = userRole && canGrant(principal, userRole) ? userRole.id : null;
  return { principal, roles: roleRows, environments: environmentRows, defaultEnvironmentId, defaultRoleId, existing: options.existing };
}

/**
 * What the template lists: the roles the importer may grant and the environments a row may name (those
 * they manage, never archived ones: the check refuses those), by name.
 */
export function templateChoices(ctx: ValidationContext) {
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  return {
    roles: ctx.roles.filter((r) => canGrant(ctx.principal, r)).sort(byName),
    environments: ctx.environments.filter((e) => !e.archived && canSeeEnvironment(ctx.principal, e.id)).sort(byName),
  };
}

/** The advisory-lock class of import checks, keyed by the importer's id. */
const CHECK_LOCK = 7311020;

/**
 * Takes the importer's one check slot for this transaction, or refuses: a check holds a database
 * connection for as long as its file takes, so a burst of uploads by one person (on any number of app
 * instances) would take every connection and stall the portal for everyone.
 */
export async function takeCheckSlot(tx: Queryable, userId: string) {
  const [slot] = await rows<{ ok: boolean }>(tx, sql`select pg_try_advisory_xact_lock(${CHECK_LOCK}, hashtext(${userId})) as ok`);
  if (!slot?.ok) throw new AppError('rate_limited', 'A file you uploaded is still being checked. Wait until its check is shown, then upload the next one.');
}

/** Uploads being received or checked by this process now (see withCheckCapacity). */
let checking = 0;

/**
 * Runs an upload and its check when this server instance has room for one more, else refuses at once
 * (429), before reading the body: a check holds one of the instance's database connections for as long
 * as its file takes, and its upload a temporary file, so uploads by many people at once (the per-person
 * slot above stops only bursts by one) must still leave the rest of the portal its connections.
 */
export async function withCheckCapacity<T>(run: () => Promise<T>): Promise<T> {
  if (checking >= env.IMPORT_MAX_CHECKS) throw new AppError('rate_limited', 'The portal is checking as many files as it can at once. Upload your file again in a minute.');
  checking++;
  try {
    return await run();
  } finally {
    checking--;
  }
}

/**
 * Reads and validates the file at `path` (named `fileName` by the uploader) into a new import, in one
 * transaction: a file refused for any reason leaves nothing behind.
 */
export async function createImport(db: Db, principal: Principal, file: { path: string; fileName: string; source?: string }, options: ImportOptions, meta?: RequestMeta) {
  requirePermissionOf(principal, 'users.write');
  if (principal.actor.type !== 'user') throw new AppError('forbidden', 'Only people can import users.');
  const actor = principal.actor;
  const kind = kindOf(file.fileName);
  const limits = importLimits();
  return db.transaction(async (tx) => {
    await takeCheckSlot(tx, actor.id);
    const ctx = await validationContext(tx, principal, options);
    const [job] = await tx
      .insert(importJobs)
      .values({
        createdBy: actor.id,
        createdByLabel: actor.label,
        // The name as the uploader's browser sent it: shown in lists and the audit log, so nothing hidden or reordering.
        source: file.source ?? visibleText(file.fileName).slice(0, 200),
        existing: options.existing,
        environmentId: ctx.defaultEnvironmentId,
        ip: meta?.ip ?? null,
        userAgent: meta?.userAgent?.slice(0, 500) ?? null,
      })
      .returning({ id: importJobs.id });
    const counts = await validateImport(tx, job!.id, readRows(file.path, kind, limits), ctx);
    await tx.update(importJobs).set(counts).where(eq(importJobs.id, job!.id));
    return { id: job!.id, ...counts };
  });
}

export async function getImport(q: Queryable, principal: Principal, id: string) {
  requirePermissionOf(principal, 'users.write');
  if (!UUID.test(id)) throw new AppError('not_found', 'No such import.');
  const [job] = await q.select().from(importJobs).where(and(eq(importJobs.id, id), visibleJobs(principal)));
  if (!job) throw new AppError('not_found', 'No such import.');
  return job;
}

export const IMPORTS_PAGE_SIZE = 20;

/**
 * Past imports the principal may see, newest first, a page at a time: `before` is the cursor of the
 * previous page's last import (see lib/time-cursor), and `next` the cursor of the page after this one.
 */
export async function listImports(q: Queryable, principal: Principal, before?: string, limit = IMPORTS_PAGE_SIZE) {
  requirePermissionOf(principal, 'users.write');
  const cursor = before ? parseCursor(before) : null;
  const found = await q
    .select({ job: importJobs, at: cursorTime(importJobs.createdAt) })
    .from(importJobs)
    .where(and(visibleJobs(principal), cursor ? olderThan(importJobs.createdAt, importJobs.id, cursor) : undefined))
    .orderBy(desc(importJobs.createdAt), desc(importJobs.id))
    .limit(limit + 1);
  const page = found.slice(0, limit);
  const last = page.at(-1);
  return { imports: page.map((r) => r.job), next: found.length > limit && last ? `${last.at}_${last.job.id}` : null };
}

/** The rows with errors (first `limit`), for the preview. */
export async function errorRows(q: Queryable, jobId: string, limit = 200) {
  return q
    .select({ rowNo: importRows.rowNo, errors: importRows.errors, cells: importRows.cells })
    .from(importRows)
    .where(and(eq(importRows.jobId, jobId), eq(importRows.kind, 'error')))
    .orderBy(importRows.rowNo)
    .limit(limit);
}

/**
 * The rows counted as skipped (first `limit`), with their email and why: existing users when the
 * importer chose to skip them, and rows the run skipped or found already up to date.
 */
export async function skippedRows(q: Queryable, jobId: string, limit = 200) {
  return q
    .select({ rowNo: importRows.rowNo, email: sql<string | null>`${importRows.data}->>'email'`, message: importRows.message })
    .from(importRows)
    .where(and(eq(importRows.jobId, jobId), or(eq(importRows.kind, 'skip'), inArray(importRows.outcome, ['skipped', 'unchanged']))))
    .orderBy(importRows.rowNo)
    .limit(limit);
}

/** Every row of a small import, to edit it again in the grid. */
export async function gridRows(q: Queryable, jobId: string, limit: number) {
  return q
    .select({ rowNo: importRows.rowNo, cells: importRows.cells, errors: importRows.errors })
    .from(importRows)
    .where(eq(importRows.jobId, jobId))
    .orderBy(importRows.rowNo)
    .limit(limit);
}

export type StartOptions = { allOrNothing: boolean; sendInvitations: boolean };

/** Queues a validated import for the background runner. */
export async function startImport(tx: Tx, principal: Principal, id: string, options: StartOptions) {
  const job = await getImport(tx, principal, id);
  if (principal.actor.type !== 'user' || job.createdBy !== principal.actor.id)
    throw new AppError('forbidden', 'Only the person who uploaded this file can start its import.');
  if (job.status !== 'validated') throw new AppError('conflict', 'This import has already been started.');
  if (options.allOrNothing && job.errorCount > 0)
    throw new AppError('invalid', `${job.errorCount} ${job.errorCount === 1 ? 'row has' : 'rows have'} errors, so "all or nothing" would import nothing. Fix them, or choose to import the valid rows.`);
  if (job.newCount + job.updateCount === 0) throw new AppError('invalid', 'There is nothing to import: every row has an error or is skipped.');
  const [queued] = await rows<{ id: string }>(
    tx,
    sql`update import_jobs set status = 'queued', all_or_nothing = ${options.allOrNothing}, send_invitations = ${options.sendInvitations}
        where id = ${id}::uuid and status = 'validated' returning id`,
  );
  if (!queued) throw new AppError('conflict', 'This import has already been started.');
}

/**
 * Asks the runner to stop after the batch it is writing; a job not yet claimed stops at once. Audited
 * as whoever asked (an Administrator may cancel anyone's import).
 */
export async function cancelImport(tx: Tx, principal: Principal, id: string, meta?: RequestMeta) {
  const job = await getImport(tx, principal, id);
  if (!['validated', 'queued', 'running'].includes(job.status)) throw new AppError('conflict', 'This import has already ended.');
  await tx.execute(sql`update import_jobs set cancel_requested = true where id = ${id}::uuid`);
  // Not claimed by any runner yet: nothing was written, so it ends here.
  const [ended] = await rows<{ id: string }>(
    tx,
    sql`update import_jobs set status = 'cancelled', finished_at = now() where id = ${id}::uuid and status in ('validated', 'queued') returning id`,
  );
  if (ended)
    await tx.execute(sql`update import_rows set outcome = case kind when 'skip' then 'skipped' else 'not imported' end,
        message = case when kind in ('new', 'update') then 'Not imported: the import was cancelled.' else message end
      where job_id = ${id}::uuid and outcome is null`);
  await recordAudit(tx, {
    actor: principal.actor,
    action: 'import.cancel_requested',
    target: { type: 'import', id, label: job.source },
    detail: ended ? 'Cancelled before it started.' : 'Stops after the batch being written.',
    meta,
  });
}
