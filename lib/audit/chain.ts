// Tamper evidence of the audit log: walking the hash chain (one link per committing transaction,
// appended by the trigger of migration 0018), storing each verification's result, and the retention
// purge that cuts the chain.
import { and, desc, eq, gte, like, sql } from 'drizzle-orm';
import type { Db, Queryable, Tx } from '@/db/client';
import { auditBlocks, auditChainCuts, auditEvents, auditSettings, auditVerifications, organizations, type AuditVerification } from '@/db/schema';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';
import { requireAdministratorOf, type Principal } from '@/lib/auth/principal';
import { fieldError } from '@/lib/errors';

const GENESIS = Buffer.alloc(32);
const PAGE = 2_000;

export type ChainVerdict = {
  ok: boolean;
  eventsChecked: number;
  headSeq: number;
  /** A sentence naming the first event (or the first transaction's events) changed, inserted or removed. */
  problem: string | null;
  problemEventId: number | null;
};

type Link = { seq: number; prev: Buffer; hash: Buffer; linkOk: boolean; firstId: number; lastId: number; events: number };

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

const eventsOf = (l: Link) => (l.events === 1 ? `event #${l.firstId}` : `events #${l.firstId} to #${l.lastId}`);

/**
 * Walks the chain from the newest purge cut to the head in one consistent snapshot: each link
 * (one per committing transaction) must follow the one before it and match its own hash, and each
 * event it lists must still exist with the content it was written with. Names the first event that
 * was changed, inserted or removed. Reads only; see verifyAndRecord.
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
      const [cut] = await tx.select().from(auditChainCuts).orderBy(desc(auditChainCuts.id)).limit(1);
      let expectedSeq = (cut?.seq ?? 0) + 1;
      let expectedPrev = cut ? toBuffer(cut.hash) : GENESIS;
      let previous: Link | null = null;
      let checked = 0;

      // A cut hides everything before it, so only one a purge made (and audited, with its hash) counts.
      if (cut && cut.seq > 0) {
        const [vouched] = await tx
          .select({ id: auditEvents.id })
          .from(auditEvents)
          .where(and(eq(auditEvents.action, 'audit.purged'), like(auditEvents.detail, `%chain cut after link ${cut.seq}, hash ${toBuffer(cut.hash).toString('hex')}.`)))
          .limit(1);
        if (!vouched) {
          const [next] = await tx.select({ id: sql<number>`${auditBlocks.eventIds}[1]`.mapWith(Number) }).from(auditBlocks).where(gte(auditBlocks.seq, expectedSeq)).orderBy(auditBlocks.seq).limit(1);
          return verdict(
            `The chain starts after link ${cut.seq}, but no purge recorded a cut there: the events before ${next ? `event #${next.id}` : 'the end of the chain'} were removed.`,
            next?.id ?? null,
            0,
            headSeq,
          );
        }
      }

      const [outside] = rowsOf(
        await tx.execute(sql`
          select id from (select id from audit_events except select unnest(event_ids) from audit_blocks where seq >= ${expectedSeq}) o
          order by id limit 1`),
      );
      if (outside) return verdict(`Event #${outside.id} was inserted outside the chain.`, Number(outside.id), 0, headSeq);

      for (;;) {
        const page = rowsOf(
          await tx.execute(sql`
            select seq, prev_hash as prev, hash, audit_block_digest(prev_hash, seq, digests) = hash as link_ok,
                   event_ids[1] as first_id, event_ids[cardinality(event_ids)] as last_id, cardinality(event_ids) as events
            from audit_blocks where seq >= ${expectedSeq} order by seq limit ${PAGE}`),
        ).map(
          (r): Link => ({
            seq: Number(r.seq),
            prev: toBuffer(r.prev),
            hash: toBuffer(r.hash),
            linkOk: r.link_ok === true,
            firstId: Number(r.first_id),
            lastId: Number(r.last_id),
            events: Number(r.events),
          }),
        );
        if (page.length === 0) break;
        // The first event of this page's links that is missing or no longer matches its digest.
        const [bad] = rowsOf(
          await tx.execute(sql`
            select b.seq, x.id, e.id is null as missing
            from audit_blocks b cross join lateral unnest(b.event_ids) with ordinality as x(id, ord)
            left join audit_events e on e.id = x.id
            where b.seq between ${page[0]!.seq} and ${page.at(-1)!.seq}
              and (e.id is null or audit_event_digest(e) <> substring(b.digests from (x.ord::int - 1) * 32 + 1 for 32))
            order by b.seq, x.ord limit 1`),
        );
        for (const link of page) {
          if (link.seq !== expectedSeq)
            return verdict(
              `The events of ${link.seq - expectedSeq} transaction(s) were removed just before event #${link.firstId}${previous ? ` (after event #${previous.lastId})` : ''}.`,
              link.firstId,
              checked,
              headSeq,
            );
          if (!same(link.prev, expectedPrev))
            return previous
              ? verdict(`The record of ${eventsOf(previous)} was rewritten: the next link no longer follows it.`, previous.firstId, checked, headSeq)
              : verdict(`Event #${link.firstId} does not follow the last purge's cut: events before it were changed or removed.`, link.firstId, checked, headSeq);
          if (!link.linkOk) return verdict(`The record of ${eventsOf(link)} was changed: events were inserted into it or removed from it.`, link.firstId, checked, headSeq);
          if (bad && Number(bad.seq) === link.seq) {
            const id = Number(bad.id);
            return verdict(bad.missing === true ? `Event #${id} was removed.` : `Event #${id} was changed after it was written.`, id, checked, headSeq);
          }
          if (link.seq > headSeq) return verdict(`Event #${link.firstId} was inserted after the end of the chain.`, link.firstId, checked, headSeq);
          checked += link.events;
          previous = link;
          expectedSeq = link.seq + 1;
          expectedPrev = link.hash;
        }
        if (page.length < PAGE) break;
      }
      if (expectedSeq - 1 < headSeq)
        return verdict(
          `The events of ${headSeq - expectedSeq + 1} transaction(s) were removed from the end of the chain${previous ? ` (after event #${previous.lastId})` : ''}.`,
          previous?.lastId ?? null,
          checked,
          headSeq,
        );
      // The head never moves back: one behind what an earlier verification saw was wound back over removed links.
      // (Verifications from before the chain's restart at a cut at link 0, migration 0018, counted another chain.)
      const [seen] = await tx
        .select({ seq: auditVerifications.headSeq, at: auditVerifications.at })
        .from(auditVerifications)
        .where(sql`${auditVerifications.at} >= (select max(at) from audit_chain_cuts where seq = 0)`)
        .orderBy(desc(auditVerifications.headSeq))
        .limit(1);
      if (seen && seen.seq > headSeq)
        return verdict(
          `The chain ends at link ${headSeq}, but a verification on ${seen.at.toISOString().slice(0, 16).replace('T', ' ')} UTC saw it reach link ${seen.seq}: the events of ${seen.seq - headSeq} transaction(s) were removed from its end${previous ? ` (after event #${previous.lastId})` : ''}.`,
          previous?.lastId ?? null,
          checked,
          headSeq,
        );
      if (!same(expectedPrev, headHash)) return verdict('The chain head does not match the last event: the chain was rewritten.', previous?.lastId ?? null, checked, headSeq);
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

/**
 * The shortest retention there is (0 aside, which keeps every event): one Administrator session, taken
 * over say, must not be able to empty the log of what it did last week by setting 1 day and purging.
 */
export const MIN_RETENTION_DAYS = 30;

/** How long events are kept: an Administrator's decision alone, as it decides what evidence survives. */
export async function setRetentionDays(tx: Tx, principal: Principal, days: number, meta?: RequestMeta) {
  requireAdministratorOf(principal);
  if (days !== 0 && days < MIN_RETENTION_DAYS)
    throw fieldError('retentionDays', `Keep events for at least ${MIN_RETENTION_DAYS} days (or 0, to keep every event forever).`);
  const actor = principal.actor;
  // Locked before the setting is read (there may be no row to lock yet): a save committing meanwhile is
  // then this one's "before", so the audited changes add up to what is stored.
  const [org] = await tx.select({ id: organizations.id }).from(organizations).limit(1).for('no key update');
  if (!org) throw new Error('Userdesk is not set up yet: no organization exists.');
  const before = await getRetentionDays(tx);
  if (before === days) return;
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

/** Purge now, by hand: an Administrator's alone (the hourly job purges as the system). */
export async function purgeNow(tx: Tx, principal: Principal, meta?: RequestMeta): Promise<number> {
  requireAdministratorOf(principal);
  return purgeExpired(tx, principal.actor, meta);
}

/**
 * Removes the events older than the retention period, as a prefix of the chain: every link (one per
 * transaction) before the first one holding an event still inside the period. Records where it cut (the
 * link's hash there) so verification still passes, and audits the purge itself. Returns how many events
 * were removed.
 */
export async function purgeExpired(tx: Tx, actor: Actor, meta?: RequestMeta): Promise<number> {
  const days = await getRetentionDays(tx);
  if (days <= 0) return 0;
  // One purge at a time across instances: the next one then finds the cut already made.
  await tx.execute(sql`select pg_advisory_xact_lock(7311012)`);
  const [bound] = rowsOf(
    await tx.execute(sql`
      select coalesce(
        (select min(seq) - 1 from audit_blocks where at >= now() - make_interval(days => ${days})),
        (select max(seq) from audit_blocks)
      ) as seq`),
  );
  const cutSeq = bound?.seq == null ? null : Number(bound.seq);
  if (cutSeq === null || cutSeq <= 0) return 0;
  const [at] = rowsOf(await tx.execute(sql`select hash from audit_blocks where seq = ${cutSeq}`));
  if (!at) return 0; // already purged up to there
  await tx.execute(sql`select set_config('userdesk.audit_purge', 'on', true)`);
  const removed = rowsOf(
    await tx.execute(sql`
      with d as (delete from audit_events where id in (select unnest(event_ids) from audit_blocks where seq <= ${cutSeq}) returning 1)
      select count(*)::bigint as n from d`),
  );
  await tx.execute(sql`delete from audit_blocks where seq <= ${cutSeq}`);
  await tx.execute(sql`select set_config('userdesk.audit_purge', 'off', true)`);
  const count = Number(removed[0]?.n ?? 0);
  const hash = toBuffer(at.hash);
  await tx.insert(auditChainCuts).values({ seq: cutSeq, hash, eventsRemoved: count });
  await recordAudit(tx, {
    actor,
    action: 'audit.purged',
    detail: `${count} event(s) older than ${days} day(s) removed; chain cut after link ${cutSeq}, hash ${hash.toString('hex')}.`,
    meta,
  });
  return count;
}
