// `npm run demo [-- --users N]`: on an empty database (the embedded one, or DATABASE_URL), a demo
// organization with an Administrator and an Account Manager, three environments, N users (5,000 by
// default) with their history and some mail in the outbox. Prints the two passwords once.
// Refuses a database that already has an organization.
import { parseArgs } from 'node:util';
import { getClient } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { createDemo } from '@/lib/org/demo';
import { runCli, UsageError } from './cli';

await runCli(async () => {
  const { values } = parseArgs({ options: { users: { type: 'string', default: '5000' } } });
  const n = Number(values.users);
  if (!/^\d+$/.test(values.users) || n > 1_000_000) throw new UsageError('--users must be a whole number from 0 to 1,000,000, e.g. --users 20000');

  const { db, driver } = getClient();
  await runMigrations();
  const started = performance.now();
  const demo = await createDemo(db, { users: n });
  const where = driver === 'pglite' ? `the embedded database (${process.env.PGLITE_DIR || '.data/pglite'})` : 'PostgreSQL (DATABASE_URL)';
  console.log(
    [
      `Created the demo organization "${demo.organizationName}" in ${where} in ${((performance.now() - started) / 1000).toFixed(1)} s:`,
      `  ${demo.users.toLocaleString('en')} users in ${demo.environments.join(', ')}; ${demo.auditEvents.toLocaleString('en')} audit events; ${demo.outboxMessages} messages in the outbox.`,
      '',
      'Sign in with (the passwords are shown only this once):',
      ...demo.accounts.map((a) => `  ${`${a.role}:`.padEnd(17)} ${a.email.padEnd(27)} password ${a.password}`),
      '',
      `Then: ${driver === 'pglite' ? `${process.env.PGLITE_DIR ? `PGLITE_DIR=${process.env.PGLITE_DIR} ` : ''}npm run dev` : 'npm run dev (with the same DATABASE_URL)'} and open http://localhost:${process.env.PORT ?? 3000}`,
    ].join('\n'),
  );
});
