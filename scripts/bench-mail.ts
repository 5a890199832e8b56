// `npm run bench:mail`: outbox delivery with two instances (two `jobs:mail` processes, one
// PostgreSQL database) against an in-process SMTP sink. DATABASE_URL names the server; the benchmark
// works in a database of its own, dropped at the end unless --keep.
//   1. Drain: 10,000 messages, both instances running; the rate, and duplicates (0 expected).
//   2. Crash: 10,000 more; one instance is killed with SIGKILL mid-drain. Its messages in flight,
//      the duplicates they caused (at most that many, same Message-ID), and what was lost (0).
import { spawn, type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { and, eq, sql } from 'drizzle-orm';
import { closeClient, getClient } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { MAIL_PRIORITY, outboxMessages } from '@/db/schema';
import { messageIdFor } from '@/lib/mail/deliver';
import { startSink } from '@/lib/mail/sink';
import { invitationMail } from '@/lib/mail/templates';
import { benchDatabase } from './bench-lib';

const { values } = parseArgs({
  options: { messages: { type: 'string', default: '10000' }, pool: { type: 'string', default: '5' }, keep: { type: 'boolean', default: false } },
});
const N = Number(values.messages);
const DOMAIN = 'bench.test';
const database = await benchDatabase('mail', { keep: values.keep });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sink = await startSink({ keepBodies: false });
const workers: ChildProcess[] = [];
// A benchmark stopped early must not leave instances running.
process.on('exit', () => workers.forEach((w) => w.kill('SIGKILL')));
const progress = (what: string) => console.error(`${new Date().toISOString().slice(11, 19)} ${what}`);

/** One instance: the delivery loop in a process of its own; resolves once it is delivering. */
async function startWorker(leaseMs: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/mail-worker.ts'], {
    env: { ...process.env, SMTP_URL: sink.url, MAIL_FROM: `Userdesk <no-reply@${DOMAIN}>`, SMTP_POOL_SIZE: values.pool, MAIL_LEASE_MS: String(leaseMs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  workers.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('delivering') && resolve());
    child.once('exit', (code) => reject(new Error(`A worker exited early (${code}).`)));
  });
  return child;
}

async function stopWorkers() {
  await Promise.all(
    workers.splice(0).map((w) => (w.exitCode !== null || w.signalCode ? undefined : new Promise<void>((r) => (w.once('exit', () => r()), w.kill('SIGTERM'))))),
  );
}

async function enqueue(count: number, batch: string) {
  const { db } = getClient();
  await db.transaction(async (tx) => {
    for (let i = 0; i < count; i += 1000) {
      const rows = Array.from({ length: Math.min(1000, count - i) }, (_, j) => {
        const mail = invitationMail('Benchmark', `Person ${i + j}`, `http://localhost:3000/set-password?token=${batch}-${i + j}`, 7 * 86_400_000);
        return { ...mail, toAddress: `${batch}-${i + j}@example.test`, priority: MAIL_PRIORITY.bulk };
      });
      await tx.insert(outboxMessages).values(rows);
    }
  });
}

const unsent = () => getClient().db.$count(outboxMessages, sql`${outboxMessages.status} <> 'sent'`);

async function waitDrained(timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = Date.now();
  for (let left = await unsent(); left > 0; left = await unsent()) {
    if (Date.now() - last > 5_000) {
      last = Date.now();
      progress(`${left} to go`);
    }
    if (Date.now() > deadline) throw new Error('The outbox did not drain in time.');
    await sleep(50);
  }
}

/** What the sink received against what the outbox holds. */
async function tally() {
  const rows = await getClient().db.select({ id: outboxMessages.id }).from(outboxMessages);
  const expected = new Set(rows.map((r) => messageIdFor(r.id, DOMAIN)));
  const counts = new Map<string, number>();
  for (const r of sink.received) counts.set(r.messageId, (counts.get(r.messageId) ?? 0) + 1);
  const lost = [...expected].filter((id) => !counts.has(id)).length;
  const duplicates = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
  const strangers = [...counts.keys()].filter((id) => !expected.has(id)).length;
  return { lost, duplicates, strangers };
}

const lines: string[] = [];
let ok = true;
const check = (label: string, value: string, pass: boolean) => {
  ok &&= pass;
  lines.push(`${label.padEnd(44)} ${value.padStart(14)}   ${pass ? 'ok' : 'OVER BUDGET'}`);
};

try {
  await runMigrations();
  const { db } = getClient();

  // 1. Drain.
  progress('starting two instances');
  await Promise.all([startWorker(120_000), startWorker(120_000)]);
  progress(`enqueueing ${N}`);
  const started = performance.now();
  await enqueue(N, 'drain');
  await waitDrained(600_000);
  const seconds = (performance.now() - started) / 1000;
  const drain = await tally();
  check(`drain ${N} messages, 2 instances x ${values.pool} connections`, `${(N / seconds).toFixed(0)} msg/s`, N / seconds >= 200);
  lines.push(`${''.padEnd(44)} ${`${seconds.toFixed(1)} s`.padStart(14)}   (enqueue included)`);
  check('duplicates without crashes', String(drain.duplicates), drain.duplicates === 0);
  check('lost without crashes', String(drain.lost + drain.strangers), drain.lost === 0 && drain.strangers === 0);
  await stopWorkers();

  // 2. Crash: kill -9 one instance a third of the way through.
  await db.delete(outboxMessages).where(sql`true`);
  sink.received.length = 0;
  const LEASE_MS = 3_000;
  const [victim] = await Promise.all([startWorker(LEASE_MS), startWorker(LEASE_MS)]);
  await enqueue(N, 'crash');
  while (sink.received.length < N / 3) await sleep(5);
  progress(`kill -9 ${victim.pid}`);
  victim.kill('SIGKILL');
  await new Promise<void>((r) => (victim.exitCode !== null || victim.signalCode ? r() : victim.once('exit', () => r())));
  const inFlight = await db.$count(
    outboxMessages,
    and(eq(outboxMessages.status, 'sending'), sql`${outboxMessages.claimedBy} like ${`%:${victim.pid}`}`),
  );
  await waitDrained(600_000);
  const crash = await tally();
  const attempts = await db.select({ attempts: outboxMessages.attempts, n: sql<number>`count(*)::int` }).from(outboxMessages).groupBy(outboxMessages.attempts);
  lines.push(`${`kill -9 of one instance after ${Math.round(N / 3)} accepted`.padEnd(44)} ${`${inFlight} in flight`.padStart(14)}`);
  check('  duplicates (at most the messages in flight)', String(crash.duplicates), crash.duplicates <= inFlight);
  check('  lost', String(crash.lost + crash.strangers), crash.lost === 0 && crash.strangers === 0);
  lines.push(`  rows by attempts: ${attempts.map((a) => `${a.attempts} attempt(s): ${a.n}`).join(', ')}`);
  lines.push('  duplicates are counted by Message-ID: each copy carries its row\'s one Message-ID');
} finally {
  await stopWorkers();
  await sink.close();
  await closeClient();
  await database.drop();
}

console.log(`\nbench:mail (${N} messages per run, in-process SMTP sink)\n${lines.join('\n')}`);
process.exitCode = ok ? 0 : 1;
