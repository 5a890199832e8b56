// Applies the committed drizzle-kit migrations. Safe to run from several instances at once.
import path from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import postgres from 'postgres';
import { getClient } from './client';

const migrationsFolder = path.join(process.cwd(), 'db', 'migrations');
const MIGRATION_LOCK = 7_311_001;

export async function runMigrations(databaseUrl = process.env.DATABASE_URL || undefined): Promise<void> {
  if (!databaseUrl) {
    await migratePglite(getClient().db as unknown as PgliteDatabase, { migrationsFolder });
    return;
  }
  // One connection, so the session-level advisory lock covers the whole run: one instance
  // migrates while the others wait, then find nothing left to apply.
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migratePostgres(drizzle(sql), { migrationsFolder });
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
  } finally {
    await sql.end();
  }
}
