// Acting on many users at once (All Users and Locked Users): Ban, Unlock, Reset, Change role, Add to /
// Remove from an environment, on a selection or on every user matching the list's filters.
// Each user goes through the same lib function as a single action (scope, permissions, role reach,
// the last-Administrator guard) and gets its own audit event and notice. Work is split into batches,
// one transaction each (a few at once), so 100,000 users never sit in one transaction; a user the
// rules refuse is skipped (and reported) without undoing the others.
import { and, asc, eq, gt, inArray, isNull, lte, ne, not, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, Queryable, Tx } from '@/db/client';
import { environments, roles, users, type UserStatus } from '@/db/schema';
import type { RequestMeta } from '@/lib/audit';
import { canGrant, canSeeEnvironment, requirePermissionOf, type Principal } from '@/lib/auth/principal';
import { isAdministrator, type Permission } from '@/lib/auth/permissions';
import { holdsLess, principalNow } from '@/lib/auth/rights';
import { AppError } from '@/lib/errors';
import type { MailPriority } from '@/lib/mail/outbox';
import { resetUser, unlockUser } from './access';
import { administratorRole, assertActiveAdministratorRemains } from './admin-guard';
import { grantRefusal } from './create';
import { listFilter, type FilterParams } from './list';
import { findChangeableUser, membershipsOf, roleSpansAll, visibleTo } from './scope';
import { banReasonSchema, banUser, updateUser } from './update';

export const BULK_BATCH_SIZE = 1000;
export const MAX_SELECTION = 1000;
export const BULK_CONCURRENCY = 3;

export const bulkOperationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ban'), reason: banReasonSchema }),
  z.object({ kind: z.literal('unlock') }),
  z.object({ kind: z.literal('reset') }),
  // environmentId: the list's, which a user in none (an Administrator) joins under a role tied to environments.
  z.object({ kind: z.literal('role'), roleId: z.uuid('Choose a role.'), environmentId: z.uuid().optional() }),
  z.object({ kind: z.literal('addEnvironment'), environmentId: z.uuid('Choose an environment.') }),
  z.object({ kind: z.literal('removeEnvironment'), environmentId: z.uuid('Choose an environment.') }),
]);

export type BulkOperation = z.infer<typeof bulkOperationSchema>;

export const PERMISSION: Record<BulkOperation['kind'], Permission> = {
  ban: 'users.ban',
  unlock: 'users.unlock',
  reset: 'users.unlock',
  role: 'users.write',
  addEnvironment: 'users.write',
  removeEnvironment: 'users.write',
};

/**
 * A selection (with the status its users had where it was made: Locked Users selects locked users), or
 * every user matching the list's filters in an environment. "All N matching" also says when its list
 * was read (`readAt`): whoever began to match after it, whom the manager never saw or counted, is left
 * out (see asShown).
 */
export type BulkTarget =
  | { ids: string[]; status?: UserStatus }
  | { environmentId: string; filter: FilterParams; readAt?: Date };

const memberOf = (environmentId: string) => sql`${users.environmentIds} @> array[${environmentId}]::uuid[]`;

/** The users an operation can apply to at all: "all matching" leaves the others out rather than skipping each. */
export function applies(op: BulkOperation): SQL | undefined {
  switch (op.kind) {
    case 'ban':
      return ne(users.status, 'banned');
    case 'unlock':
      return eq(users.status, 'locked');
    case 'reset':
      return inArray(users.status, ['locked', 'active']);
    case 'role':
      return undefined;
    // Those already in (or not in) the environment, and those in every one through their role, have nothing to change.
    case 'addEnvironment':
      return and(not(roleSpansAll), not(memberOf(op.environmentId)));
    case 'removeEnvironment':
      return and(not(roleSpansAll), memberOf(op.environmentId));
  }
}

const NOT_CHOOSABLE = 'Choose an environment you manage.';

/**
 * The role or environment chosen in the dialog, checked once before anyone is touched. A role the
 * caller cannot grant was otherwise refused user by user through every match (100,000 rows locked to
 * learn the same thing); a Remove from an archived or unseen environment changed no one (updateUser
 * keeps such memberships) yet reported every user done. Each user's own checks still follow.
 */
export async function assertChoice(q: Queryable, principal: Principal, op: BulkOperation) {
  if (op.kind === 'role') {
    const [role] = await q.select({ name: roles.name, permissions: roles.permissions, allEnvironments: roles.allEnvironments }).from(roles).where(eq(roles.id, op.roleId));
    const refusal = !role ? 'Choose a role.' : canGrant(principal, role) ? null : grantRefusal(principal, role);
    if (refusal) throw new AppError('invalid', refusal, { roleId: [refusal] });
  }
  if (op.kind !== 'addEnvironment' && op.kind !== 'removeEnvironment') return;
  const [found] = await q.select({ id: environments.id }).from(environments).where(and(eq(environments.id, op.environmentId), isNull(environments.archivedAt)));
  if (!found || !canSeeEnvironment(principal, found.id)) throw new AppError('invalid', NOT_CHOOSABLE, { environmentId: [NOT_CHOOSABLE] });
}

/**
 * The users of "all matching" as the list read at `readAt` had them: none added since (an import or
 * invitation meanwhile is not banned or re-roled with the rest), and none locked since for Unlock and
 * Reset (an account under attack keeps its lock and its count of failed attempts) or for any action on
 * a list of locked users (one locked after it was read was not on it). Idle days count back from
 * `readAt` too (listFilter).
 */
export const asShown = (op: BulkOperation, readAt: Date, filter: Pick<FilterParams, 'status'>) =>
  and(
    lte(users.createdAt, readAt),
    op.kind === 'unlock' || op.kind === 'reset' || filter.status === 'locked'
      ? or(ne(users.status, 'locked'), lte(users.lockedAt, readAt))
      : undefined,
  );

/**
 * What each user must still be when the batch reaches them. A user who no longer matches all matching
 * (unlocked by someone else meanwhile) is left out and not counted; one of a selection who is no longer
 * in the status it was made in is skipped, by name.
 */
type Still = { where: SQL; skip?: UserStatus } | undefined;

export type BulkResult = { done: number; skipped: number; problems: { email: string; message: string }[] };

/** True for an active user whose role makes them an Administrator (all environments, every permission). */
const isActiveAdministratorRow = (user: { status: string; roleAllEnvironments: boolean; rolePermissions: readonly string[] }) =>
  user.status === 'active' && isAdministrator({ permissions: user.rolePermissions, allEnvironments: user.roleAllEnvironments });

/**
 * One user: exactly what the single action does. Those functions check everything before they write,
 * so a refusal leaves nothing behind; only a change that may remove an Administrator (a Ban, a new role,
 * a Reset, which clears the password) runs in a savepoint, because the guard refuses after the write,
 * and the batch goes on past a refusal: without the savepoint its commit would keep the write.
 */
/** What the batch read of each of its users as it locked them: enough for a Ban, which then reads the user once, in banUser. */
type Locked = { version: number; administrator: boolean };

async function applyTo(tx: Tx, principal: Principal, userId: string, locked: Locked, op: BulkOperation, meta?: RequestMeta, notice?: MailPriority) {
  switch (op.kind) {
    case 'unlock':
      await unlockUser(tx, principal, userId, meta, notice);
      return;
    case 'reset': {
      const reset = (q: Tx) => resetUser(q, principal, userId, meta, notice);
      // resetUser's guard refuses after the password is cleared: the savepoint takes the clearing back with it.
      if (!locked.administrator) return void (await reset(tx));
      await tx.transaction(async (savepoint) => void (await reset(savepoint)));
      return;
    }
    case 'ban': {
      // The row is locked by the batch: the version it read is the user's now.
      const ban = (q: Tx) => banUser(q, principal, userId, { version: locked.version, reason: op.reason }, meta);
      if (!locked.administrator) return void (await ban(tx));
      await tx.transaction(async (savepoint) => {
        await ban(savepoint);
        await assertActiveAdministratorRemains(savepoint);
      });
      return;
    }
    default: {
      const user = await findChangeableUser(tx, principal, userId);
      const memberships = await membershipsOf(tx, userId);
      if (op.kind !== 'role' && user.roleAllEnvironments)
        throw new AppError('conflict', `${user.email} belongs to every environment through the ${user.roleName} role.`);
      // A selected user with nothing to change is named, not counted as moved.
      if (op.kind === 'addEnvironment' && memberships.includes(op.environmentId)) throw new AppError('conflict', `${user.email} is already in that environment.`);
      if (op.kind === 'removeEnvironment' && !memberships.includes(op.environmentId)) throw new AppError('conflict', `${user.email} is not in that environment.`);
      const environmentIds =
        op.kind === 'addEnvironment'
          ? [...new Set([...memberships, op.environmentId])]
          : op.kind === 'removeEnvironment'
            ? memberships.filter((id) => id !== op.environmentId)
            : memberships.length === 0 && op.environmentId
              ? // Someone in none (an Administrator) moving to a role tied to environments joins the list's, as on
                // SOAP's UpdateUser: otherwise "Choose at least one environment.", which the dialog has no field for.
                [op.environmentId]
              : memberships;
      const update = (q: Tx) =>
        updateUser(
          q,
          principal,
          userId,
          {
            email: user.email,
            firstName: user.firstName,
            lastName: user.lastName,
            roleId: op.kind === 'role' ? op.roleId : user.roleId,
            environmentIds,
            tags: user.tags,
            inactive: user.status === 'inactive',
            version: user.version,
          },
          meta,
        );
      if (op.kind !== 'role' || !isActiveAdministratorRow(user)) return void (await update(tx));
      await tx.transaction(async (savepoint) => {
        await update(savepoint);
        await assertActiveAdministratorRemains(savepoint);
      });
    }
  }
}

async function applyEach(tx: Tx, principal: Principal, ids: string[], op: BulkOperation, result: BulkResult, still: Still, meta?: RequestMeta, notice?: MailPriority) {
  // Every row of the batch locked first, in id order: two bulk actions over the same users (in whatever
  // order they were selected) then wait for each other instead of deadlocking, and the rows are tested
  // against `still` as they are now, after any change that committed since the batch was chosen.
  const rows = await tx
    .select({
      id: users.id,
      matches: still ? sql<boolean>`coalesce(${still.where}, false)` : sql<boolean>`true`,
      version: users.version,
      administrator: sql<boolean>`${users.status} = 'active' and ${administratorRole()}`,
    })
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(inArray(users.id, ids))
    .orderBy(asc(users.id))
    .for('update', { of: users });
  const stale = new Set(rows.filter((r) => !r.matches).map((r) => r.id));
  const lockedRows = new Map(rows.map((r) => [r.id, r]));
  for (const id of ids) {
    try {
      if (stale.has(id)) {
        if (!still?.skip) continue;
        const user = await findChangeableUser(tx, principal, id);
        throw new AppError('conflict', `${user.email} is no longer ${still.skip}.`);
      }
      // An id that is no user's (a crafted selection) is refused by the action's own lookup, as before.
      await applyTo(tx, principal, id, lockedRows.get(id) ?? { version: -1, administrator: false }, op, meta, notice);
      result.done++;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      result.skipped++;
      if (result.problems.length < 20) {
        // Named only when visible to the caller: an id from elsewhere must not reveal whose it is.
        const [row] = await tx.select({ email: users.email }).from(users).where(and(eq(users.id, id), visibleTo(principal)));
        result.problems.push({ email: row?.email ?? 'A user', message: error.message });
      }
    }
  }
}

export const RIGHTS_LOST = 'Stopped there: you no longer have permission to do that.';

/**
 * The calling person's rights as they are now. A bulk change outlives the request that started it (a
 * Ban of 100,000 users takes many minutes), so each batch re-reads them: a caller banned, locked or
 * inactivated since, or whose role no longer holds the permission, stops the run; a narrower role or
 * fewer environments apply from the next batch. Principals that are not people are taken as given.
 */
async function currentRights(q: Queryable, principal: Principal, op: BulkOperation, result: BulkResult): Promise<Principal> {
  if (principal.actor.type !== 'user') return principal;
  const now = await principalNow(q, principal.actor, PERMISSION[op.kind]);
  if (!now) throw new AppError('forbidden', `${describeBulkResult(op, result, true)} ${RIGHTS_LOST}`);
  return { ...principal, permissions: now.permissions, allEnvironments: now.allEnvironments, environmentIds: now.environmentIds };
}

/** Ids (after, last] of one batch of "all matching": the users after `after` (from the start when null), up to `last`. */
export type BatchRange = [after: string | null, last: string];

/** What a background job (lib/users/bulk-jobs.ts) asks of a run of "all matching". */
export type BulkProgress = {
  /** Batches an earlier run of the same job committed: their users are not walked again. */
  done?: readonly BatchRange[];
  /** Runs in each batch's transaction, after its users, so the job's progress commits with them. */
  committed: (tx: Tx, range: BatchRange, batch: BulkResult) => Promise<void>;
  /** Asked before each batch is taken: true stops the run there, between whole batches. */
  stop: () => Promise<boolean>;
};

/** The ranges with those that meet (one ends where the next begins) made one: a resumed job's walk skips a few, not hundreds. */
export function joined(ranges: readonly BatchRange[]): BatchRange[] {
  // Ids compare as PostgreSQL compares uuids when written alike (lowercase, hyphenated).
  const sorted = [...ranges].sort((a, b) => (a[1] < b[1] ? -1 : 1));
  const out: BatchRange[] = [];
  for (const [after, last] of sorted) {
    const previous = out.at(-1);
    if (previous && after !== null && after <= previous[1]) previous[1] = last > previous[1] ? last : previous[1];
    else out.push([after, last]);
  }
  return out;
}

function addUp(result: BulkResult, batch: BulkResult) {
  result.done += batch.done;
  result.skipped += batch.skipped;
  result.problems.push(...batch.problems.slice(0, 20 - result.problems.length));
}

/** The caller's rights narrowed while a batch ran: it is rolled back and run again with them as they are now. */
class Narrowed extends Error {}

/**
 * The last statement of a batch's transaction: the caller's rights read again and held (FOR SHARE) until
 * it commits, so a ban, demotion or role edit committed while the batch ran is seen, and one made now
 * waits for it. Lost rights end the run (the batch rolls back); rights that reach less than those the
 * batch was made with (an environment or a permission taken away) make it run again with them. Taken
 * last, not first: a batch may lock the caller's own row for update (they can match the filter, and are
 * refused only once found), and a share lock held by another batch from its start would wait on that in
 * a circle with the guard's lock.
 */
async function confirmRights(tx: Tx, used: Principal, op: BulkOperation, result: BulkResult) {
  if (used.actor.type !== 'user') return;
  const now = await principalNow(tx, used.actor, PERMISSION[op.kind], true);
  if (!now) throw new AppError('forbidden', `${describeBulkResult(op, result, true)} ${RIGHTS_LOST}`);
  if (holdsLess(now, used)) throw new Narrowed();
}

/**
 * One batch in one transaction. Active Administrators in it go last, each in a short transaction of
 * its own: the guard's advisory lock is then held for one user, not for a whole batch, so batches can
 * overlap. A job's batch is one transaction, Administrators included (applyTo puts each in a savepoint
 * under the guard), so that its progress commits with all of its users.
 */
async function runBatch(db: Db, caller: Principal, ids: string[], op: BulkOperation, result: BulkResult, still: Still, meta?: RequestMeta, notice?: MailPriority, job?: { range: BatchRange; progress: BulkProgress }) {
  // Each transaction with the caller's rights as they are when it starts, confirmed as it ends.
  const inTransaction = async (some: string[], then?: (tx: Tx, batch: BulkResult) => Promise<void>) => {
    // Rights that keep narrowing under a batch (an edit per attempt) end the run rather than loop.
    for (let attempt = 1; ; attempt++) {
      const principal = await currentRights(db, caller, op, result);
      const batch: BulkResult = { done: 0, skipped: 0, problems: [] };
      try {
        await db.transaction(async (tx) => {
          await applyEach(tx, principal, some, op, batch, still, meta, notice);
          await then?.(tx, batch);
          await confirmRights(tx, principal, op, result);
        });
        return addUp(result, batch);
      } catch (error) {
        if (!(error instanceof Narrowed)) throw error;
        if (attempt === 3) throw new AppError('forbidden', `${describeBulkResult(op, result, true)} ${RIGHTS_LOST}`);
      }
    }
  };
  if (job) return inTransaction(ids, (tx, batch) => job.progress.committed(tx, job.range, batch));
  // A reset clears the password, and an Administrator counts for the guard only with one (lib/users/admin-guard.ts).
  const risky = op.kind === 'ban' || op.kind === 'role' || op.kind === 'reset';
  const admins = risky
    ? new Set(
        (
          await db
            .select({ id: users.id })
            .from(users)
            .innerJoin(roles, eq(roles.id, users.roleId))
            .where(and(inArray(users.id, ids), eq(users.status, 'active'), administratorRole()))
        ).map((r) => r.id),
      )
    : new Set<string>();
  await inTransaction(ids.filter((id) => !admins.has(id)));
  for (const id of admins) await inTransaction([id]);
}

/**
 * Applies the operation to the target, BULK_BATCH_SIZE users per transaction. "All matching" walks the
 * matching users by id (a keyset), so users the operation takes out of the filter are not met twice.
 */
export async function runBulk(
  db: Db,
  principal: Principal,
  target: BulkTarget,
  op: BulkOperation,
  meta?: RequestMeta,
  batchSize = BULK_BATCH_SIZE,
  // The embedded database has one connection: its transactions cannot overlap.
  concurrency = process.env.DATABASE_URL ? BULK_CONCURRENCY : 1,
  progress?: BulkProgress,
): Promise<BulkResult> {
  requirePermissionOf(principal, PERMISSION[op.kind]);
  await assertChoice(db, principal, op);
  const result: BulkResult = { done: 0, skipped: 0, problems: [] };
  if ('ids' in target) {
    const ids = [...new Set(target.ids)];
    if (ids.length > MAX_SELECTION) throw new AppError('invalid', `Select at most ${MAX_SELECTION} users, or act on all users matching the filters.`);
    const still: Still = target.status ? { where: eq(users.status, target.status), skip: target.status } : undefined;
    for (let i = 0; i < ids.length; i += batchSize) await runBatch(db, principal, ids.slice(i, i + batchSize), op, result, still, meta);
    return result;
  }
  const filter = and(listFilter(principal, target.environmentId, target.filter, target.readAt), applies(op), target.readAt ? asShown(op, target.readAt, target.filter) : undefined)!;
  // Batches a run of the same job committed before it was stopped (the server restarted) are not walked again.
  const walk = and(filter, ...joined(progress?.done ?? []).map(([after, last]) => not(and(after ? gt(users.id, after) : undefined, lte(users.id, last))!)))!;
  // Batches run on a few connections at once (PostgreSQL); the walk by id hands each the next ids.
  let last: string | undefined;
  let finished = false;
  const nextBatch = async (): Promise<{ ids: string[]; range: BatchRange } | null> => {
    if (finished || (progress && (await progress.stop()))) return null;
    const batch = await db
      .select({ id: users.id })
      .from(users)
      .innerJoin(roles, eq(roles.id, users.roleId))
      .where(and(walk, last ? gt(users.id, last) : undefined))
      .orderBy(asc(users.id))
      .limit(batchSize);
    if (batch.length < batchSize) finished = true;
    if (batch.length === 0) return null;
    const range: BatchRange = [last ?? null, batch.at(-1)!.id];
    last = range[1];
    return { ids: batch.map((b) => b.id), range };
  };
  let queue = Promise.resolve();
  // Handing out batches one at a time keeps the keyset walk sequential while the batches overlap.
  const take = () => {
    const turn = queue.then(nextBatch);
    queue = turn.then(() => undefined);
    return turn;
  };
  const worker = async () => {
    try {
      // Unlock notices and reset links by the thousand (30,000 after an attack) wait behind urgent mail: a
      // reset link someone asks for meanwhile must not expire in the queue behind them.
      for (let batch = await take(); batch; batch = await take()) {
        await runBatch(db, principal, batch.ids, op, result, { where: filter }, meta, 'bulk', progress && { range: batch.range, progress });
        // The embedded database runs its queries on this thread, one transaction at a time: between
        // batches it leaves pages a moment to be read (a page's queries run one after another, and each
        // would otherwise wait for the next batch).
        await new Promise((resolve) => setTimeout(resolve, process.env.DATABASE_URL ? 0 : 50));
      }
    } catch (error) {
      // No batch starts after one failed; those in flight end (commit or roll back) before the run does.
      finished = true;
      throw error;
    }
  };
  const failure = (await Promise.allSettled(Array.from({ length: concurrency }, worker))).find((w) => w.status === 'rejected');
  if (failure) throw failure.reason;
  return result;
}

/** What a run did, in a sentence; `stopped` when it ended before its last batch (then nothing done is not "none matches"). */
export function describeBulkResult(op: BulkOperation, result: BulkResult, stopped = false): string {
  const verb = { ban: 'banned', unlock: 'unlocked', reset: 'reset and emailed a link', role: 'given the new role', addEnvironment: 'added to the environment', removeEnvironment: 'removed from the environment' }[op.kind];
  const n = (count: number) => `${new Intl.NumberFormat('en').format(count)} ${count === 1 ? 'user' : 'users'}`;
  // Nothing done and nothing refused: every user had left the filters (another manager got there first).
  if (result.done === 0 && result.skipped === 0 && !stopped) return `No user was ${verb}: none matches the filters any more.`;
  const head = result.done === 0 ? `No user was ${verb}.` : `${n(result.done)} ${verb}.`;
  if (result.skipped === 0) return head;
  const first = result.problems[0];
  return `${head} ${n(result.skipped)} skipped${first ? `, for example ${first.email}: ${first.message}` : '.'}`;
}
