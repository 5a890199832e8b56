// Reading the audit log: a user's history (events where they are the actor or the target).
import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { auditEvents } from '@/db/schema';
import { hasPermission } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { auditScope } from './search';

export const HISTORY_PAGE_SIZE = 20;

/**
 * Newest first; `beforeId` continues after the last event of the previous page. What the user did to
 * others is for audit readers only, and of it only what the viewer may read on /audit (auditScope): it
 * can name people outside the viewer's environments, and roles, API users and settings.
 */
export async function listUserHistory(q: Queryable, userId: string, options: { viewer: Principal; beforeId?: number }) {
  const involving = hasPermission(options.viewer, 'audit.read')
    ? or(eq(auditEvents.targetId, userId), and(eq(auditEvents.actorId, userId), auditScope(options.viewer)))
    : eq(auditEvents.targetId, userId);
  const rows = await q
    .select()
    .from(auditEvents)
    .where(and(involving, options.beforeId ? lt(auditEvents.id, options.beforeId) : undefined))
    .orderBy(desc(auditEvents.id))
    .limit(HISTORY_PAGE_SIZE + 1);
  const events = rows.slice(0, HISTORY_PAGE_SIZE);
  return { events, nextBefore: rows.length > HISTORY_PAGE_SIZE ? events.at(-1)!.id : null };
}
