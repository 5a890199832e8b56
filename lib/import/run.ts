// Committing an import: a job row in PostgreSQL that any instance may claim (SKIP LOCKED), written in
// batches. Each batch (users, memberships, invitation links and emails, one audit event per user, the
// rows' outcomes and the job's progress) is one transaction, so a crash or a cancel leaves whole
// batches only, and the job's next_row says exactly where to resume. "All or nothing" runs every batch
// in one transaction. A job whose runner stopped sending heartbeats is claimed again and resumed.
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { getClient, type Db, type Queryable, type Tx } from '@/db/client';
import { MAIL_PRIORITY } from '@/db/schema';
import { recordAudit, type Actor } from '@/lib/audit';
import { NO_INVITATION } from '@/lib/audit/describe';
import { holdsLess, principalNow } from '@/lib/auth/rights';
import { canGrant, canSeeEnvironment, type Principal } from '@/lib/auth/principal';
import { rows } from '@/lib/db-rows';
import { AppError } from '@/lib/errors';
import { organizationName, portalUrl, priorityOf } from '@/lib/mail/outbox';
import { invitationMail } from '@/lib/mail/templates';
import { getSecuritySettings } from '@/lib/settings';
import { assertActiveAdministratorRemains } from '@/lib/users/admin-guard';
import { changeRefusal } from '@/lib/users/scope';
import { jobRunner } from '@/lib/jobs/runner';
import { copyRows } from './copy';
import { editRefusal, type NewUserData } from './validate';

export const BATCH = 5_000;
/** A running job whose heartbeat is older than this is taken to be orphaned (its process died). */
export const STALE_SECONDS = 60;

type JobRow = {
  id: string;
  createdBy: string;
  createdByLabel: string;
  source: string;
  allOrNothing: boolean;
  sendInvitations: boolean;
  nextRow: number;
  ip: string | null;
  userAgent: string | null;
};

export type RunHooks = {
  /** Called before each batch's transaction opens (tests cancel here). */
  beforeBatch?: (index: number) => void | Promise<void>;
  /** Called inside each batch's transaction once its rows are written (tests inject failures and kills here). */
  insideBatch?: (index: number) => void | Promise<void>;
  batchSize?: number;
};

/** Claims the oldest runnable job (queued, or running with a stale heartbeat), or null. */
export async function claimJob(db: Db, staleSeconds = STALE_SECONDS): Promise<string | null> {
  const [job] = await rows<{ id: string }>(
    db,
    sql`update import_jobs set status = 'running', heartbeat_at = now(), started_at = coalesce(started_at, now())
        where id = (
          select id from import_jobs
          where status = 'queued' or (status = 'running' and heartbeat_at < now() - make_interval(secs => ${staleSeconds}))
          order by created_at limit 1 for update skip locked)
        returning id`,
  );
  return job?.id ?? null;
}

/** The importer as they are now: a user who lost users.write (or their account) since cannot import. */
const importerPrincipal = (q: Queryable, job: JobRow, lock = false) => principalNow(q, { type: 'user', id: job.createdBy, label: job.createdByLabel }, 'users.write', lock);

/**
 * The last check of a batch before it commits: the importer's rights read again and held (FOR SHARE)
 * until then, as a bulk action's are (lib/users/bulk.ts): a ban, reset or demotion committed while the
 * batch was written, or rights that reach less than those it was written with, fail it (it rolls back,
 * and the import stops with whole batches). Taken last, after the batch before has committed: a batch
 * may update the importer's own row, and a batch waiting for it must not hold a lock it needs.
 */
async function confirmImporter(tx: Tx, job: JobRow, used: Principal) {
  const now = await importerPrincipal(tx, job, true);
  if (!now) throw new AppError('forbidden', `${job.createdByLabel} can no longer import users.`);
  if (holdsLess(now, used))
    throw new AppError('forbidden', `${job.createdByLabel}'s rights changed while the import ran: it stopped there. Upload the file again to import the rest.`);
}

type Mailing = { org: string; lifetimeMs: number };
type BatchRow = { rowNo: number; kind: 'new' | 'update'; data: NewUserData };
type Outcome = { row_no: number; outcome: string; message: string | null };
type Tally = { created: number; updated: number; skipped: number };

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;
/** A text array literal for a single bound parameter ("{...}"), each element quoted. */
const pgArray = (values: readonly string[]) => `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

type Role = { id: string; name: string; permissions: string[]; allEnvironments: boolean };

async function rolesOf(tx: Tx) {
  return new Map((await rows<Role>(tx, sql`select id, name, permissions, all_environments as "allEnvironments" from roles`)).map((r) => [r.id, r]));
}

/** Each environment as it is now: archived or not (one deleted since is missing). */
async function environmentsOf(tx: Tx) {
  return new Map((await rows<{ id: string; archived: boolean }>(tx, sql`select id, archived_at is not null as archived from environments`)).map((e) => [e.id, e.archived]));
}

/**
 * The importer's rights as they are now, not as they were at the preview: a role they can no longer
 * grant, an environment they no longer manage, or one archived (or deleted) since refuses the row (the
 * same rules as Add and edit). Memberships an update keeps as they are (`kept`) may be archived ones.
 */
function grantRefusal(principal: Principal, role: Role | undefined, environmentIds: readonly string[], environments: Map<string, boolean>, kept = false): string | null {
  if (!role) return 'Its role was deleted after the preview: not imported.';
  if (!canGrant(principal, role)) return `You can no longer grant the ${role.name} role: not imported.`;
  if (role.allEnvironments) return null;
  if (environmentIds.some((id) => !canSeeEnvironment(principal, id))) return 'You no longer manage one of its environments: not imported.';
  if (kept) return null;
  if (environmentIds.some((id) => !environments.has(id))) return 'One of its environments was deleted after the preview: not imported.';
  if (environmentIds.some((id) => environments.get(id))) return 'One of its environments was archived after the preview: not imported.';
  return null;
}

/** A row the importer may no longer write: skipped, or the end of an all-or-nothing import. */
function refuse(row: BatchRow, message: string, strict: boolean, outcomes: Outcome[], tally: Tally) {
  if (strict) throw new AppError('forbidden', `Row ${row.rowNo}: ${message}`);
  outcomes.push({ row_no: row.rowNo, outcome: 'skipped', message });
  tally.skipped++;
}

/** Writes one batch inside tx; returns what happened to each row. */
async function writeBatch(tx: Tx, job: JobRow, batch: BatchRow[], mailing: Mailing | null, strict: boolean): Promise<{ outcomes: Outcome[]; tally: Tally; principal: Principal }> {
  // Checked again for every batch: the importer may have lost the right to import since the preview.
  const principal = await importerPrincipal(tx, job);
  if (!principal) throw new AppError('forbidden', `${job.createdByLabel} can no longer import users.`);
  const actor: Actor = { type: 'user', id: job.createdBy, label: job.createdByLabel };
  const outcomes: Outcome[] = [];
  const tally: Tally = { created: 0, updated: 0, skipped: 0 };
  const audits: (string | null)[][] = []; // the updates' events (applyUpdates); new users' are made as they are copied
  const roles = await rolesOf(tx);
  const environments = await environmentsOf(tx);
  const detail = `Imported from ${job.source}`;

  const fresh = batch.filter((r) => r.kind === 'new');
  // The rows to write are decided first; what is written for them (their memberships, links, emails
  // and audit events) is made a chunk at a time as each COPY streams (see copyRows), so a batch's
  // emails never all live at once.
  const accepted: { r: BatchRow; id: string; environmentIds: string[]; token: string | null }[] = [];
  if (fresh.length > 0) {
    // Emails taken since the preview (the unique index would refuse the whole COPY) are settled first.
    const taken = new Set(
      (
        await rows<{ email: string }>(
          tx,
          sql`select lower(email) as email from users where lower(email) = any(${pgArray(fresh.map((r) => r.data.email.toLowerCase()))}::text[])`,
        )
      ).map((u) => u.email),
    );
    // By the database's clock, which checks the links (issueToken's reason): by this server's, a clock behind sent dead links.
    const expires = mailing
      ? (await rows<{ at: string }>(tx, sql`select (now() + make_interval(secs => ${mailing.lifetimeMs / 1000}::double precision))::text as at`))[0]!.at
      : null;
    // One draw of randomness for the batch's invitation tokens (32 bytes each) instead of one per row.
    const entropy = mailing ? randomBytes(32 * fresh.length) : null;
    for (const r of fresh) {
      if (taken.has(r.data.email.toLowerCase())) {
        if (strict) throw new AppError('conflict', `Row ${r.rowNo}: a user with the email ${r.data.email} was added after the preview.`);
        outcomes.push({ row_no: r.rowNo, outcome: 'skipped', message: 'A user with this email was added after the preview: skipped.' });
        tally.skipped++;
        continue;
      }
      const environmentIds = [...r.data.environmentIds].sort();
      const refusal = grantRefusal(principal, roles.get(r.data.roleId), environmentIds, environments);
      if (refusal) {
        refuse(r, refusal, strict, outcomes, tally);
        continue;
      }
      const token = entropy ? entropy.toString('base64url', 32 * accepted.length, 32 * accepted.length + 32) : null;
      accepted.push({ r, id: uuidv7(), environmentIds, token });
      tally.created++;
    }
    // environment_ids is written as the membership trigger would compute it, so the trigger finds nothing to change.
    await copyRows(
      tx,
      'users',
      ['id', 'email', 'first_name', 'last_name', 'role_id', 'status', 'tags', 'profile', 'environment_ids'],
      accepted.map(({ r, id, environmentIds }) => [id, r.data.email, r.data.firstName, r.data.lastName, r.data.roleId, 'invited', JSON.stringify(r.data.tags), JSON.stringify(r.data.profile), `{${environmentIds.join(',')}}`]),
    );
    await copyRows(tx, 'user_environments', ['user_id', 'environment_id'], (function* () {
      for (const { id, environmentIds } of accepted) for (const environmentId of environmentIds) yield [id, environmentId];
    })());
    if (mailing) {
      await copyRows(tx, 'user_tokens', ['id', 'user_id', 'purpose', 'token_hash', 'expires_at'], (function* () {
        for (const { id, token } of accepted) yield [uuidv7(), id, 'invitation', createHash('sha256').update(token!, 'utf8').digest('hex'), expires];
      })());
      await copyRows(tx, 'outbox_messages', ['id', 'kind', 'to_address', 'subject', 'text', 'html', 'links', 'priority', 'user_id'], (function* () {
        for (const { r, id, token } of accepted) {
          const mail = invitationMail(mailing.org, r.data.firstName, portalUrl(`/set-password?token=${token}`), mailing.lifetimeMs);
          yield [uuidv7(), mail.kind, r.data.email, mail.subject, mail.text, mail.html, JSON.stringify(mail.links ?? []), MAIL_PRIORITY[priorityOf(mail.kind)], id];
        }
      })());
    }
  }

  const changes = batch.filter((r) => r.kind === 'update');
  if (changes.length > 0) {
    await applyUpdates(tx, principal, roles, environments, changes, outcomes, tally, audits, strict);
    await assertActiveAdministratorRemains(tx);
  }

  const actorId = actor.type === 'user' ? actor.id : null;
  const event = (action: string, id: string, label: string, environmentId: string | null, changes: string, said = detail) =>
    ['user', actorId, actor.label ?? '', action, 'user', id, label, environmentId, changes, said, job.ip, job.userAgent];
  // The log says "added ... and sent an invitation" of a new user unless told none was sent.
  const created = mailing ? detail : `${detail}${NO_INVITATION}`;
  await copyRows(
    tx,
    'audit_events',
    ['actor_type', 'actor_id', 'actor_label', 'action', 'target_type', 'target_id', 'target_label', 'environment_id', 'changes', 'detail', 'ip', 'user_agent'],
    (function* () {
      for (const { r, id, environmentIds } of accepted) {
        const changes = {
          email: { before: null, after: r.data.email },
          name: { before: null, after: `${r.data.firstName} ${r.data.lastName}` },
          role: { before: null, after: roles.get(r.data.roleId)?.name ?? r.data.roleId },
          status: { before: null, after: 'invited' },
        };
        yield event('user.created', id, r.data.email, environmentIds[0] ?? null, JSON.stringify(changes), created);
      }
      for (const [action, id, label, environmentId, changes] of audits) yield event(action!, id!, label!, environmentId ?? null, changes!);
    })(),
  );
  return { outcomes, tally, principal };
}

type Current = {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  roleId: string;
  roleName: string;
  rolePermissions: string[];
  allEnvironments: boolean;
  tags: unknown;
  profile: Record<string, string>;
  environmentIds: string[];
  status: string;
  version: number;
};

/** Updates existing users set-wise: names, role, environments (when the file names some), tags (when given), profile. */
async function applyUpdates(tx: Tx, principal: Principal, roles: Map<string, Role>, environments: Map<string, boolean>, changes: BatchRow[], outcomes: Outcome[], tally: Tally, audits: (string | null)[][], strict: boolean) {
  const ids = changes.map((r) => r.data.userId!);
  const current = await rows<Current>(
    tx,
    sql`select u.id, u.email, u.first_name as "firstName", u.last_name as "lastName", u.role_id as "roleId", r.name as "roleName",
          r.permissions as "rolePermissions", r.all_environments as "allEnvironments", u.tags, u.profile,
          u.environment_ids as "environmentIds", u.status, u.version
        from users u join roles r on r.id = u.role_id
        where u.id = any(${`{${ids.join(',')}}`}::uuid[]) for update of u`,
  );
  const byId = new Map(current.map((u) => [u.id, u]));
  const updates: Record<string, unknown>[] = [];
  const replaceEnvironments: string[] = [];
  const memberships: [string, string][] = [];
  for (const r of changes) {
    const before = byId.get(r.data.userId!);
    if (!before || before.status === 'banned') {
      const message = before ? 'This user was banned after the preview: not updated.' : 'This user was deleted after the preview: not updated.';
      if (strict) throw new AppError('conflict', `Row ${r.rowNo}: ${message}`);
      outcomes.push({ row_no: r.rowNo, outcome: 'skipped', message });
      tally.skipped++;
      continue;
    }
    // As a direct edit would be: the user as they are now must be one the importer may change, into
    // a role and environments they may grant, and unchanged since the preview (no silent overwrite).
    const role = roles.get(r.data.roleId);
    const named = role?.allEnvironments ? [] : r.data.keepEnvironments ? before.environmentIds : [...r.data.environmentIds].sort();
    // As a save of the user's page (updateUser): memberships in archived environments, which no file or
    // form can name, and in those the importer does not manage, stay as they are.
    const kept = before.environmentIds.filter((id) => environments.get(id) === true || !canSeeEnvironment(principal, id));
    const environmentIds = [...new Set([...named, ...kept])].sort();
    const refusal =
      changeRefusal(principal, { email: before.email, rolePermissions: before.rolePermissions, roleAllEnvironments: before.allEnvironments }, before.environmentIds) ??
      grantRefusal(principal, role, named, environments, r.data.keepEnvironments === true) ??
      editRefusal(principal, before, { roleId: r.data.roleId, allEnvironments: role!.allEnvironments, environmentIds: named, keepEnvironments: false }, (id) => environments.get(id) === false)?.message ??
      (r.data.version !== undefined && r.data.version !== before.version
        ? 'This user was changed by someone else after the preview: not updated. Upload the file again to see their current details.'
        : null);
    if (refusal) {
      refuse(r, refusal, strict, outcomes, tally);
      continue;
    }
    const tags = r.data.tags.length > 0 ? r.data.tags : before.tags;
    const profile = { ...before.profile, ...r.data.profile };
    const diff: Record<string, { before: unknown; after: unknown }> = {};
    const name = `${r.data.firstName} ${r.data.lastName}`;
    if (`${before.firstName} ${before.lastName}` !== name) diff.name = { before: `${before.firstName} ${before.lastName}`, after: name };
    if (before.roleId !== r.data.roleId) diff.role = { before: before.roleName, after: role?.name ?? r.data.roleId };
    if (JSON.stringify([...before.environmentIds].sort()) !== JSON.stringify(environmentIds)) {
      diff.environments = { before: before.environmentIds, after: environmentIds };
      replaceEnvironments.push(before.id);
      for (const e of environmentIds) memberships.push([before.id, e]);
    }
    if (JSON.stringify(before.tags) !== JSON.stringify(tags)) diff.tags = { before: before.tags, after: tags };
    if (JSON.stringify(before.profile) !== JSON.stringify(profile)) diff.profile = { before: before.profile, after: profile };
    if (Object.keys(diff).length === 0) {
      outcomes.push({ row_no: r.rowNo, outcome: 'unchanged', message: 'Already up to date: nothing to change.' });
      tally.skipped++;
      continue;
    }
    updates.push({ id: before.id, first_name: r.data.firstName, last_name: r.data.lastName, role_id: r.data.roleId, tags, profile, role_changed: Boolean(diff.role) });
    // Named as the same change on the user's page names it (updateUser): the audit log's filter finds role changes by it.
    audits.push([diff.role ? 'user.role_changed' : 'user.updated', before.id, before.email, environmentIds[0] ?? null, JSON.stringify(diff)]);
    outcomes.push({ row_no: r.rowNo, outcome: 'updated', message: `Updated: ${Object.keys(diff).join(', ')}.` });
    tally.updated++;
  }
  if (updates.length > 0)
    await tx.execute(sql`update users set first_name = r.first_name, last_name = r.last_name, role_id = r.role_id, tags = r.tags, profile = r.profile,
        version = users.version + 1, session_version = users.session_version + (case when r.role_changed then 1 else 0 end), updated_at = now()
      from jsonb_to_recordset(${json(updates)}) as r(id uuid, first_name text, last_name text, role_id uuid, tags jsonb, profile jsonb, role_changed boolean)
      where users.id = r.id`);
  if (replaceEnvironments.length > 0) {
    await tx.execute(sql`delete from user_environments where user_id = any(${`{${replaceEnvironments.join(',')}}`}::uuid[])`);
    if (memberships.length > 0)
      await tx.execute(sql`insert into user_environments (user_id, environment_id)
        select (m->>0)::uuid, (m->>1)::uuid from jsonb_array_elements(${json(memberships)}) m`);
  }
}

async function recordOutcomes(tx: Queryable, jobId: string, outcomes: Outcome[]) {
  if (outcomes.length === 0) return;
  await tx.execute(sql`update import_rows set outcome = r.outcome, message = r.message
    from jsonb_to_recordset(${json(outcomes)}) as r(row_no int, outcome text, message text)
    where import_rows.job_id = ${jobId}::uuid and import_rows.row_no = r.row_no`);
}

async function loadBatch(q: Queryable, jobId: string, fromRow: number, size: number): Promise<BatchRow[]> {
  return rows<BatchRow>(
    q,
    sql`select row_no as "rowNo", kind, data from import_rows
        where job_id = ${jobId}::uuid and row_no >= ${fromRow} and kind in ('new', 'update')
        order by row_no limit ${size}`,
  );
}

/**
 * Settles every row not yet settled, writes the import's one audit event and the job's end state, in
 * tx. Only a job still running ends here: of two runners on one job (one taken for dead), the second
 * to finish changes nothing and returns false, so a job that completed is never then called failed.
 */
async function settle(tx: Tx, job: JobRow, status: 'done' | 'failed' | 'cancelled', error: string | null): Promise<boolean> {
  const [counts] = await rows<{ createdCount: number; updatedCount: number; skipCount: number; errorCount: number }>(
    tx,
    sql`update import_jobs set status = ${status}, error = ${error}, finished_at = now(), heartbeat_at = now()
        where id = ${job.id}::uuid and status = 'running'
        returning created_count as "createdCount", updated_count as "updatedCount", skip_count as "skipCount", error_count as "errorCount"`,
  );
  if (!counts) return false;
  const reason = status === 'done' ? null : status === 'cancelled' ? 'Not imported: the import was cancelled.' : `Not imported: ${error}`;
  // Rows of committed batches keep a null outcome when they went as planned (created); see rowOutcome.
  await tx.execute(sql`update import_rows set
      outcome = case kind when 'skip' then 'skipped' else 'not imported' end,
      message = case when kind in ('new', 'update') then ${reason} else message end
    where job_id = ${job.id}::uuid and outcome is null
      and (kind in ('skip', 'error') or row_no >= (select next_row from import_jobs where id = ${job.id}::uuid))`);
  const verb = { done: 'completed', failed: 'failed', cancelled: 'cancelled' }[status];
  await recordAudit(tx, {
    actor: { type: 'user', id: job.createdBy, label: job.createdByLabel },
    action: `import.${verb}`,
    target: { type: 'import', id: job.id, label: job.source },
    detail: `Import of ${job.source} ${verb}: ${counts.createdCount} created, ${counts.updatedCount} updated${error ? `. ${error}` : ''}`,
    changes: { created: { before: null, after: counts.createdCount }, updated: { before: null, after: counts.updatedCount } },
    meta: { ip: job.ip, userAgent: job.userAgent },
  });
  return true;
}

/** The job's end state, in a transaction of its own; the status it has now (another runner's, when that one ended it first). */
async function finish(db: Db, job: JobRow, status: 'done' | 'failed' | 'cancelled', error: string | null): Promise<'done' | 'failed' | 'cancelled'> {
  if (await db.transaction((tx) => settle(tx, job, status, error))) return status;
  const [now] = await rows<{ status: 'done' | 'failed' | 'cancelled' }>(db, sql`select status from import_jobs where id = ${job.id}::uuid`);
  return now?.status ?? status;
}

const Cancelled = Symbol('cancelled');

const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && ((error as { code?: string }).code === '23505' || isUniqueViolation((error as { cause?: unknown }).cause));

async function cancelRequested(q: Queryable, jobId: string) {
  const [state] = await rows<{ cancelRequested: boolean }>(q, sql`select cancel_requested as "cancelRequested" from import_jobs where id = ${jobId}::uuid`);
  return state?.cancelRequested === true;
}

/** Another runner (a slow one taken for dead) committed this batch first: go on from where it is. */
class Superseded extends Error {}

/** Batches in flight at once on PostgreSQL: each on a connection of its own (of the pool's ten). */
const WRITERS = 3;

/**
 * Batch by batch, each its own transaction that also moves the job's next_row on, so a crash or a
 * cancel leaves whole batches and next_row says where to resume. On PostgreSQL up to WRITERS batches
 * are in flight: the later ones write (on connections of their own, the server's other core) while the
 * oldest commits, and each commits only after the one before it, so next_row only ever moves forward
 * over committed batches; if one fails, those after it roll back too. Three keep both cores busy where
 * two left a third of them idle (a batch that has written waits for its elder to commit). A batch that
 * updates existing users runs alone (the last-Administrator guard's lock must not be held by a batch
 * waiting for another).
 */
async function runBatches(db: Db, job: JobRow, mailing: Mailing | null, size: number, hooks: RunHooks) {
  const depth = getClient().driver === 'postgres' ? WRITERS : 1;
  let from = job.nextRow;
  let retried = false;
  for (let i = 0; ; ) {
    const inFlight: Promise<void>[] = [];
    let previous: Promise<void> = Promise.resolve();
    let start = from;
    try {
      for (; ; i++) {
        await hooks.beforeBatch?.(i);
        if (inFlight.length >= depth) await inFlight.shift();
        const batch = await loadBatch(db, job.id, start, size);
        if (batch.length === 0) break;
        const updates = batch.some((r) => r.kind === 'update');
        if (updates) while (inFlight.length > 0) await inFlight.shift();
        const after = previous;
        const [index, batchStart, next] = [i, start, batch[batch.length - 1]!.rowNo + 1];
        previous = db.transaction(async (tx) => {
          if (await cancelRequested(tx, job.id)) throw Cancelled;
          const { outcomes, tally, principal } = await writeBatch(tx, job, batch, mailing, false);
          await recordOutcomes(tx, job.id, outcomes);
          await hooks.insideBatch?.(index);
          await after;
          // Asked again once the batch before has committed: of the batches in flight when a cancel
          // comes, only the one committing then is kept, as the cancel says ("the batch being written").
          if (await cancelRequested(tx, job.id)) throw Cancelled;
          await confirmImporter(tx, job, principal);
          const moved = await rows<{ id: string }>(
            tx,
            sql`update import_jobs set next_row = ${next}, rows_done = rows_done + ${batch.length},
                created_count = created_count + ${tally.created}, updated_count = updated_count + ${tally.updated},
                skip_count = skip_count + ${tally.skipped}, heartbeat_at = now()
              where id = ${job.id}::uuid and next_row = ${batchStart} returning id`,
          );
          if (moved.length === 0) throw new Superseded();
        });
        // Settled here too, so a failure is never unhandled while the loop awaits something else.
        previous.catch(() => {});
        inFlight.push(previous);
        start = next;
      }
      for (const batch of inFlight) await batch;
      return;
    } catch (error) {
      await Promise.allSettled(inFlight);
      // Someone added one of a batch's emails between its check and its COPY (the batch rolled back
      // whole, and its retry settles that row as skipped), or another runner got ahead: go on from the
      // job's committed next_row.
      const superseded = error instanceof Superseded;
      if (!superseded && !isUniqueViolation(error)) throw error;
      const [state] = await rows<{ nextRow: number }>(db, sql`select next_row as "nextRow" from import_jobs where id = ${job.id}::uuid`);
      const committed = Math.max(from, state?.nextRow ?? from);
      // A second unique violation at the same place is not a race: it fails the import.
      if (!superseded && retried && committed === from) throw error;
      retried = !superseded;
      from = committed;
    }
  }
}

/** Runs a claimed job to its end: done, cancelled (whole batches kept) or failed (with the reason). */
export async function runJob(db: Db, jobId: string, hooks: RunHooks = {}): Promise<'done' | 'failed' | 'cancelled'> {
  const size = hooks.batchSize ?? BATCH;
  const [job] = await rows<JobRow>(
    db,
    sql`select id, created_by as "createdBy", created_by_label as "createdByLabel", source, all_or_nothing as "allOrNothing",
          send_invitations as "sendInvitations", next_row as "nextRow", ip, user_agent as "userAgent"
        from import_jobs where id = ${jobId}::uuid`,
  );
  if (!job) throw new AppError('not_found', 'No such import.');
  const principal = await importerPrincipal(db, job);
  if (!principal) return finish(db, job, 'failed', `${job.createdByLabel} can no longer import users.`);
  const settings = await getSecuritySettings(db);
  const mailing = job.sendInvitations ? { org: await organizationName(db), lifetimeMs: settings.invitationLifetimeDays * 86_400_000 } : null;

  try {
    if (job.allOrNothing) {
      const total: Tally = { created: 0, updated: 0, skipped: 0 };
      let done = 0;
      await db.transaction(async (tx) => {
        // A job resumed after a crash starts over: its transaction never committed. The job row stays
        // unlocked, so progress can be reported from outside the transaction.
        let from = 0;
        let used: Principal | null = null;
        for (let i = 0; ; i++) {
          await hooks.beforeBatch?.(i);
          if (await cancelRequested(tx, job.id)) throw Cancelled;
          const batch = await loadBatch(tx, job.id, from, size);
          if (batch.length === 0) break;
          const { outcomes, tally, principal } = await writeBatch(tx, job, batch, mailing, true);
          used ??= principal;
          await recordOutcomes(tx, job.id, outcomes);
          await hooks.insideBatch?.(i);
          total.created += tally.created;
          total.updated += tally.updated;
          total.skipped += tally.skipped;
          done += batch.length;
          from = batch[batch.length - 1]!.rowNo + 1;
          // PGlite has one connection, busy with this transaction; there the bar moves at the end.
          if (getClient().driver === 'postgres')
            await db.execute(sql`update import_jobs set rows_done = ${done}, heartbeat_at = now() where id = ${job.id}::uuid and status = 'running'`);
        }
        if (used) await confirmImporter(tx, job, used);
        await tx.execute(sql`update import_jobs set next_row = ${from}, rows_done = ${done}, created_count = ${total.created},
            updated_count = ${total.updated}, skip_count = skip_count + ${total.skipped} where id = ${job.id}::uuid`);
        // Ended in the same commit as its rows: no moment where they are written and the job still
        // runs (a runner dying there would leave it to be run again from the start, and failed). A
        // job another runner ended meanwhile rolls all of this back.
        if (!(await settle(tx, job, 'done', null))) throw new Superseded();
      });
    } else await runBatches(db, job, mailing, size, hooks);
  } catch (error) {
    if (error === Cancelled) return finish(db, job, 'cancelled', null);
    if (error instanceof Superseded) return finish(db, job, 'done', null);
    const message = error instanceof AppError ? error.message : 'An unexpected error stopped the import.';
    if (!(error instanceof AppError)) console.error('Import failed:', error);
    if (job.allOrNothing) await db.execute(sql`update import_jobs set rows_done = 0 where id = ${job.id}::uuid and status = 'running'`);
    return finish(db, job, 'failed', job.allOrNothing ? `${message} Nothing was imported.` : message);
  }
  return job.allOrNothing ? 'done' : finish(db, job, 'done', null);
}

const runner = jobRunner('Import', (db) => claimJob(db), (db, id) => runJob(db, id));
/** Claims and runs imports until none is left (one runner per process at a time). */
export const drainImports = runner.drain;
/** Polls for queued and orphaned imports (started by the server process). */
export const startImportWorker = runner.start;
