// The All Users list: search, filters, sort and keyset pagination that stay fast at a million users.
// Every sort order has an index ending in the id (db/schema.ts); pages are reached by cursor, never
// OFFSET; counts are exact up to a cap and estimated by the planner above it.
//
// A search (substring of names or email) has two ways to its page, and which is cheap depends on
// numbers the planner cannot know (pg_trgm's estimates are off 4-100x, and say nothing of where the
// hits lie in the sort order): collect every hit through the trigram index and sort them (costs the
// number of hits), or walk the sort index from the cursor testing each row (costs the rows before
// the page's last hit). So neither is chosen from the planner's estimate: SEARCH_STEPS tries a short
// walk first, then a sample of the table (the hits it holds, and where they lie) picks the cheaper of
// the two; a collect also gives up past its budget of rows, and the first step that finishes has the
// exact page. Cursors from the URL are checked as PostgreSQL would check them.
import { and, asc, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Queryable } from '@/db/client';
import { environments, roles, userEnvironments, users, userStatus, type UserStatus } from '@/db/schema';
import { isSelf, type Principal } from '@/lib/auth/principal';
import { rows } from '@/lib/db-rows';
import { isPgText, isTimestamptzText, pageParams, textParam, UUID } from '@/lib/search-params';
import { changeRefusal, environmentsSeenBy, roleSpansAll, visibleTo } from './scope';

export const PAGE_SIZE = 50;

/** Users of the environment: its members, and those whose role spans every environment. */
export function inEnvironment(environmentId: string) {
  return or(roleSpansAll, sql`${users.environmentIds} @> array[${environmentId}]::uuid[]`);
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
  // Control characters (NUL, which PostgreSQL refuses in text) become spaces; longer searches are cut.
  q: z.unknown().transform((v) => (typeof v === 'string' ? textParam(v) : undefined)).optional(),
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

/**
 * The params of All Users and of its CSV export, read alike, so the file holds the view on screen: a
 * repeated key counts by its first value on both (the export took the last), and the Locked Users
 * order, which keeps only locked users, is not All Users' to take (it sorts by name).
 */
export function readListParams(raw: URLSearchParams | Record<string, string | string[] | undefined>): ListParams {
  const params = listParamsSchema.parse(pageParams(raw));
  return params.sort === 'lockedAt' ? { ...params, sort: 'name' } : params;
}

/**
 * The trigram index can collect the hits of a search holding three letters or digits in a row (pg_trgm's
 * trigrams never span a space or a dot), and of a search of just two ASCII letters or digits (see
 * pairMatches); for any other (a, "a.b", "é-") collecting would read the whole index, so such searches
 * only walk.
 */
const isPair = (q: string) => /^[a-z0-9]{2}$/i.test(q);
const collectable = (q: string) => isPair(q) || /[\p{L}\p{N}]{3}/u.test(q);

/**
 * The search folded as search_text is, then its LIKE wildcards escaped: escaped before folding, the
 * characters unaccent turns into them (full-width ％ ＿ ＼, and ∖ ﹪ ﹨) would act as wildcards ("％"
 * listed everyone).
 */
const foldedLike = (q: string) => sql`replace(replace(replace(userdesk_fold(${q}), '\\', '\\\\'), '%', '\\%'), '_', '\\_')`;
/**
 * A search without trigrams (see collectable) tests the column under the "C" collation, an expression
 * the trigram index does not match: pg_trgm would answer it by reading every posting list of that index
 * (0.6 s at a million users, for the count of a two-letter search) only to return every row for the
 * recheck. LIKE finds the same rows under either collation (both compare characters exactly), and the
 * fence costs nothing per row (it was `search_text || ''`: a copy of the text per row, a sixth of a walk).
 */
const searchMatches = (q: string) =>
  isPair(q)
    ? pairMatches(q)
    : sql`${collectable(q) ? users.searchText : sql`(${users.searchText} collate "C")`} like '%' || ${foldedLike(q)} || '%'`;

/** Text holding a character beyond ASCII; the partial index users_search_non_ascii_idx lists those rows (migration 0022). */
const NON_ASCII = sql`${users.searchText} ~ '[^\\x01-\\x7f]'`;

/**
 * Two letters or digits ("ze") make no trigram, but every row holding them holds one of a known few:
 * pg_trgm pads each word with blanks, so "ze" opening a word makes the trigram " ze", and "ze" after
 * another character c of its word makes "cze". The regex below names exactly those (start, or any ASCII
 * character before the pair), and pg_trgm turns it into an OR of those trigrams: the index finds the
 * rows (24,116 of 1,000,000 in 15 ms) where LIKE could only read it all. A character beyond ASCII before
 * the pair makes a trigram pg_trgm stores hashed, which no regex can name: rows with such characters
 * come from a partial index of their own. The LIKE comes first, so a walk tests the regex only on hits.
 */
const pairMatches = (q: string) =>
  sql`(${users.searchText} like '%' || lower(${q}) || '%' and (${users.searchText} ~ ('(^|[\\x01-\\x7f])' || lower(${q})) or ${NON_ASCII}))`;

/** A tag filter as the jsonb containment it means: `[{"name": ...}]` or `[{"name": ..., "value": ...}]`. */
function tagMatches(tag: string) {
  const at = tag.indexOf('=');
  const wanted = at < 0 ? { name: tag.trim() } : { name: tag.slice(0, at).trim(), value: tag.slice(at + 1).trim() };
  return sql`${users.tags} @> ${JSON.stringify([wanted])}::jsonb`;
}

export type FilterParams = Pick<ListParams, 'q' | 'status' | 'role'> & Partial<Pick<ListParams, 'env' | 'tag' | 'idle' | 'sort'>>;

/**
 * The filter of a list request: visibility, environment, search, status, role, tag, idle days. Idle
 * days count back from `at` when given (the time a list was read: "all matching" then means the users
 * idle when it was shown, not also those who crossed the line since), else from now.
 */
export function listFilter(principal: Principal, environmentId: string, params: FilterParams, at?: Date): SQL {
  // Inside one of the principal's own environments, membership of it already implies visibility.
  const ownEnvironment = principal.allEnvironments || principal.environmentIds.includes(environmentId);
  // The search first: a walk tests the filter row by row, in this order, and most rows fail the search,
  // so the environment tests (array containment) run only for the few that pass it.
  return and(
    params.q ? searchMatches(params.q) : undefined,
    ownEnvironment ? undefined : visibleTo(principal),
    inEnvironment(environmentId),
    params.status ? eq(users.status, params.status) : undefined,
    params.role ? eq(users.roleId, params.role) : undefined,
    params.env ? sql`${users.environmentIds} @> array[${params.env}]::uuid[]` : undefined,
    params.tag ? tagMatches(params.tag) : undefined,
    params.idle ? sql`coalesce(${users.lastSignInAt}, '-infinity'::timestamptz) < ${at ? sql`${at.toISOString()}::timestamptz` : sql`now()`} - make_interval(days => ${params.idle})` : undefined,
    params.sort === 'lockedAt' ? eq(users.status, 'locked') : undefined,
  )!;
}

type Cursor = (string | null)[];
const encodeCursor = (values: Cursor) => Buffer.from(JSON.stringify(values)).toString('base64url');
// What PostgreSQL accepts for each cast of a cursor value (a value it refuses would be a 500).
const VALID: Record<string, (v: string) => boolean> = {
  text: isPgText,
  uuid: (v) => UUID.test(v),
  timestamptz: isTimestamptzText,
};

/** A cursor from the URL, or null when it is not one this sort order could have made. */
export function decodeCursor(cursor: string | undefined, casts: readonly string[]): Cursor | null {
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

/** True when the cursor is one this sort order makes: the API refuses any other rather than start again. */
export const isCursorOf = (cursor: string, sort: SortKey) => decodeCursor(cursor, [...KEY_CASTS[sort], 'uuid']) !== null;

/**
 * One step of a search: `collect` takes the hits from the trigram index (at most `limit` of them,
 * else the step gives up) and sorts them; `walk` reads the sort index in order from the cursor,
 * testing each row, for at most `limit` rows (else it gives up). A step that does not give up has
 * the exact page. `limit: null` means no limit.
 */
export type SearchStep = { kind: 'collect' | 'walk'; limit: number | null };

/**
 * Cheap steps first, each bounded, so that no search costs much more than the cheaper of the two
 * ways for it. A short walk (5,000 index entries, read without touching the table: a few ms) answers
 * a broad search whose hits are spread through the sort order. Past it, a sample of the table (see
 * estimateSearch) says which way is cheaper: collecting the hits (at most 60,000), or walking on to
 * the page, in one pass of the sort index, or, when that pass would be most of the index, reading the
 * whole table and sorting its hits (scanHits).
 */
export const SEARCH_STEPS: readonly SearchStep[] = [
  { kind: 'walk', limit: 5_000 },
  { kind: 'collect', limit: 60_000 },
  { kind: 'walk', limit: null },
];

export async function listUsers(q: Queryable, principal: Principal, environmentId: string, params: ListParams, steps: readonly SearchStep[] = SEARCH_STEPS) {
  const casts = [...KEY_CASTS[params.sort], 'uuid'];
  const [leading, ...rest] = SORTS[params.sort];
  const keys = [leading, ...rest, sql`${users.id}`];
  // The same keys, with a leading one the sort index does not match: it keeps the planner from
  // walking that index when the hits are to be collected and sorted (same values, same order).
  const fenced = [casts[0] === 'text' ? sql`(${leading} || '')` : sql`(${leading} + interval '0')`, ...keys.slice(1)];
  const after = decodeCursor(params.after, casts);
  const before = after ? null : decodeCursor(params.before, casts);
  const cursor = after ?? before;
  // Walking backwards (to the previous page) flips the order; the rows are flipped back below.
  const forward = before === null;
  const ascending = (params.dir === 'asc') === forward;
  const seek = (k: SQL[]) =>
    cursor
      ? sql`(${sql.join(k, sql`, `)}) ${sql.raw(ascending ? '>' : '<')} (${sql.join(
          cursor.map((v, i) => sql`${v}::${sql.raw(casts[i]!)}`),
          sql`, `,
        )})`
      : undefined;
  const filter = listFilter(principal, environmentId, params);
  // The Locked Users order lives in a partial index (users_locked_idx): a walk must say so to use it.
  const from = and(params.sort === 'lockedAt' ? eq(users.status, 'locked') : undefined, seek(keys));

  // A search finds the ids of its page by the first step that does not give up; the rows are then
  // read by id. Without a search (or when every bounded step gave up) the planner walks the sort index.
  let ids: string[] | null = null;
  let strategy: SearchStep['kind'] | 'scan' | 'planner' = 'planner';
  // Without a search, Locked Users still walks its partial index first: the planner would rather read
  // every locked user's row and sort them (30,000 rows after an attack) than stop after a page.
  const tried = params.q ? steps.filter((s) => s.kind === 'walk' || collectable(params.q!)) : params.sort === 'lockedAt' ? steps.filter((s) => s.kind === 'walk' && s.limit !== null) : [];
  // A sample (a few ms) says which way to the page is cheaper, for a bounded collect or an unbounded
  // walk. It runs beside the first step (on another connection of the pool), so it costs a search next
  // to nothing when that step finds the page, and little when it does not. It only advises: a sample
  // that fails leaves the steps as they are.
  const advised = (s: SearchStep) => (s.kind === 'collect') === (s.limit !== null);
  const estimating = params.q && tried.some(advised) ? estimateSearch(q, filter, keys, from, ascending).catch(() => null) : null;
  let skipped = false;
  for (const step of tried) {
    const estimate = advised(step) ? await estimating : null;
    if (step.kind === 'collect' && estimate && !estimate.collect(step.limit!)) {
      skipped = true;
      continue;
    }
    // A walk that would read most of the sort index reads the table instead (see scanHits).
    const scan = step.kind === 'walk' && step.limit === null && estimate?.scan === true;
    ids = scan
      ? await scanHits(q, filter, fenced, seek(fenced), ascending)
      : step.kind === 'collect'
        ? await collectHits(q, filter, fenced, seek(fenced), ascending, step.limit)
        : step.limit !== null
          ? await walkSortIndex(q, filter, keys, from, ascending, step.limit)
          : await walkOn(q, filter, keys, from, ascending);
    if (ids) {
      strategy = scan ? 'scan' : step.kind;
      break;
    }
  }
  const order = ids ? fenced : keys;
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
      rolePermissions: roles.permissions,
      environmentIds: users.environmentIds,
      sortKey: sql<Cursor>`array[${sql.join(order.map((k) => sql`(${k})::text`), sql`, `)}]`,
    })
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(ids ? inArray(users.id, ids.length ? ids : [NO_ID]) : and(filter, seek(keys)))
    .orderBy(...order.map((k) => (ascending ? asc(k) : desc(k))))
    .limit(PAGE_SIZE + 1);

  const more = found.length > PAGE_SIZE;
  const page = found.slice(0, PAGE_SIZE);
  if (!forward) page.reverse();
  // Environment names for this page only (in the main query they would be computed for every row sorted).
  const names = page.length
    ? await q
        .select({ userId: userEnvironments.userId, environmentId: userEnvironments.environmentId, name: environments.name })
        .from(userEnvironments)
        .innerJoin(environments, eq(environments.id, userEnvironments.environmentId))
        .where(inArray(userEnvironments.userId, page.map((u) => u.id)))
        .orderBy(asc(environments.name))
    : [];
  const first = page[0]?.sortKey;
  const last = page.at(-1)?.sortKey;
  return {
    users: page.map(({ sortKey: _key, rolePermissions, environmentIds, ...user }) => {
      const seen = environmentsSeenBy(principal, names.filter((n) => n.userId === user.id));
      return {
        ...user,
        /** The names of those the viewer works in; `otherEnvironments` counts the rest (environmentsSeenBy). */
        environments: seen.names,
        otherEnvironments: seen.others,
        /** Whether the viewer may change this user at all (the same test every change makes): the row offers no action otherwise. */
        changeable: changeRefusal(principal, { email: user.email, rolePermissions, roleAllEnvironments: user.allEnvironments }, environmentIds) === null,
        /** The viewer's own row: nobody bans, resets, re-roles or removes themselves (lib/users refuses each). */
        self: isSelf(principal, user.id),
      };
    }),
    next: last && (forward ? more : true) ? encodeCursor(last) : null,
    previous: first && (forward ? cursor !== null : more) ? encodeCursor(first) : null,
    /** Which way the page was found, and whether a sample ruled out collecting (for tests and the benchmark). */
    strategy,
    skipped,
  };
}

const NO_ID = '00000000-0000-0000-0000-000000000000';

/** What a sample of the table says of a search: whether to collect its hits, and whether a walk to its page would read most of the sort index. */
type SearchEstimate = { collect: (limit: number) => boolean; scan: boolean };

// Costs at a million users on this machine's PostgreSQL (default settings, so most pages come from the
// OS cache): a collected hit, about 6 µs (a table page each, then the sort); an entry walked, about
// 0.4 µs (index-only, tested in place); a row of the whole table read and tested, about 0.25 µs (on
// parallel workers, then a sort of the hits).
const COST = { hit: 6, entry: 0.4, row: 0.25 };

/**
 * A search's costs, judged on a sample of about 3,000 rows (whole pages, the same ones each time:
 * TABLESAMPLE SYSTEM ... REPEATABLE; 3 ms at a million users, in the same statement as the table's
 * analyzed row count, which scales it): the hits it holds past the cursor say how many a collect would
 * fetch, and how many sampled entries of the walk come before the first of them (by the leading key:
 * close enough, and cheap), with their density after it, say how far a walk must go. A small table is
 * sampled whole; one never analyzed is not sampled (null: the steps then run as they are).
 */
async function estimateSearch(q: Queryable, filter: SQL, keys: SQL[], from: SQL | undefined, ascending: boolean): Promise<SearchEstimate | null> {
  const [first, before] = ascending ? [sql`min`, sql`<`] : [sql`max`, sql`>`];
  const [sample] = await rows<Record<'total' | 'sampled' | 'walked' | 'hits' | 'before', number | string>>(
    q,
    sql`with size as (select reltuples as total from pg_class where oid = 'users'::regclass),
        sampled as materialized (
          select ${keys[0]} as lead, ${from ? sql`coalesce(${from}, false)` : sql`true`} as walked, coalesce(${filter}, false) as hit from ${users}
          tablesample system ((select least(100, greatest(0.05, 300000 / nullif(total, 0)))::real from size)) repeatable (7))
        select (select total from size) as total, count(*) as sampled, count(*) filter (where walked) as walked, count(*) filter (where walked and hit) as hits,
               count(*) filter (where walked and lead ${before} coalesce((select ${first}(lead) from sampled where walked and hit), lead)) as before
        from sampled`,
  );
  const total = Number(sample?.total ?? -1);
  const sampled = Number(sample?.sampled ?? 0);
  if (!(total > 0) || sampled === 0) return null;
  const scale = total / sampled;
  const hits = Number(sample!.hits) * scale;
  // To the first hit, then on at the hits' density until the page is full (a sample this size places the
  // first hit, not the 51st: with 100 hits in a million, the page ends half-way down). No sampled hit:
  // maybe to the end of the index.
  const walk = (hits === 0 ? Number(sample!.walked) * scale : Number(sample!.before) * scale + ((PAGE_SIZE + 1) * total) / hits) * COST.entry;
  const scan = total * COST.row;
  return { collect: (limit) => hits <= limit && hits * COST.hit < Math.min(walk, scan), scan: walk > scan };
}
const direction = (ascending: boolean) => sql.raw(ascending ? 'asc' : 'desc');
const orderOf = (count: number, ascending: boolean) => sql.raw(Array.from({ length: count }, (_, i) => `k${i} ${ascending ? 'asc' : 'desc'}`).join(', '));
const keyColumns = (keys: SQL[]) => sql.join(keys.map((k, i) => sql`${k} as ${sql.raw(`k${i}`)}`), sql`, `);

/** The ids of the page (PAGE_SIZE + 1 rows, sorted) from the hits the trigram index finds; null when there are more than `limit` hits. */
async function collectHits(q: Queryable, filter: SQL, keys: SQL[], seek: SQL | undefined, ascending: boolean, limit: number | null): Promise<string[] | null> {
  const found = await rows<{ id: string | null; hits: number | string }>(
    q,
    sql`with hits as materialized (
          select ${users.id} as id, ${keyColumns(keys)} from ${users}
          where ${and(filter, seek)} ${limit === null ? sql`` : sql`limit ${limit + 1}`})
        select page.id, total.hits from (select count(*) as hits from hits) total
        left join lateral (select id from hits order by ${orderOf(keys.length, ascending)} limit ${PAGE_SIZE + 1}) page on true`,
  );
  if (limit !== null && Number(found[0]?.hits ?? 0) > limit) return null;
  return found.flatMap((r) => (r.id ? [r.id] : []));
}

/**
 * The ids of the page from walking the sort index from the cursor; null when `limit` rows were read
 * without filling it. The sort indexes carry the columns a search tests (migration
 * users_sort_covering), so this is an index-only scan, and it stops as soon as the page is full.
 */
async function walkSortIndex(q: Queryable, filter: SQL, keys: SQL[], seek: SQL | undefined, ascending: boolean, limit: number): Promise<string[] | null> {
  const page = (await rows<{ id: string }>(q, hitsAmong(filter, keys, seek, ascending, limit))).map((r) => r.id);
  if (page.length > PAGE_SIZE) return page;
  // Whether the budget ran out is asked only when the page is not full (a second pass over the walk:
  // most searches fill their page in the first rows).
  return (await rows(q, entryAt(keys, seek, ascending, limit))).length === 0 ? page : null;
}

/**
 * The ids of the page from walking the sort index from the cursor until the page is full, in one
 * index-only pass. The filter is wrapped so that the planner takes every other row for a hit: asked for
 * the page with its own estimate of a search's hits (off 4-100x), it would rather read the whole table
 * and sort the hits (500-800 ms at a million users) even when the page is a few thousand entries on.
 */
async function walkOn(q: Queryable, filter: SQL, keys: SQL[], from: SQL | undefined, ascending: boolean): Promise<string[]> {
  const found = await rows<{ id: string }>(
    q,
    sql`select ${users.id} as id from ${users} where ${and(from, sql`coalesce(${filter}, false)`)} order by ${byKeys(keys, ascending)} limit ${PAGE_SIZE + 1}`,
  );
  return found.map((r) => r.id);
}

/**
 * The ids of the page from every hit, sorted by keys no index matches (`fenced`), so the planner cannot
 * walk a sort index for them: it reads the table on parallel workers, or the trigram index's hits
 * (about 200 ms at a million users for no hit at all; 150 ms for 40,000 hits). Left the plan, with the
 * sort index's own order and every column of the page to read, it walked that index fetching each row
 * from the table: 2.2 s for "más" in email order.
 */
async function scanHits(q: Queryable, filter: SQL, fenced: SQL[], seek: SQL | undefined, ascending: boolean): Promise<string[]> {
  const found = await rows<{ id: string }>(q, sql`select ${users.id} as id from ${users} where ${and(filter, seek)} order by ${byKeys(fenced, ascending)} limit ${PAGE_SIZE + 1}`);
  return found.map((r) => r.id);
}

const byKeys = (keys: SQL[], ascending: boolean) => sql.join(keys.map((k) => sql`${k} ${direction(ascending)}`), sql`, `);

/**
 * The hits (a page and one at most) among the next `limit` entries of the sort index after `seek`,
 * tested as the index-only scan reads them. The test is a column of the walk, filtered outside it: no per-row work
 * beyond the scan and the test (numbering the rows there cost twice the walk).
 */
const hitsAmong = (filter: SQL, keys: SQL[], seek: SQL | undefined, ascending: boolean, limit: number) =>
  sql`select id from (
        select ${users.id} as id, ${keyColumns(keys)}, coalesce(${filter}, false) as hit from ${users}
        ${seek ? sql`where ${seek}` : sql``} order by ${byKeys(keys, ascending)} limit ${limit}) walked
      where hit order by ${orderOf(keys.length, ascending)} limit ${PAGE_SIZE + 1}`;

/** The keys of the entry `n` places after `seek` in the sort index (no row when it ends before). */
const entryAt = (keys: SQL[], seek: SQL | undefined, ascending: boolean, n: number) =>
  sql`select array[${sql.join(keys.map((_, i) => sql.raw(`k${i}::text`)), sql`, `)}] as at from (
        select ${keyColumns(keys)} from ${users} ${seek ? sql`where ${seek}` : sql``}
        order by ${byKeys(keys, ascending)} offset ${n - 1} limit 1) entry`;

export type UserRow = Awaited<ReturnType<typeof listUsers>>['users'][number];

/**
 * How many users match: exact up to `cap` (a bounded scan), the planner's estimate above it, so a
 * page view never counts a million rows.
 */
export async function countUsers(q: Queryable, filter: SQL, cap = 1000): Promise<{ count: number; exact: boolean }> {
  const base = sql`select 1 from ${users} where ${filter}`;
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

/**
 * When a list page was read, by the database's clock (the one sign-in stamps locks with, and rows their
 * creation): its "all N matching" then leaves out whoever began to match later (runBulk's `readAt`).
 */
export async function listReadAt(q: Queryable): Promise<string> {
  // Rounded up to the millisecond a Date holds, so a change in the same millisecond as the read is in.
  const [row] = await rows<{ at: Date | string }>(q, sql`select date_trunc('milliseconds', clock_timestamp()) + interval '1 millisecond' as at`);
  return new Date(row!.at).toISOString();
}

/** Seats: people who hold or are about to hold access (active, locked, invited). API users never count. */
export const SEAT_STATUSES: UserStatus[] = ['active', 'locked', 'invited'];

export function countSeats(q: Queryable) {
  return countUsers(q, inArray(users.status, SEAT_STATUSES), 10_000);
}
