// Reading the audit log: a user's history (events where they are the actor or the target).
import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { auditEvents } from '@/db/schema';

export const HISTORY_PAGE_SIZE = 20;

/** Newest first; `beforeId` continues after the last event of the previous page. */
export async function listUserHistory(q: Queryable, userId: string, beforeId?: number) {
  const rows = await q
    .select()
    .from(auditEvents)
    .where(and(or(eq(auditEvents.targetId, userId), eq(auditEvents.actorId, userId)), beforeId ? lt(auditEvents.id, beforeId) : undefined))
    .orderBy(desc(auditEvents.id))
    .limit(HISTORY_PAGE_SIZE + 1);
  const events = rows.slice(0, HISTORY_PAGE_SIZE);
  return { events, nextBefore: rows.length > HISTORY_PAGE_SIZE ? events.at(-1)!.id : null };
}
