// COPY ... FROM STDIN for bulk writes: the fastest way rows get into PostgreSQL, on both drivers
// (postgres.js's writable COPY stream; PGlite's COPY from '/dev/blob'), inside the caller's transaction.
import type { Queryable } from '@/db/client';

type PostgresJs = { unsafe: (query: string) => { writable: () => Promise<NodeJS.WritableStream> } };
type Pglite = { query: (query: string, params: unknown[], options: { blob: Blob }) => Promise<unknown> };

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value in COPY's text format: null as \N, backslash and the separators escaped. */
export const copyValue = (value: string | number | boolean | null | undefined) =>
  value === null || value === undefined ? '\\N' : String(value).replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!);

/** Copies rows (already in column order) into table; identifiers are the caller's constants, never input. */
export async function copyRows(q: Queryable, table: string, columns: readonly string[], rows: readonly (readonly (string | number | boolean | null | undefined)[])[]) {
  if (rows.length === 0) return;
  const lines: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) lines[i] = rows[i]!.map(copyValue).join('\t');
  const data = `${lines.join('\n')}\n`;
  const statement = `copy ${table} (${columns.join(', ')}) from`;
  const client = (q as unknown as { session: { client: PostgresJs | Pglite } }).session.client;
  if ('unsafe' in client) {
    const stream = await client.unsafe(`${statement} stdin`).writable();
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('finish', () => resolve());
      stream.end(data);
    });
  } else await client.query(`${statement} '/dev/blob'`, [], { blob: new Blob([data]) });
}
