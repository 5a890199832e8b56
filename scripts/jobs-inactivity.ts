// `npm run jobs:inactivity`: runs the automatic-inactivation job once (cron-friendly).
import { closeClient, getClient } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { runInactivityJob } from '@/lib/jobs/inactivity';

await runMigrations();
const result = await runInactivityJob(getClient().db);
await closeClient();
console.log(result.ran ? `Inactivated ${result.inactivated} user(s).` : 'Skipped: another instance is running it, or setup is not done.');
