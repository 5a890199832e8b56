// For resume.test.ts: claims the given import and runs it until the second batch is written but not
// committed, says "mid-batch" on stdout, and waits there to be killed (kill -9).
import { getClient } from '@/db/client';
import { claimJob, runJob } from '@/lib/import/run';

const [jobId, batchSize] = process.argv.slice(2);
const { db } = getClient();
const claimed = await claimJob(db);
if (claimed !== jobId) throw new Error(`Claimed ${claimed}, expected ${jobId}`);
await runJob(db, jobId!, {
  batchSize: Number(batchSize),
  insideBatch: async (index) => {
    if (index < 1) return;
    process.stdout.write('mid-batch\n');
    await new Promise(() => setInterval(() => {}, 1000));
  },
});
