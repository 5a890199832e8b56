// What describe.ts needs to write names instead of ids: the display names of the people and
// environments a page of audit events mentions, and a user's changes since a moment (stale edits).
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { auditEvents, environments, users, type AuditEvent } from '@/db/schema';
import { canSeeEnvironment, type Principal } from '@/lib/auth/principal';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * id -> "First Last" for the actors and targets, and id -> name for environments in the changes: those
 * the viewer works in. Another is "another environment", as lists only count them (environmentsSeenBy):
 * a shared member's history must not tell a manager the names of environments outside their own.
 */
export async function auditNames(q: Queryable, events: AuditEvent[], viewer: Principal): Promise<Map<string, string>> {
  const userIds = new Set<string>();
  const otherIds = new Set<string>();
  for (const e of events) {
    if (e.actorId) userIds.add(e.actorId);
    if (e.targetId && e.targetType === 'user') userIds.add(e.targetId);
    for (const change of Object.values(e.changes ?? {}))
      for (const value of [change.before, change.after].flat()) if (typeof value === 'string' && UUID.test(value)) otherIds.add(value);
  }
  const names = new Map<string, string>();
  if (userIds.size > 0)
    for (const u of await q.select({ id: users.id, firstName: users.firstName, lastName: users.lastName }).from(users).where(inArray(users.id, [...userIds])))
      names.set(u.id, `${u.firstName} ${u.lastName}`);
  if (otherIds.size > 0)
    for (const env of await q.select({ id: environments.id, name: environments.name }).from(environments).where(inArray(environments.id, [...otherIds])))
      names.set(env.id, canSeeEnvironment(viewer, env.id) ? env.name : 'another environment');
  return names;
}

/** Events that changed the user after `since` (oldest first), for showing who changed what under a stale edit. */
export async function changesSince(q: Queryable, userId: string, since: Date) {
  return q
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.targetId, userId), gt(auditEvents.at, since), inArray(auditEvents.action, ['user.updated', 'user.role_changed', 'user.banned', 'user.validated', 'user.unlocked', 'user.reset', 'user.locked', 'user.inactivated', 'user.activated'])))
    .orderBy(asc(auditEvents.id))
    .limit(20);
}
