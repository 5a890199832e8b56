// Reading the outbox (Administrators): the queue's figures, and the messages, newest first, by page.
import { and, desc, eq, gte, isNotNull, lte, sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { MAIL_PRIORITY, outboxMessages, outboxStatus } from '@/db/schema';
import { requireAdministratorOf, type Principal } from '@/lib/auth/principal';
import { cursorTime, olderThan, parseCursor } from '@/lib/time-cursor';

export const OUTBOX_PAGE_SIZE = 25;

export type OutboxStatus = (typeof outboxStatus.enumValues)[number];
export type OutboxParams = { before?: string; status?: OutboxStatus };

/**
 * The page's query parameters, validated: anything else is ignored. `problem` says what was
 * ignored when the visitor should know (a page link that no longer makes sense).
 */
export function parseOutboxParams(params: Record<string, string | string[] | undefined>): { params: OutboxParams; problem?: string } {
  const single = (v: string | string[] | undefined) => (typeof v === 'string' ? v : undefined);
  const out: OutboxParams = {};
  let problem: string | undefined;
  const status = single(params.status);
  if (status && (outboxStatus.enumValues as readonly string[]).includes(status)) out.status = status as OutboxStatus;
  else if (params.status !== undefined) problem = 'That status filter is not one the outbox knows, so every message is shown.';
  const before = single(params.before);
  if (before && parseCursor(before)) out.before = before;
  else if (params.before !== undefined) problem = 'That page link is not valid (it may have been shortened or edited), so the newest messages are shown.';
  return { params: out, problem };
}

/** Newest first. The cursor is the last message of the previous page ("<iso time>_<id>"). Administrators only. */
export async function listOutbox(q: Queryable, principal: Principal, params: OutboxParams = {}) {
  requireAdministratorOf(principal);
  const cursor = params.before ? parseCursor(params.before) : null;
  const after = cursor ? olderThan(outboxMessages.createdAt, outboxMessages.id, cursor) : undefined;
  const rows = await q
    .select({ message: outboxMessages, at: cursorTime(outboxMessages.createdAt) })
    .from(outboxMessages)
    .where(and(after, params.status ? eq(outboxMessages.status, params.status) : undefined))
    .orderBy(desc(outboxMessages.createdAt), desc(outboxMessages.id))
    .limit(OUTBOX_PAGE_SIZE + 1);
  const page = rows.slice(0, OUTBOX_PAGE_SIZE);
  const last = page.at(-1);
  return {
    messages: page.map((r) => r.message),
    next: rows.length > OUTBOX_PAGE_SIZE && last ? `${last.at}_${last.message.id}` : null,
    paged: Boolean(after),
  };
}

export type QueueFigures = {
  counts: Record<Exclude<OutboxStatus, 'sent'>, number> & { sentLastDay: number };
  /** How long the message that has been due longest has waited, in seconds (null: nothing due). */
  oldestDueSeconds: number | null;
  /** Messages sent per second, over the last minute and the last 15 minutes. */
  ratePerSecond: { lastMinute: number; last15Minutes: number };
};

/** The queue at a glance. Every figure is read through an index, so it stays quick at any size. */
export async function outboxQueue(q: Queryable, principal: Principal): Promise<QueueFigures> {
  requireAdministratorOf(principal);
  const oldestDue = (priority: number): SQL =>
    sql`(select min(${outboxMessages.nextAttemptAt}) from ${outboxMessages} where ${outboxMessages.priority} = ${priority} and ${outboxMessages.nextAttemptAt} is not null and ${outboxMessages.nextAttemptAt} <= now())`;
  const [byStatus, [sent], [due]] = await Promise.all([
    q
      .select({ status: outboxMessages.status, n: sql<number>`count(*)::int` })
      .from(outboxMessages)
      .where(sql`${outboxMessages.status} in ('pending', 'sending', 'failed', 'cancelled')`)
      .groupBy(outboxMessages.status),
    q
      .select({
        lastDay: sql<number>`count(*)::int`,
        lastMinute: sql<number>`(count(*) filter (where ${outboxMessages.sentAt} >= now() - interval '1 minute'))::int`,
        last15Minutes: sql<number>`(count(*) filter (where ${outboxMessages.sentAt} >= now() - interval '15 minutes'))::int`,
      })
      .from(outboxMessages)
      .where(and(isNotNull(outboxMessages.sentAt), gte(outboxMessages.sentAt, sql`now() - interval '1 day'`), lte(outboxMessages.sentAt, sql`now()`))),
    q.select({
      seconds: sql<number | null>`extract(epoch from now() - least(${oldestDue(MAIL_PRIORITY.urgent)}, ${oldestDue(MAIL_PRIORITY.bulk)}))::float8`,
    }).from(sql`(select 1) as one`),
  ]);
  const count = (status: OutboxStatus) => byStatus.find((r) => r.status === status)?.n ?? 0;
  return {
    counts: { pending: count('pending'), sending: count('sending'), failed: count('failed'), cancelled: count('cancelled'), sentLastDay: sent?.lastDay ?? 0 },
    oldestDueSeconds: due?.seconds === null || due?.seconds === undefined ? null : Math.max(0, Number(due.seconds)),
    ratePerSecond: { lastMinute: (sent?.lastMinute ?? 0) / 60, last15Minutes: (sent?.last15Minutes ?? 0) / 900 },
  };
}
