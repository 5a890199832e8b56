// Background work of a server: the inactivity job at start and hourly, automatic unlock every minute,
// audit retention, bulk imports and bulk actions, and outbox delivery when SMTP_URL is set. Safe with several instances: they coordinate through PostgreSQL.
// A server of several processes (scripts/server.mjs) runs imports in each, and the rest in its first
// only: SMTP_POOL_SIZE and SMTP_RATE_PER_SECOND are per server, and hourly work needs doing once.
import type { Db } from '@/db/client';
import { mailDomain, runDelivery, smtpTransport } from '@/lib/mail/deliver';
import { startImportWorker } from '@/lib/import/run';
import { startBulkWorker } from '@/lib/users/bulk-jobs';
import { SYSTEM } from '@/lib/audit';
import { purgeExpired } from '@/lib/audit/chain';
import { purgeEndedSessions } from '@/lib/auth/ended-sessions';
import { liftExpiredLocks } from '@/lib/auth/sign-in';
import { getOrganization, getSecuritySettings } from '@/lib/settings';
import { runInactivityJob } from './inactivity';
import { warnExpiringApiUsers } from '@/lib/api-users/expiry';

type JobsEnv = { SMTP_URL?: string; MAIL_FROM: string; NEXTAUTH_URL?: string; SMTP_POOL_SIZE: number; SMTP_RATE_PER_SECOND?: number };

/** True in a one-process server, and in the first process (slot 0) of a server of several. */
export const isFirstProcess = (slot = process.env.USERDESK_PROCESS_SLOT) => !slot || slot === '0';

export function startBackgroundJobs(db: Db, env: JobsEnv) {
  // Bulk imports and bulk actions on all matching users: queued ones, and ones whose runner died
  // (resumed after their last whole batch).
  startImportWorker(db);
  startBulkWorker(db);
  if (!isFirstProcess()) return;

  const inactivity = () =>
    runInactivityJob(db)
      .catch((error) => console.error('Inactivity job failed:', error))
      .then(() => warnExpiringApiUsers(db))
      .catch((error) => console.error('API user expiry warnings failed:', error));
  void inactivity();
  setInterval(inactivity, 60 * 60_000).unref();

  // Automatic unlock: locks whose period has passed are lifted within a minute, not only at the user's
  // next sign-in, so the Locked Users lists (portal, REST, SOAP) hold only users still locked.
  // Nothing to do before the first-run setup (no settings yet).
  const unlock = async () => {
    if (!(await getOrganization(db).catch(() => null))) return;
    await db
      .transaction(async (tx) => liftExpiredLocks(tx, (await getSecuritySettings(tx)).autoUnlockMinutes))
      .catch((error) => console.error('Automatic unlock failed:', error));
  };
  setInterval(unlock, 60_000).unref();

  // Audit retention (0 = keep forever, the default): hourly, audited as a purge by the system. Signed-out
  // sessions are forgotten once they would have expired anyway.
  const retention = () =>
    db
      .transaction((tx) => purgeExpired(tx, SYSTEM))
      .catch((error) => console.error('Audit retention failed:', error))
      .then(() => purgeEndedSessions(db))
      .catch((error) => console.error('Forgetting ended sessions failed:', error));
  setInterval(retention, 60 * 60_000).unref();

  if (env.SMTP_URL) startMailDelivery(db, env, env.SMTP_URL);
}

/** The delivery loop, for as long as the process lives; restarted after an unexpected error. */
function startMailDelivery(db: Db, env: JobsEnv, url: string) {
  const transport = smtpTransport(url, env.MAIL_FROM, { poolSize: env.SMTP_POOL_SIZE, ratePerSecond: env.SMTP_RATE_PER_SECOND });
  const domain = mailDomain(env.MAIL_FROM, env.NEXTAUTH_URL);
  // Four messages claimed per connection keep every connection busy while results are recorded.
  const window = env.SMTP_POOL_SIZE * 4;
  const loop = (): void => {
    runDelivery(db, transport, { domain, window }).catch((error) => {
      console.error('Mail delivery stopped; restarting in 5 s:', error);
      setTimeout(loop, 5_000).unref();
    });
  };
  loop();
}
