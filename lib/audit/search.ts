// The audit log screen and its CSV export: filters kept in the URL, keyset pagination newest first on
// (at, id), scoped for readers who do not reach every environment, and each filter backed by an index
// ending in (at desc, id desc) (db/schema.ts) so a page stays fast at 10,000,000 events.
import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Queryable } from '@/db/client';
import { auditEvents, environments, roles, users, type AuditEvent } from '@/db/schema';
import type { Principal } from '@/lib/auth/principal';
import { stillAllowed } from '@/lib/auth/rights';
import { AppError } from '@/lib/errors';
import { rows } from '@/lib/db-rows';
import { pageParams, textParam } from '@/lib/search-params';
import { cursorTime } from '@/lib/time-cursor';

export const AUDIT_PAGE_SIZE = 50;

// A calendar day that exists (2024-02-31 does not): PostgreSQL would refuse it with an error.
// Years from 0001: PostgreSQL has no year 0 (JavaScript's Date does, and would let 0000-01-01 through).
const realDay = (d: string) => {
  const parsed = new Date(`${d}T00:00:00Z`);
  return !d.startsWith('0000') && !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === d;
};

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine(realDay)
  .optional()
  .catch(undefined);
// Free text as the other pages take it: control characters (NUL, which PostgreSQL refuses) become spaces.
const text = z.unknown().transform((v) => (typeof v === 'string' ? textParam(v, 254) : undefined)).optional();

/** URL params of /audit and /audit/export: garbage in any of them is dropped, never an error page. */
export const auditParamsSchema = z.object({
  actor: text,
  target: text,
  action: z.string().trim().regex(/^[a-z_]+\.[a-z_]+$/).optional().catch(undefined),
  env: z.uuid().optional().catch(undefined),
  from: day,
  to: day,
  after: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z_\d{1,18}$/)
    .refine((c) => realDay(c.slice(0, 10)) && !Number.isNaN(Date.parse(`${c.slice(0, 19)}Z`)))
    .optional()
    .catch(undefined),
});

export type AuditParams = z.infer<typeof auditParamsSchema>;

/**
 * The params of /audit and of its export, read alike: a repeated key counts by its first value on both,
 * so the CSV holds exactly the view on screen (the export used to take the last one).
 */
export const readAuditParams = (raw: URLSearchParams | Record<string, string | string[] | undefined>): AuditParams =>
  auditParamsSchema.parse(
    pageParams(raw),
  );

const isUuid = (v: string) => z.uuid().safeParse(v).success;

/** Actor and target are typed as an email, a role or environment name, or an id; each resolves to ids. */
async function resolveIds(q: Queryable, value: string, kinds: 'actor' | 'target'): Promise<string[]> {
  if (isUuid(value)) return [value];
  const found = await q.select({ id: users.id }).from(users).where(eq(sql`lower(${users.email})`, value.toLowerCase())).limit(1);
  if (found.length > 0 || kinds === 'actor') return found.map((r) => r.id);
  const [role] = await q.select({ id: roles.id }).from(roles).where(eq(sql`lower(${roles.name})`, value.toLowerCase())).limit(1);
  const [env] = await q.select({ id: environments.id }).from(environments).where(eq(sql`lower(${environments.name})`, value.toLowerCase())).limit(1);
  return [role?.id, env?.id].filter((id): id is string => !!id);
}

/**
 * The WHERE of a search, or null when a named actor/target does not exist (nothing can match).
 * Readers without every environment see only events about users of their environments.
 */
export async function auditFilter(q: Queryable, principal: Principal, params: AuditParams): Promise<SQL | undefined | null> {
  const clauses: (SQL | undefined)[] = [];
  if (params.actor) {
    const ids = await resolveIds(q, params.actor, 'actor');
    if (ids.length === 0) return null;
    clauses.push(inArray(auditEvents.actorId, ids));
  }
  if (params.target) {
    const ids = await resolveIds(q, params.target, 'target');
    if (ids.length === 0) return null;
    clauses.push(inArray(auditEvents.targetId, ids));
  }
  if (params.action) clauses.push(eq(auditEvents.action, params.action));
  if (params.env) clauses.push(eq(auditEvents.environmentId, params.env));
  if (params.from) clauses.push(sql`${auditEvents.at} >= ${params.from}::date::timestamptz`);
  if (params.to) clauses.push(sql`${auditEvents.at} < (${params.to}::date + 1)::timestamptz`);
  clauses.push(auditScope(principal));
  return and(...clauses);
}

/** What a reader may see of the log: everything, or (without every environment) events about users of their environments. */
export function auditScope(principal: Principal): SQL | undefined {
  if (principal.allEnvironments) return undefined;
  const envs = `{${principal.environmentIds.join(',')}}`;
  return sql`${auditEvents.targetType} = 'user' and exists (select 1 from users u where u.id = ${auditEvents.targetId} and u.environment_ids && ${envs}::uuid[])`;
}

// The cursor is the last row's time at full (microsecond) precision and its id (a number here).
const cursorAt = cursorTime(auditEvents.at);

function afterCursor(after: string | undefined): SQL | undefined {
  if (!after) return undefined;
  const [at, id] = after.split('_') as [string, string];
  return sql`(${auditEvents.at}, ${auditEvents.id}) < (${at}::timestamptz, ${Number(id)})`;
}

/** One page, newest first, and the cursor of the next (older) page. */
export async function searchAudit(q: Queryable, principal: Principal, params: AuditParams, limit = AUDIT_PAGE_SIZE) {
  const filter = await auditFilter(q, principal, params);
  // Only a reader of every environment is told that a name matches no one: to anyone else, a stranger's
  // email (which resolves, then matches no event they may see) and an unknown one must answer alike.
  if (filter === null) return { events: [] as AuditEvent[], next: null as string | null, unresolved: principal.allEnvironments };
  const found = await q
    .select({ event: auditEvents, cursor: cursorAt })
    .from(auditEvents)
    .where(and(filter, afterCursor(params.after)))
    // NULLS LAST as in the indexes (drizzle's .desc() builds them so), or PostgreSQL cannot use them to sort.
    .orderBy(sql`${auditEvents.at} desc nulls last`, sql`${auditEvents.id} desc nulls last`)
    .limit(limit + 1);
  const page = found.slice(0, limit);
  const last = page.at(-1);
  return { events: page.map((r) => r.event), next: found.length > limit && last ? `${last.cursor}_${last.event.id}` : null, unresolved: false };
}

/** Every action kind in the log, for the filter's picker: a skip scan of the action index (fast at any size). */
export async function listActionKinds(q: Queryable): Promise<string[]> {
  const result = await rows<{ action: string }>(
    q,
    sql`with recursive kinds(action) as (
          (select action from audit_events order by action limit 1)
          union all
          select (select e.action from audit_events e where e.action > k.action order by e.action limit 1) from kinds k where k.action is not null)
        select action from kinds where action is not null`,
  );
  return result.map((r) => r.action);
}

/** Every matching event, newest first, one keyset page at a time (the CSV export streams these). */
export async function* auditPages(q: Queryable, principal: Principal, params: AuditParams, pageSize = 2_000) {
  let after = params.after;
  for (let first = true; ; first = false) {
    // Pages are read as the client takes them: someone banned or demoted meanwhile is sent nothing more.
    if (!first && !(await stillAllowed(q, principal, 'audit.read'))) throw new AppError('forbidden', 'The export stopped: you may no longer read the audit log.');
    const { events, next } = await searchAudit(q, principal, { ...params, after }, pageSize);
    if (events.length > 0) yield events;
    if (!next) return;
    after = next;
  }
}
