// Delivers the outbox over SMTP. Each message is claimed with FOR UPDATE SKIP LOCKED inside the
// transaction that records its result, so with any number of workers each message is sent once.
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Db } from '@/db/client';
import { outboxMessages } from '@/db/schema';

export const MAX_ATTEMPTS = 8;
/** 1, 2, 4 … minutes between attempts, capped at an hour. */
export const backoffMs = (attempts: number) => Math.min(60, 2 ** (attempts - 1)) * 60_000;

export function smtpTransport(url: string, from: string): Transporter {
  return nodemailer.createTransport(url, { from });
}

/** Sends due messages until none is left or `limit` is reached; returns how many were sent. */
export async function deliverDue(db: Db, transport: Transporter, limit = 50): Promise<number> {
  let sent = 0;
  for (let i = 0; i < limit; i++) {
    const outcome = await db.transaction(async (tx) => {
      const [message] = await tx
        .select()
        .from(outboxMessages)
        .where(and(eq(outboxMessages.status, 'pending'), lte(outboxMessages.nextAttemptAt, sql`now()`)))
        .orderBy(asc(outboxMessages.nextAttemptAt))
        .limit(1)
        .for('update', { skipLocked: true });
      if (!message) return 'empty';
      try {
        await transport.sendMail({ to: message.toAddress, subject: message.subject, text: message.text, html: message.html });
        await tx.update(outboxMessages).set({ status: 'sent', sentAt: new Date(), attempts: message.attempts + 1, lastError: null }).where(eq(outboxMessages.id, message.id));
        return 'sent';
      } catch (error) {
        const attempts = message.attempts + 1;
        await tx
          .update(outboxMessages)
          .set({
            attempts,
            lastError: String(error instanceof Error ? error.message : error).slice(0, 1000),
            status: attempts >= MAX_ATTEMPTS ? 'failed' : 'pending',
            nextAttemptAt: new Date(Date.now() + backoffMs(attempts)),
          })
          .where(eq(outboxMessages.id, message.id));
        return 'failed';
      }
    });
    if (outcome === 'empty') break;
    if (outcome === 'sent') sent++;
  }
  return sent;
}
