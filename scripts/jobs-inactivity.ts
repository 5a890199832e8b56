// `npm run jobs:inactivity`: runs the automatic-inactivation job once (cron-friendly).
import { getClient } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { runInactivityJob } from '@/lib/jobs/inactivity';
import { runCli } from './cli';

await runCli(async () => {
  await runMigrations();
  const result = await runInactivityJob(getClient().db);
  console.log(result.ran ? `Inactivated ${result.inactivated} user(s).` : 'Skipped: another instance is running it, or setup is not done.');
});
