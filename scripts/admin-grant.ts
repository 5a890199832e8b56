// `npm run admin:grant -- --email someone@example.com`: break-glass for an operator with database access
// (see README, "Break-glass: granting Administrator"). Uses DATABASE_URL, or the embedded database.
import { hostname, userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { closeClient, getClient } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { AppError } from '@/lib/errors';
import { grantAdministrator } from '@/lib/users/admin-grant';

const { values } = parseArgs({ options: { email: { type: 'string' } } });
if (!values.email) {
  console.error('Usage: npm run admin:grant -- --email someone@example.com');
  process.exit(2);
}

const operator = `Operator ${userInfo().username}@${hostname()} (admin:grant)`;
try {
  await runMigrations();
  const result = await getClient().db.transaction((tx) => grantAdministrator(tx, values.email!, { type: 'system', label: operator.slice(0, 200) }));
  console.log(`${result.email} is now an active Administrator (was: ${result.before.role}, ${result.before.status}). Their other sessions have ended.`);
  if (result.passwordLink) {
    console.log(`They have no password: a link to choose one was emailed to them.`);
    // Without SMTP the message waits in the outbox, which only an Administrator could read.
    if (!process.env.SMTP_URL) console.log(`SMTP is not configured, so hand them this single-use link yourself:\n${result.passwordLink}`);
  }
} catch (error) {
  console.error(error instanceof AppError ? error.message : error);
  process.exitCode = 1;
} finally {
  await closeClient();
}
