// The All Users list: search, filters, sort and keyset pagination that stay fast at a million users.
// Every sort order has an index ending in the id (db/schema.ts); pages are reached by cursor, never
// OFFSET; counts are exact up to a cap and estimated by the planner above it.
import { and, asc, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Queryable } from '@/db/client';
import { environments, roles, userEnvironments, users, userStatus, type UserStatus } from '@/db/schema';
import type { Principal } from '@/lib/auth/principal';
import { rows } from '@/lib/db-rows';
import { visibleTo } from './scope';

export const PAGE_SIZE = 50;

/** Users of the environment: its members, and those whose role spans every environment. */
export function inEnvironment(environmentId: string) {
  return or(eq(roles.allEnvironments, true), sql`${users.environmentIds} @> array[${environmentId}]::uuid[]`);
}

const SORTS = {
  name: [sql`lower(${users.lastName})`, sql`lower(${users.firstName})`],
  email: [sql`lower(${users.email})`],
  lastSignIn: [sql`coalesce(${users.lastSignInAt}, '-infinity'::timestamptz)`],
  // Locked users only (listFilter adds the status): walks users_locked_idx. Every lock sets locked_at.
  lockedAt: [sql`${users.lockedAt}`],
} as const;
const KEY_CASTS = { name: ['text', 'text'], email: ['text'], lastSignIn: ['timestamptz'], lockedAt: ['timestamptz'] } as const;

export type SortKey = keyof typeof SORTS;

export const listParamsSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  status: z.enum(userStatus.enumValues).optional().catch(undefined),
  role: z.uuid().optional().catch(undefined),
  // Also a member of this environment (on top of the current one).
  env: z.uuid().optional().catch(undefined),
  // "Name=Value" or just "Name": users carrying that tag.
  tag: z.string().trim().min(1).max(200).regex(/^\P{Cc}+$/u).optional().catch(undefined),
  // No sign-in for this many days (or never signed in).
  idle: z.coerce.number().int().min(1).max(3650).optional().catch(undefined),
  sort: z.enum(['name', 'email', 'lastSignIn', 'lockedAt']).default('name').catch('name'),
  dir: z.enum(['asc', 'desc']).default('asc').catch('asc'),
  after: z.string().max(2000).optional().catch(undefined),
  before: z.string().max(2000).optional().catch(undefined),
});

export type ListParams = z.infer<typeof listParamsSchema>;

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const searchMatches = (q: string) => sql`${users.searchText} like '%' || userdesk_fold(${escapeLike(q)}) || '%'`;

/**
 * Searches the planner expects to match at most this many users are answered by collecting every hit
 * through the trigram index and sorting them; broader ones (hits dense everywhere) walk the sort index.
 * Left to itself the planner may walk the name index past half a million rows to reach the Müllers.
 */
const SEARCH_SORT_LIMIT = 20_000;

/** A tag filter as the jsonb containment it means: `[{"name": ...}]` or `[{"name": ..., "value": ...}]`. */
function tagMatches(tag: string) {
  const at = tag.indexOf('=');
  const wanted = at < 0 ? { name: tag.trim() } : { name: tag.slice(0, at).trim(), value: tag.slice(at + 1).trim() };
  return sql`${users.tags} @> ${JSON.stringify([wanted])}::jsonb`;
}

export type FilterParams = Pick<ListParams, 'q' | 'status' | 'role'> & Partial<Pick<ListParams, 'env' | 'tag' | 'idle' | 'sort'>>;

/** The filter of a list request: visibility, environment, search, status, role, tag, idle days. */
export function listFilter(principal: Principal, environmentId: string, params: FilterParams): SQL {
  // Inside one of the principal's own environments, membership of it already implies visibility.
  const ownEnvironment = principal.allEnvironments || principal.environmentIds.includes(environmentId);
  return and(
    ownEnvironment ? undefined : visibleTo(principal),
    inEnvironment(environmentId),
    params.q ? searchMatches(params.q) : undefined,
    params.status ? eq(users.status, params.status) : undefined,
    params.role ? eq(users.roleId, params.role) : undefined,
    params.env ? sql`${users.environmentIds} @> array[${params.env}]::uuid[]` : undefined,
    params.tag ? tagMatches(params.tag) : undefined,
    params.idle ? sql`coalesce(${users.lastSignInAt}, '-infinity'::timestamptz) < now() - make_interval(days => ${params.idle})` : undefined,
    params.sort === 'lockedAt' ? eq(users.status, 'locked') : undefined,
  )!;
}

type Cursor = (string | null)[];
const encodeCursor = (values: Cursor) => Buffer.from(JSON.stringify(values)).toString('base64url');
const VALID: Record<string, (v: string) => boolean> = {
  text: () => true,
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  timestamptz: (v) => v === '-infinity' || !Number.isNaN(Date.parse(v)),
};

/** A cursor from the URL, or null when it is not one this sort order could have made. */
function decodeCursor(cursor: string | undefined, casts: readonly string[]): Cursor | null {
  if (!cursor) return null;
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(values) && values.length === casts.length && values.every((v, i) => typeof v === 'string' && VALID[casts[i]!]!(v))
      ? (values as string[])
      : null;
  } catch {
    return null;
  }
}

export async function listUsers(q: Queryable, principal: Principal, environmentId: string, params: ListParams) {
  const narrow = params.q !== undefined && (await plannedRows(q, sql`select 1 from ${users} where ${searchMatches(params.q)}`)) <= SEARCH_SORT_LIMIT;
  const casts = [...KEY_CASTS[params.sort], 'uuid'];
  const [leading, ...rest] = SORTS[params.sort];
  // For a narrow search, a leading key the sort index does not match keeps the planner from walking
  // that index: it collects the hits and sorts them (same values, so cursors and order are unchanged).
  const fenced = narrow ? (casts[0] === 'text' ? sql`(${leading} || '')` : sql`(${leading} + interval '0')`) : leading;
  const keys = [fenced, ...rest, sql`${users.id}`];
  const after = decodeCursor(params.after, casts);
  const before = after ? null : decodeCursor(params.before, casts);
  const cursor = after ?? before;
  // Walking backwards (to the previous page) flips the order; the rows are flipped back below.
  const forward = before === null;
  const ascending = (params.dir === 'asc') === forward;
  const seek = cursor
    ? sql`(${sql.join(keys, sql`, `)}) ${sql.raw(ascending ? '>' : '<')} (${sql.join(
        cursor.map((v, i) => sql`${v}::${sql.raw(casts[i]!)}`),
        sql`, `,
      )})`
    : undefined;

  const found = await q
    .select({
      id: users.id,
      email: users.email,
      firstName: users.firstName,
      lastName: users.lastName,
      status: users.status,
      lastSignInAt: users.lastSignInAt,
      tags: users.tags,
      lockReason: users.lockReason,
      lockedAt: users.lockedAt,
      failedAttempts: users.failedAttempts,
      roleName: roles.name,
      allEnvironments: roles.allEnvironments,
      sortKey: sql<Cursor>`array[${sql.join(keys.map((k) => sql`(${k})::text`), sql`, `)}]`,
    })
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(and(listFilter(principal, environmentId, params), seek))
    .orderBy(...keys.map((k) => (ascending ? asc(k) : desc(k))))
    .limit(PAGE_SIZE + 1);

  const more = found.length > PAGE_SIZE;
  const page = found.slice(0, PAGE_SIZE);
  if (!forward) page.reverse();
  // Environment names for this page only (in the main query they would be computed for every row sorted).
  const names = page.length
    ? await q
        .select({ userId: userEnvironments.userId, name: environments.name })
        .from(userEnvironments)
        .innerJoin(environments, eq(environments.id, userEnvironments.environmentId))
        .where(inArray(userEnvironments.userId, page.map((u) => u.id)))
        .orderBy(asc(environments.name))
    : [];
  const first = page[0]?.sortKey;
  const last = page.at(-1)?.sortKey;
  return {
    users: page.map(({ sortKey: _key, ...user }) => ({ ...user, environments: names.filter((n) => n.userId === user.id).map((n) => n.name) })),
    next: last && (forward ? more : true) ? encodeCursor(last) : null,
    previous: first && (forward ? cursor !== null : more) ? encodeCursor(first) : null,
  };
}

export type UserRow = Awaited<ReturnType<typeof listUsers>>['users'][number];

/**
 * How many users match: exact up to `cap` (a bounded scan), the planner's estimate above it, so a
 * page view never counts a million rows.
 */
export async function countUsers(q: Queryable, filter: SQL, cap = 1000): Promise<{ count: number; exact: boolean }> {
  const base = sql`select 1 from ${users} inner join ${roles} on ${roles.id} = ${users.roleId} where ${filter}`;
  const [row] = await rows<{ n: number | string }>(q, sql`select count(*) as n from (${base} limit ${cap + 1}) bounded`);
  const n = Number(row?.n ?? 0);
  if (n <= cap) return { count: n, exact: true };
  return { count: Math.max(cap + 1, await plannedRows(q, base)), exact: false };
}

/** The planner's estimate of how many rows a query returns (EXPLAIN, nothing executed). */
async function plannedRows(q: Queryable, query: SQL): Promise<number> {
  const [plan] = await rows<{ 'QUERY PLAN': unknown }>(q, sql`explain (format json) ${query}`);
  const json = plan?.['QUERY PLAN'];
  const parsed = (typeof json === 'string' ? JSON.parse(json) : json) as [{ Plan: { 'Plan Rows': number } }];
  return Math.round(parsed[0].Plan['Plan Rows']);
}

/** Seats: people who hold or are about to hold access (active, locked, invited). API users never count. */
export const SEAT_STATUSES: UserStatus[] = ['active', 'locked', 'invited'];

export function countSeats(q: Queryable) {
  return countUsers(q, inArray(users.status, SEAT_STATUSES), 10_000);
}
