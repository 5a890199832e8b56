// copyRows on PostgreSQL with a second transaction in the way: a COPY whose refusal comes after its
// last row was sent (postgres.js reports it only to the query, not to the stream) rejects, never hangs.
import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { copyRows } from './copy';
import { probeDb, sqlState } from './testing/copy-probe';

let db: Db;
beforeAll(async () => {
  db = await probeDb();
});

it('a COPY waiting on another transaction’s row rejects once that one commits (it used to wait for ever)', async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let inserted!: () => void;
  const ready = new Promise<void>((resolve) => (inserted = resolve));
  const other = db.transaction(async (tx) => {
    await tx.execute(sql`insert into copy_probe (id) values (8000)`);
    inserted();
    await held;
  });
  await ready;
  // Every row is sent before the server meets 8000 and waits for the other transaction.
  const copy = db.transaction((tx) => copyRows(tx, 'copy_probe', ['id', 'note'], [[8001, 'a'], [8000, 'b']]));
  const outcome = copy.then(
    () => 'copied',
    (error: unknown) => sqlState(error),
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  release();
  await other;
  expect(await Promise.race([outcome, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 10_000))])).toBe('23505');
});
