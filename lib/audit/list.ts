// Reading the audit log: a user's history (events where they are the actor or the target).
import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { auditEvents } from '@/db/schema';

export const HISTORY_PAGE_SIZE = 20;

/**
 * Newest first; `beforeId` continues after the last event of the previous page. What the user did to
 * others (`asActor`) is for audit readers only: it can name people outside the viewer's environments.
 */
export async function listUserHistory(q: Queryable, userId: string, options: { asActor: boolean; beforeId?: number }) {
  const involving = options.asActor ? or(eq(auditEvents.targetId, userId), eq(auditEvents.actorId, userId)) : eq(auditEvents.targetId, userId);
  const rows = await q
    .select()
    .from(auditEvents)
    .where(and(involving, options.beforeId ? lt(auditEvents.id, options.beforeId) : undefined))
    .orderBy(desc(auditEvents.id))
    .limit(HISTORY_PAGE_SIZE + 1);
  const events = rows.slice(0, HISTORY_PAGE_SIZE);
  return { events, nextBefore: rows.length > HISTORY_PAGE_SIZE ? events.at(-1)!.id : null };
}
