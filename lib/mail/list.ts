// Reading the outbox (Administrators): what was sent, what waits, what failed.
import { desc, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { outboxMessages } from '@/db/schema';

export const OUTBOX_PAGE_SIZE = 25;

/** Newest first. The cursor is the last message of the previous page ("<iso time>_<id>"). */
export async function listOutbox(q: Queryable, cursor?: string) {
  const [at, id] = cursor?.split('_') ?? [];
  // The cursor keeps PostgreSQL's microseconds (a JS Date would round them away and skip messages).
  const after = at && id && !Number.isNaN(Date.parse(at)) && /^[0-9a-f-]{36}$/.test(id)
    ? sql`(${outboxMessages.createdAt}, ${outboxMessages.id}) < (${at}::timestamptz, ${id}::uuid)`
    : undefined;
  const rows = await q
    .select({ message: outboxMessages, at: sql<string>`to_char(${outboxMessages.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` })
    .from(outboxMessages)
    .where(after)
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
