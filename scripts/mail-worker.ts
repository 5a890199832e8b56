// `npm run jobs:mail`: the outbox delivery loop as a process of its own (what each server runs when
// SMTP_URL is set). Used by `npm run bench:mail` and the crash tests as "one instance".
// Stops on SIGTERM/SIGINT after the messages in flight are recorded.
// MAIL_LEASE_MS shortens the lease (benchmarks and tests only).
import { closeClient, getClient } from '@/db/client';
import { env } from '@/lib/env';
import { LEASE_MS, mailDomain, runDelivery, smtpTransport } from '@/lib/mail/deliver';

if (!env.SMTP_URL || !env.DATABASE_URL) {
  console.error('Set SMTP_URL and DATABASE_URL.');
  process.exit(2);
}
const transport = smtpTransport(env.SMTP_URL, env.MAIL_FROM, { poolSize: env.SMTP_POOL_SIZE, ratePerSecond: env.SMTP_RATE_PER_SECOND });
const stop = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop.abort());
console.log('delivering');
const totals = await runDelivery(getClient().db, transport, {
  domain: mailDomain(env.MAIL_FROM, env.NEXTAUTH_URL),
  window: env.SMTP_POOL_SIZE * 4,
  leaseMs: Number(process.env.MAIL_LEASE_MS) || LEASE_MS,
  idleMs: 200,
  signal: stop.signal,
});
transport.close();
await closeClient();
console.log(JSON.stringify(totals));
