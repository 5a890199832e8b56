// copyRows on both drivers: rows arrive escaped, and a COPY the server refuses rejects (never hangs),
// even when the refusal comes after the last row was sent.
import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { rows } from '@/lib/db-rows';
import { copyRows } from './copy';
import { probeDb, sqlState } from './testing/copy-probe';

let db: Db;
beforeAll(async () => {
  db = await probeDb();
});

it('copies text with tabs, newlines, backslashes and nulls as it was', async () => {
  const notes = ['a\tb', 'line\nbreak', 'back\\slash', '\\N', null, 'é ✓'];
  await db.transaction((tx) => copyRows(tx, 'copy_probe', ['id', 'note'], notes.map((note, i) => [1000 + i, note])));
  const back = await rows<{ note: string | null }>(db, sql`select note from copy_probe where id >= 1000 and id < 1100 order by id`);
  expect(back.map((r) => r.note)).toEqual(notes);
});

it('a refused row (a duplicate key in the last row) rejects the COPY, and nothing of it stays', async () => {
  await db.execute(sql`insert into copy_probe (id) values (2000)`);
  const many = Array.from({ length: 3000 }, (_, i) => [3000 + i, 'x'.repeat(100)] as const);
  const attempt = db.transaction((tx) => copyRows(tx, 'copy_probe', ['id', 'note'], [...many, [2000, 'again']]));
  await expect(attempt).rejects.toSatisfy((error) => sqlState(error) === '23505');
  expect((await rows<{ n: number }>(db, sql`select count(*)::int as n from copy_probe where id >= 3000 and id < 7000`))[0]!.n).toBe(0);
});
