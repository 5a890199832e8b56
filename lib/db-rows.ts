// Raw statements return an array on postgres.js and { rows } on PGlite; callers get the rows either way.
import type { SQL } from 'drizzle-orm';
import type { Queryable } from '@/db/client';

export async function rows<T>(q: Queryable, statement: SQL): Promise<T[]> {
  const result = (await q.execute(statement)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
