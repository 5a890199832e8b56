// Background work of a server process: the inactivity job at start and hourly, and outbox delivery
// when SMTP_URL is set. Safe with several instances: both coordinate through PostgreSQL.
import type { Db } from '@/db/client';
import { SYSTEM } from '@/lib/audit';
import { purgeExpired } from '@/lib/audit/chain';
import { deliverDue, smtpTransport } from '@/lib/mail/deliver';
import { runInactivityJob } from './inactivity';

export function startBackgroundJobs(db: Db, env: { SMTP_URL?: string; MAIL_FROM: string }) {
  const inactivity = () =>
    runInactivityJob(db).catch((error) => console.error('Inactivity job failed:', error));
  void inactivity();
  setInterval(inactivity, 60 * 60_000).unref();

  // Audit retention (0 = keep forever, the default): hourly, audited as a purge by the system.
  const retention = () =>
    db.transaction((tx) => purgeExpired(tx, SYSTEM)).catch((error) => console.error('Audit retention failed:', error));
  setInterval(retention, 60 * 60_000).unref();

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
