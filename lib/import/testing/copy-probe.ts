// For the copyRows tests: the test database with a small table to COPY into, and the SQLSTATE of an
// error (drizzle wraps the driver's error in `cause`).
import { sql } from 'drizzle-orm';
import { testDb } from '@/db/testing';

export async function probeDb() {
  const db = await testDb();
  await db.execute(sql`create table if not exists copy_probe (id int primary key, note text)`);
  return db;
}

export const sqlState = (error: unknown): string | undefined => {
  const e = error as { code?: string; cause?: unknown } | null;
  return e?.code ?? (e?.cause ? sqlState(e.cause) : undefined);
};
