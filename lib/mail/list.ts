// Reading the outbox (Administrators): what was sent, what waits, what failed.
import { desc, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { outboxMessages } from '@/db/schema';

export const OUTBOX_PAGE_SIZE = 25;

/** Newest first. The cursor is the last message of the previous page ("<iso time>_<id>"). */
export async function listOutbox(q: Queryable, cursor?: string) {
  const [at, id] = cursor?.split('_') ?? [];
  const after = at && id && !Number.isNaN(Date.parse(at)) && /^[0-9a-f-]{36}$/.test(id)
    ? sql`(${outboxMessages.createdAt}, ${outboxMessages.id}) < (${new Date(at).toISOString()}::timestamptz, ${id}::uuid)`
    : undefined;
  const rows = await q
    .select()
    .from(outboxMessages)
    .where(after)
    .orderBy(desc(outboxMessages.createdAt), desc(outboxMessages.id))
    .limit(OUTBOX_PAGE_SIZE + 1);
  const messages = rows.slice(0, OUTBOX_PAGE_SIZE);
  const last = messages.at(-1);
  return { messages, next: rows.length > OUTBOX_PAGE_SIZE && last ? `${last.createdAt.toISOString()}_${last.id}` : null, paged: Boolean(after) };
}
