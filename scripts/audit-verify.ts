// `npm run audit:verify`: walks the audit hash chain, stores the result (shown on /audit) and names the
// first event that was changed, inserted or removed. Exits 1 when the chain does not verify (cron-friendly).
import { closeClient, getClient } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { verifyAndRecord } from '@/lib/audit/chain';

await runMigrations();
const started = performance.now();
const verdict = await verifyAndRecord(getClient().db);
await closeClient();
const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (verdict.ok) console.log(`The audit chain verifies: ${verdict.eventsChecked} event(s) checked in ${seconds} s.`);
else {
  console.error(`The audit chain does NOT verify: ${verdict.problem}`);
  process.exitCode = 1;
}
