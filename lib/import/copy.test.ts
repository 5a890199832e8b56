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

it('takes rows from a generator, made as their chunks are sent, and nothing from an empty one', async () => {
  let made = 0;
  function* notes() {
    for (let i = 0; i < 1_234; i++) {
      made++;
      yield [10_000 + i, `note ${i}`] as const;
    }
  }
  await db.transaction(async (tx) => {
    await copyRows(tx, 'copy_probe', ['id', 'note'], notes());
    await copyRows(tx, 'copy_probe', ['id', 'note'], (function* () {})());
  });
  expect(made).toBe(1_234);
  const [copied] = await rows<{ n: number; last: string }>(db, sql`select count(*)::int as n, max(note) filter (where id = 11233) as last from copy_probe where id between 10000 and 11233`);
  expect(copied).toEqual({ n: 1_234, last: 'note 1233' });
});

it('a generator that fails part way rejects with its error, and none of its rows stay', async () => {
  function* failing() {
    for (let i = 0; i < 1_500; i++) {
      if (i === 1_200) throw new Error('no row 1200');
      yield [20_000 + i, 'x'] as const;
    }
  }
  await expect(db.transaction((tx) => copyRows(tx, 'copy_probe', ['id', 'note'], failing()))).rejects.toThrow('no row 1200');
  expect((await rows<{ n: number }>(db, sql`select count(*)::int as n from copy_probe where id >= 20000 and id < 22000`))[0]!.n).toBe(0);
  // The connection is usable after the abandoned COPY.
  await db.transaction((tx) => copyRows(tx, 'copy_probe', ['id', 'note'], [[21_999, 'after']]));
  expect((await rows<{ note: string }>(db, sql`select note from copy_probe where id = 21999`))[0]!.note).toBe('after');
});
