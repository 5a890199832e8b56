// The one database client: postgres.js when DATABASE_URL is set, embedded PGlite otherwise.
// Cached on globalThis so dev hot reload and per-route bundles share one connection pool / one PGlite.
// An embedded-database folder is opened by one process at a time (see db/lock.mjs): a second process
// is refused here, before it can read or write anything.
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { mkdirSync } from 'node:fs';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { acquireDatabaseLock } from './lock';
import * as schema from './schema';

export type Db = PostgresJsDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Anything queries can run on: the client or an open transaction. */
export type Queryable = Db | Tx;

type Client = { db: Db; driver: 'postgres' | 'pglite'; close: () => Promise<void> };

const globalForDb = globalThis as unknown as { userdeskDb?: Client };

export function openClient(databaseUrl: string | undefined, pgliteDir: string): Client {
  if (databaseUrl) {
    const sql = postgres(databaseUrl, { max: 10, onnotice: () => {} });
    return { db: drizzlePostgres(sql, { schema, casing: 'snake_case' }), driver: 'postgres', close: () => sql.end() };
  }
  let release = () => {};
  if (!pgliteDir.startsWith('memory://')) {
    mkdirSync(pgliteDir, { recursive: true });
    release = acquireDatabaseLock(pgliteDir);
  }
  const pg = new PGlite(pgliteDir, { extensions: { pg_trgm, unaccent } });
  const db = drizzlePglite(pg, { schema, casing: 'snake_case' }) as unknown as Db;
  return { db, driver: 'pglite', close: () => pg.close().finally(release) };
}

export function getClient(): Client {
  globalForDb.userdeskDb ??= openClient(
    process.env.DATABASE_URL || undefined,
    process.env.PGLITE_DIR || '.data/pglite',
  );
  return globalForDb.userdeskDb;
}

/** Closes the cached client (scripts and tests). */
export async function closeClient(): Promise<void> {
  const client = globalForDb.userdeskDb;
  globalForDb.userdeskDb = undefined;
  await client?.close();
}
