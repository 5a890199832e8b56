// `npm run db:migrate`: applies the committed migrations to DATABASE_URL or the embedded database.
import { runMigrations } from '@/db/migrate';
import { runCli } from './cli';

await runCli(async () => {
  await runMigrations();
  console.log(`Migrations applied to ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'the embedded database'}.`);
});
