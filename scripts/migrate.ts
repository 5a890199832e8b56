// `npm run db:migrate`: applies the committed migrations to DATABASE_URL or the embedded database.
import { closeClient } from '@/db/client';
import { runMigrations } from '@/db/migrate';

await runMigrations();
await closeClient();
console.log(`Migrations applied to ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'the embedded database'}.`);
