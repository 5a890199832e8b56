// Environments ("My Accounts"): adding, renaming, archiving, restoring and deleting them (Administrators).
// An environment with users or API users is never deleted: it is archived, which takes it out of every
// switcher and picker (lib/auth/session.ts) while its users and history stay.
import { asc, eq, isNull, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Queryable, Tx } from '@/db/client';
import { environments, type Environment } from '@/db/schema';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { requirePermissionOf, type Principal } from '@/lib/auth/principal';
import { onUniqueViolation, rows } from '@/lib/db-rows';
import { AppError } from '@/lib/errors';
import { listNameSchema, nameKey } from '@/lib/validation';

export const environmentNameSchema = z.object({ name: listNameSchema('environment name', 60) });

/** The name as stored, checked here too: lib callers other than the form get the same rules. */
function checkedName(name: string): string {
  const parsed = environmentNameSchema.shape.name.safeParse(name);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues[0]!.message;
  throw new AppError('invalid', message, { name: [message] });
}

/** Who is in each environment: its users, and the API users scoped to it (scope "environments"). */
export async function environmentCounts(q: Queryable): Promise<Map<string, { users: number; apiUsers: number }>> {
  const result = await rows<{ id: string; users: number; api_users: number }>(
    q,
    sql`select e.id,
          (select count(*)::int from user_environments ue where ue.environment_id = e.id) as users,
          (select count(*)::int from api_user_environments ae where ae.environment_id = e.id) as api_users
        from environments e`,
  );
  return new Map(result.map((r) => [r.id, { users: Number(r.users), apiUsers: Number(r.api_users) }]));
}

export async function listAllEnvironments(q: Queryable) {
  const [all, counts] = await Promise.all([q.select().from(environments).orderBy(asc(environments.name)), environmentCounts(q)]);
  return all.map((e) => ({ ...e, users: counts.get(e.id)?.users ?? 0, apiUsers: counts.get(e.id)?.apiUsers ?? 0 }));
}

function requireAdministrator(principal: Principal) {
  requirePermissionOf(principal, 'settings.manage');
  if (!principal.allEnvironments) throw new AppError('forbidden', 'Only Administrators manage environments.');
}

const NAME_TAKEN = 'An environment with this name already exists.';
const nameTakenError = () => new AppError('invalid', NAME_TAKEN, { name: [NAME_TAKEN] });

// Matched as the import matches names (case and spacing aside): few rows, read them all. The lock queues
// two concurrent adds of one name, so the second is told the name is taken (not hit by the unique index).
async function assertNameFree(tx: Tx, name: string, exceptId?: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(7311013)`);
  const all = await tx.select({ id: environments.id, name: environments.name }).from(environments).where(exceptId ? ne(environments.id, exceptId) : undefined);
  if (all.some((e) => nameKey(e.name) === nameKey(name))) throw nameTakenError();
}

const STALE_NAME = 'Someone else renamed this environment after you opened it. Reload the page to see its name now.';

async function findEnvironment(tx: Tx, id: string): Promise<Environment> {
  const [env] = await tx.select().from(environments).where(eq(environments.id, id)).for('update');
  if (!env) throw new AppError('not_found', 'This environment no longer exists.');
  return env;
}

const target = (env: Pick<Environment, 'id' | 'name'>) => ({ type: 'environment', id: env.id, label: env.name });

export async function addEnvironment(tx: Tx, principal: Principal, rawName: string, meta?: RequestMeta) {
  requireAdministrator(principal);
  const name = checkedName(rawName);
  await assertNameFree(tx, name);
  // The index on lower(name) has the last word: PostgreSQL folds some letters (İ to i) that nameKey does not.
  const [env] = await onUniqueViolation('environments_name_idx', nameTakenError, () => tx.insert(environments).values({ name }).returning());
  await recordAudit(tx, {
    actor: principal.actor,
    action: 'environment.created',
    target: target(env!),
    environmentId: env!.id,
    changes: { name: { before: null, after: name }, contextIdentifier: { before: null, after: env!.contextIdentifier } },
    meta,
  });
  return env!;
}

/** `from` is the name the renamer saw (the form always sends it): a rename over a newer one is refused. */
export async function renameEnvironment(tx: Tx, principal: Principal, id: string, rename: { name: string; from?: string }, meta?: RequestMeta) {
  requireAdministrator(principal);
  const name = checkedName(rename.name);
  const env = await findEnvironment(tx, id);
  if (rename.from !== undefined && rename.from !== env.name) throw new AppError('conflict', STALE_NAME);
  if (env.name === name) return { changed: false, name };
  await assertNameFree(tx, name, env.id);
  await onUniqueViolation('environments_name_idx', nameTakenError, () => tx.update(environments).set({ name }).where(eq(environments.id, env.id)));
  await recordAudit(tx, {
    actor: principal.actor,
    action: 'environment.renamed',
    target: target({ id: env.id, name }),
    environmentId: env.id,
    changes: { name: { before: env.name, after: name } },
    meta,
  });
  return { changed: true, name };
}

async function activeCount(tx: Tx) {
  const [row] = await tx.select({ n: sql<number>`count(*)::int` }).from(environments).where(isNull(environments.archivedAt));
  return Number(row?.n ?? 0);
}

export async function archiveEnvironment(tx: Tx, principal: Principal, id: string, meta?: RequestMeta) {
  requireAdministrator(principal);
  // Serialise archiving so two concurrent archives cannot leave the organization without an environment.
  await tx.execute(sql`select pg_advisory_xact_lock(7311011)`);
  const env = await findEnvironment(tx, id);
  if (env.archivedAt) return { changed: false };
  if ((await activeCount(tx)) <= 1) throw new AppError('conflict', 'This is the only active environment: add another before archiving it.');
  await tx.update(environments).set({ archivedAt: new Date() }).where(eq(environments.id, env.id));
  await recordAudit(tx, { actor: principal.actor, action: 'environment.archived', target: target(env), environmentId: env.id, meta });
  return { changed: true };
}

export async function restoreEnvironment(tx: Tx, principal: Principal, id: string, meta?: RequestMeta) {
  requireAdministrator(principal);
  const env = await findEnvironment(tx, id);
  if (!env.archivedAt) return { changed: false };
  await tx.update(environments).set({ archivedAt: null }).where(eq(environments.id, env.id));
  await recordAudit(tx, { actor: principal.actor, action: 'environment.restored', target: target(env), environmentId: env.id, meta });
  return { changed: true };
}

export async function deleteEnvironment(tx: Tx, principal: Principal, id: string, meta?: RequestMeta) {
  requireAdministrator(principal);
  await tx.execute(sql`select pg_advisory_xact_lock(7311011)`);
  const env = await findEnvironment(tx, id);
  const counts = (await environmentCounts(tx)).get(env.id);
  if ((counts?.users ?? 0) > 0 || (counts?.apiUsers ?? 0) > 0)
    throw new AppError('conflict', `${env.name} has users or API users and cannot be deleted: archive it instead.`);
  if (!env.archivedAt && (await activeCount(tx)) <= 1) throw new AppError('conflict', 'This is the only active environment and cannot be deleted.');
  // A user being added to it meanwhile waits on our row lock (the reference check) and then fails cleanly.
  await tx.delete(environments).where(eq(environments.id, env.id));
  await recordAudit(tx, { actor: principal.actor, action: 'environment.deleted', target: target(env), meta });
}
