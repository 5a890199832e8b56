// Raw statements return an array on postgres.js and { rows } on PGlite; callers get the rows either way.
// Also: telling a unique index's refusal from other database errors.
import type { SQL } from 'drizzle-orm';
import type { Db, Queryable } from '@/db/client';

export async function rows<T>(q: Queryable, statement: SQL): Promise<T[]> {
  const result = (await q.execute(statement)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

type PostgresJs = { unsafe: (query: string, params: unknown[], options: { prepare: boolean }) => Promise<unknown[]> };
type Pglite = { query: (query: string, params: unknown[]) => Promise<{ rows: unknown[] }> };
type Internals = { dialect: { sqlToQuery: (statement: SQL) => { sql: string; params: unknown[] } }; session: { client: PostgresJs | Pglite } };

/**
 * `rows` for a hot path: the statement is prepared on the server (parsed and planned once per
 * connection, keyed by its text), so its text must not vary with the values: every value a parameter.
 */
export async function preparedRows<T>(q: Db, statement: SQL): Promise<T[]> {
  const { dialect, session } = q as unknown as Internals;
  const { sql: text, params } = dialect.sqlToQuery(statement);
  const client = session.client;
  return ('unsafe' in client ? await client.unsafe(text, params, { prepare: true }) : (await client.query(text, params)).rows) as T[];
}

/** True for PostgreSQL's unique violation on that index (postgres.js, PGlite, or wrapped by drizzle). */
export function isUniqueViolation(error: unknown, index: string): boolean {
  for (let e = error as { code?: string; constraint?: string; constraint_name?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505') return (e.constraint_name ?? e.constraint) === index;
  }
  return false;
}

/** The SQLSTATE of a database error (postgres.js, PGlite, or wrapped by drizzle), if it is one. */
export function pgErrorCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e && typeof e === 'object'; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

/**
 * Runs `work` (a whole transaction) again when PostgreSQL ended it to break a deadlock (40P01): the
 * other transaction has committed or is about to, and the work, done again, reads what it left.
 */
export async function retryOnDeadlock<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || pgErrorCode(error) !== '40P01') throw error;
    }
  }
}

/**
 * Runs a write that a unique index may refuse, and throws `refusal()` instead of that index's error: a
 * check before the write cannot see a concurrent one, nor fold letters exactly as PostgreSQL's lower() does.
 */
export async function onUniqueViolation<T>(index: string, refusal: () => Error, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error, index)) throw refusal();
    throw error;
  }
}
