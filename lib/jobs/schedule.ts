// Background work of a server process: the inactivity job at start and hourly, bulk imports, and outbox delivery
// when SMTP_URL is set. Safe with several instances: both coordinate through PostgreSQL.
import type { Db } from '@/db/client';
import { deliverDue, smtpTransport } from '@/lib/mail/deliver';
import { startImportWorker } from '@/lib/import/run';
import { runInactivityJob } from './inactivity';
import { warnExpiringApiUsers } from '@/lib/api-users/expiry';

export function startBackgroundJobs(db: Db, env: { SMTP_URL?: string; MAIL_FROM: string }) {
  const inactivity = () =>
    runInactivityJob(db)
      .catch((error) => console.error('Inactivity job failed:', error))
      .then(() => warnExpiringApiUsers(db))
      .catch((error) => console.error('API user expiry warnings failed:', error));
  void inactivity();
  setInterval(inactivity, 60 * 60_000).unref();
  // Bulk imports: queued ones, and ones whose runner died (resumed from their last whole batch).
  startImportWorker(db);

  if (env.SMTP_URL) {
    const transport = smtpTransport(env.SMTP_URL, env.MAIL_FROM);
    let running = false;
    setInterval(async () => {
      if (running) return;
      running = true;
      await deliverDue(db, transport).catch((error) => console.error('Mail delivery failed:', error));
      running = false;
    }, 5_000).unref();
  }
}
