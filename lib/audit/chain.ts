// Tamper evidence of the audit log: walking the hash chain (appended at commit by the trigger of
// migration 0005), storing each verification's result, and the retention purge that cuts the chain.
import { desc, sql } from 'drizzle-orm';
import type { Db, Queryable, Tx } from '@/db/client';
import { auditChainCuts, auditSettings, auditVerifications, organizations, type AuditVerification } from '@/db/schema';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';

const GENESIS = Buffer.alloc(32);
const PAGE = 5_000;

export type ChainVerdict = {
  ok: boolean;
  eventsChecked: number;
  headSeq: number;
  /** A sentence naming the first event that was changed, inserted or removed. */
  problem: string | null;
  problemEventId: number | null;
};

type ChainRow = { id: number; seq: number; prev: Buffer; hash: Buffer; digestOk: boolean };

const same = (a: Buffer | null | undefined, b: Buffer | null | undefined) => !!a && !!b && Buffer.compare(a, b) === 0;

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === 'string' && value.startsWith('\\x')) return Buffer.from(value.slice(2), 'hex');
  throw new Error('Unexpected bytea value');
}

function rowsOf(result: unknown): Record<string, unknown>[] {
  return (Array.isArray(result) ? result : (result as { rows: Record<string, unknown>[] }).rows) as Record<string, unknown>[];
}

/**
 * Walks the chain from the latest purge cut to the head in one consistent snapshot, and names the
 * first event that was changed, inserted or removed. Reads only; see verifyAndRecord.
 */
export async function verifyChain(db: Db): Promise<ChainVerdict> {
  return db.transaction(
    async (tx) => {
      const verdict = (problem: string, problemEventId: number | null, checked: number, headSeq: number): ChainVerdict => ({
        ok: false,
        eventsChecked: checked,
        headSeq,
        problem,
        problemEventId,
      });
      const [head] = rowsOf(await tx.execute(sql`select seq, hash from audit_chain_head where id = 1`));
      const headSeq = Number(head!.seq);
      const headHash = toBuffer(head!.hash);
      const [cut] = await tx.select().from(auditChainCuts).orderBy(desc(auditChainCuts.seq)).limit(1);
      let expectedSeq = (cut?.seq ?? 0) + 1;
      let expectedPrev = cut ? toBuffer(cut.hash) : GENESIS;
      let previous: ChainRow | null = null;
      let checked = 0;

      const [outside] = rowsOf(await tx.execute(sql`select id from audit_events where chain_seq is null order by id limit 1`));
      if (outside) return verdict(`Event #${outside.id} was inserted outside the chain.`, Number(outside.id), 0, headSeq);

      for (;;) {
        const page = rowsOf(
          await tx.execute(sql`
            select e.id, e.chain_seq as seq, e.prev_hash as prev, e.hash,
                   e.hash is not null and e.prev_hash is not null and audit_event_digest(e.prev_hash, e) = e.hash as digest_ok
            from audit_events e where e.chain_seq >= ${expectedSeq} order by e.chain_seq limit ${PAGE}`),
        ).map((r): ChainRow => ({
          id: Number(r.id),
          seq: Number(r.seq),
          prev: r.prev == null ? Buffer.alloc(0) : toBuffer(r.prev),
          hash: r.hash == null ? Buffer.alloc(0) : toBuffer(r.hash),
          digestOk: r.digest_ok === true,
        }));
        for (const row of page) {
          if (!(row.seq === expectedSeq && same(row.prev, expectedPrev))) {
            if (previous && same(row.prev, previous.prev))
              return verdict(`Event #${previous.id} was inserted into the chain.`, previous.id, checked, headSeq);
            if (row.seq > expectedSeq)
              return verdict(
                `${row.seq - expectedSeq} event(s) were removed just before event #${row.id}${previous ? ` (after event #${previous.id})` : ''}.`,
                row.id,
                checked,
                headSeq,
              );
            if (previous) return verdict(`Event #${previous.id} was changed: its hash was rewritten.`, previous.id, checked, headSeq);
            return verdict(`Event #${row.id} does not follow the last purge's cut: events before it were changed or removed.`, row.id, checked, headSeq);
          }
          if (!row.digestOk) return verdict(`Event #${row.id} was changed after it was written.`, row.id, checked, headSeq);
          if (row.seq > headSeq) return verdict(`Event #${row.id} was inserted after the end of the chain.`, row.id, checked, headSeq);
          checked += 1;
          previous = row;
          expectedSeq = row.seq + 1;
          expectedPrev = row.hash;
        }
        if (page.length < PAGE) break;
      }
      if (expectedSeq - 1 < headSeq)
        return verdict(
          `${headSeq - expectedSeq + 1} event(s) were removed from the end of the chain${previous ? ` (after event #${previous.id})` : ''}.`,
          previous?.id ?? null,
          checked,
          headSeq,
        );
      if (!same(expectedPrev, headHash)) return verdict('The chain head does not match the last event: the chain was rewritten.', previous?.id ?? null, checked, headSeq);
      return { ok: true, eventsChecked: checked, headSeq, problem: null, problemEventId: null };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

/** Verifies and stores the result, which /audit shows. */
export async function verifyAndRecord(db: Db): Promise<ChainVerdict> {
  const verdict = await verifyChain(db);
  await db.insert(auditVerifications).values(verdict);
  return verdict;
}

export async function lastVerification(q: Queryable): Promise<AuditVerification | null> {
  const [row] = await q.select().from(auditVerifications).orderBy(desc(auditVerifications.id)).limit(1);
  return row ?? null;
}

export async function getRetentionDays(q: Queryable): Promise<number> {
  const [row] = await q.select({ days: auditSettings.retentionDays }).from(auditSettings).limit(1);
  return row?.days ?? 0;
}

export async function setRetentionDays(tx: Tx, actor: Actor, days: number, meta?: RequestMeta) {
  const before = await getRetentionDays(tx);
  if (before === days) return;
  const [org] = await tx.select({ id: organizations.id }).from(organizations).limit(1);
  if (!org) throw new Error('Userdesk is not set up yet: no organization exists.');
  await tx
    .insert(auditSettings)
    .values({ organizationId: org.id, retentionDays: days })
    .onConflictDoUpdate({ target: auditSettings.organizationId, set: { retentionDays: days, updatedAt: new Date() } });
  await recordAudit(tx, {
    actor,
    action: 'audit.retention_changed',
    changes: { retentionDays: { before, after: days } },
    meta,
  });
}

/**
 * Removes the events older than the retention period, as a prefix of the chain: everything before the
 * first event still inside the period. Records where it cut (the hash there) so verification still passes,
 * and audits the purge itself. Returns how many events were removed.
 */
export async function purgeExpired(tx: Tx, actor: Actor, meta?: RequestMeta): Promise<number> {
  const days = await getRetentionDays(tx);
  if (days <= 0) return 0;
  // One purge at a time across instances: the next one then finds the cut already made.
  await tx.execute(sql`select pg_advisory_xact_lock(7311012)`);
  const [bound] = rowsOf(
    await tx.execute(sql`
      select coalesce(
        (select min(chain_seq) - 1 from audit_events where at >= now() - make_interval(days => ${days})),
        (select max(chain_seq) from audit_events)
      ) as seq`),
  );
  const cutSeq = bound?.seq == null ? null : Number(bound.seq);
  if (cutSeq === null || cutSeq <= 0) return 0;
  const [at] = rowsOf(await tx.execute(sql`select hash from audit_events where chain_seq = ${cutSeq}`));
  if (!at) return 0; // already purged up to there
  await tx.execute(sql`select set_config('userdesk.audit_purge', 'on', true)`);
  const removed = rowsOf(await tx.execute(sql`with d as (delete from audit_events where chain_seq <= ${cutSeq} returning 1) select count(*)::bigint as n from d`));
  await tx.execute(sql`select set_config('userdesk.audit_purge', 'off', true)`);
  const count = Number(removed[0]?.n ?? 0);
  const hash = toBuffer(at.hash);
  await tx.insert(auditChainCuts).values({ seq: cutSeq, hash, eventsRemoved: count });
  await recordAudit(tx, {
    actor,
    action: 'audit.purged',
    detail: `${count} event(s) older than ${days} day(s) removed; chain cut at position ${cutSeq}, hash ${hash.toString('hex')}.`,
    meta,
  });
  return count;
}
