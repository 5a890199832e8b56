// Audit events: written in the caller's transaction, never updated, never deleted (a trigger refuses both, but
// for the retention purge). At commit each event is appended to a SHA-256 hash chain: see chain.ts.
import type { Queryable } from '@/db/client';
import { auditEvents, type AuditChanges } from '@/db/schema';

export type Actor =
  | { type: 'user'; id: string; label: string }
  | { type: 'api_user'; id: string; label: string }
  | { type: 'system'; label?: string }
  | { type: 'anonymous'; label?: string };

export type RequestMeta = { ip: string | null; userAgent: string | null };

export type AuditInput = {
  actor: Actor;
  action: string;
  target?: { type: string; id: string; label: string };
  environmentId?: string | null;
  changes?: AuditChanges;
  detail?: string;
  meta?: RequestMeta;
};

export const SYSTEM: Actor = { type: 'system' };

const rowOf = (e: AuditInput) => ({
  actorType: e.actor.type,
  actorId: 'id' in e.actor ? e.actor.id : null,
  actorLabel: e.actor.label ?? (e.actor.type === 'system' ? 'System' : 'Anonymous'),
  action: e.action,
  targetType: e.target?.type ?? null,
  targetId: e.target?.id ?? null,
  targetLabel: e.target?.label ?? null,
  environmentId: e.environmentId ?? null,
  changes: e.changes && Object.keys(e.changes).length > 0 ? e.changes : null,
  detail: e.detail ?? null,
  ip: e.meta?.ip ?? null,
  userAgent: e.meta?.userAgent?.slice(0, 500) ?? null,
});

export async function recordAudit(q: Queryable, e: AuditInput): Promise<void> {
  await q.insert(auditEvents).values(rowOf(e));
}

/**
 * Many events, a thousand to a statement (bulk changes: one event per user, one round trip per batch;
 * a statement holds at most 65,535 parameters, about 5,000 events).
 */
export async function recordAudits(q: Queryable, events: AuditInput[]): Promise<void> {
  for (let i = 0; i < events.length; i += 1_000) await q.insert(auditEvents).values(events.slice(i, i + 1_000).map(rowOf));
}

/** The before/after of each field that differs; secrets are never passed in. */
export function diff<T extends Record<string, unknown>>(before: T, after: Partial<T>): AuditChanges {
  const changes: AuditChanges = {};
  for (const [key, value] of Object.entries(after)) {
    if (value !== undefined && JSON.stringify(before[key]) !== JSON.stringify(value))
      changes[key] = { before: before[key] ?? null, after: value };
  }
  return changes;
}
