// Keyset cursors of newest-first lists (outbox, past imports, audit log): the last row's time and id.
// The time keeps PostgreSQL's microseconds: a JS Date keeps milliseconds and would skip rows.
import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { isPgDate } from '@/lib/search-params';

/** A timestamptz column as a cursor writes it: UTC, to the microsecond. */
export const cursorTime = (column: AnyPgColumn) => sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
// "<UTC time with microseconds>_<uuid>": exactly what the lists write, nothing else.
const CURSOR = new RegExp(`^(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2})\\.(\\d{6})Z_(${UUID})$`);

/** A "<time>_<uuid>" cursor a list could have written (a real date, a uuid), or null. */
export function parseCursor(value: string): { at: string; id: string } | null {
  const match = CURSOR.exec(value);
  if (!match) return null;
  const [, seconds, micros, id] = match;
  const date = new Date(`${seconds}Z`);
  // Round trip, so 2024-02-30 or 25:00 (which Date would roll over) are refused.
  if (!isPgDate(date) || date.toISOString().slice(0, 19) !== seconds) return null;
  return { at: `${seconds}.${micros}Z`, id: id! };
}

/** Rows older than the cursor, newest first by (time, id). */
export const olderThan = (time: AnyPgColumn, id: AnyPgColumn, cursor: { at: string; id: string }): SQL =>
  sql`(${time}, ${id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`;
