// `npm run db:seed -- --users N`: adds N realistic users to DATABASE_URL or the embedded database.
// One transaction: before setup, or on any failure, nothing is written.
import { parseArgs } from 'node:util';
import { count } from 'drizzle-orm';
import postgres from 'postgres';
import { getClient } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { users } from '@/db/schema';
import { seedContext, seedPglite, seedPostgres } from '@/db/seed';
import { runCli, UsageError } from './cli';

await runCli(async () => {
  const { values } = parseArgs({ options: { users: { type: 'string', default: '1000' } } });
  const n = Number(values.users);
  if (!Number.isInteger(n) || n < 1) throw new UsageError('--users must be a positive whole number, e.g. --users 100000');

  const { db } = getClient();
  await runMigrations();
  const [{ existing }] = (await db.select({ existing: count() }).from(users)) as [{ existing: number }];
  const started = performance.now();
  if (process.env.DATABASE_URL) {
    const sql = postgres(process.env.DATABASE_URL, { max: 8, onnotice: () => {} });
    try {
      await seedPostgres(sql, seedContext, n, existing);
    } finally {
      await sql.end();
    }
  } else {
    await db.transaction(async (tx) => seedPglite(tx, await seedContext(tx), n, existing));
  }
  console.log(`Seeded ${n.toLocaleString('en')} users in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
});
