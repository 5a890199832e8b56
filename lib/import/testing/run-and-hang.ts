// For resume.test.ts: claims the given import and runs it until the second batch is written but not
// committed (and the first one has committed: on PostgreSQL the two are in flight together), says
// "mid-batch" on stdout, and waits there to be killed (kill -9).
import { eq } from 'drizzle-orm';
import { getClient } from '@/db/client';
import { importJobs } from '@/db/schema';
import { claimJob, runJob } from '@/lib/import/run';

const [jobId, batchSize] = process.argv.slice(2);
const { db, driver } = getClient();
const claimed = await claimJob(db);
if (claimed !== jobId) throw new Error(`Claimed ${claimed}, expected ${jobId}`);
await runJob(db, jobId!, {
  batchSize: Number(batchSize),
  insideBatch: async (index) => {
    if (index < 1) return;
    // PGlite's one connection is this batch's: there the first batch committed before this one began.
    while (driver === 'postgres' && (await db.select({ nextRow: importJobs.nextRow }).from(importJobs).where(eq(importJobs.id, jobId!)))[0]!.nextRow === 0)
      await new Promise((resolve) => setTimeout(resolve, 20));
    process.stdout.write('mid-batch\n');
    await new Promise(() => setInterval(() => {}, 1000));
  },
});
