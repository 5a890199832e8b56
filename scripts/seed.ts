// `npm run db:seed -- --users N`: adds N realistic users to DATABASE_URL or the embedded database.
import { parseArgs } from 'node:util';
import { count } from 'drizzle-orm';
import postgres from 'postgres';
import { closeClient, getClient } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { users } from '@/db/schema';
import { seedContext, seedPglite, seedPostgres } from '@/db/seed';

const { values } = parseArgs({ options: { users: { type: 'string', default: '1000' } } });
const n = Number(values.users);
if (!Number.isInteger(n) || n < 1) throw new Error('--users must be a positive whole number, e.g. --users 100000');

await runMigrations();
const { db } = getClient();
const ctx = await seedContext(db);
const [{ existing }] = (await db.select({ existing: count() }).from(users)) as [{ existing: number }];
const started = performance.now();
if (process.env.DATABASE_URL) {
  const sql = postgres(process.env.DATABASE_URL, { max: 8, onnotice: () => {} });
  await seedPostgres(sql, ctx, n, existing);
  await sql.end();
} else {
  await seedPglite(db, ctx, n, existing);
}
await closeClient();
console.log(`Seeded ${n.toLocaleString('en')} users in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
