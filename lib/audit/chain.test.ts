import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditBlocks, auditEvents, auditPending, auditVerifications } from '@/db/schema';
import { setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import { recordAudit, SYSTEM } from '.';
import { purgeExpired, setRetentionDays, verifyAndRecord, verifyChain } from './chain';

let db: Db;

beforeAll(async () => {
  db = await testDb();
  await setUpOrganization(db);
});

const write = (n: number, client: Db = db, tag = 'chain') =>
  Promise.all(
    Array.from({ length: n }, (_, i) =>
      client.transaction((tx) => recordAudit(tx, { actor: SYSTEM, action: 'test.written', detail: `${tag} ${i}` })),
    ),
  );

/** Runs SQL as an attacker with write access would: past the triggers. */
const tamper = (statement: ReturnType<typeof sql>) =>
  db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(statement);
  });

type LinkRow = { seq: number; ids: number[] };
const links = async (): Promise<LinkRow[]> =>
  (await db.select({ seq: auditBlocks.seq, ids: auditBlocks.eventIds }).from(auditBlocks).orderBy(auditBlocks.seq)).map((r) => ({
    seq: r.seq,
    ids: r.ids.map(Number),
  }));
const eventIds = async () => (await db.select({ id: auditEvents.id }).from(auditEvents).orderBy(auditEvents.id)).map((r) => r.id);

/** Recomputes every link from the events as they are now (an attacker with write access, or a fixture). */
const rechain = () =>
  tamper(sql`
    do $$ declare r record; prev bytea := (select hash from audit_chain_cuts order by id desc limit 1); d bytea;
    begin for r in select * from audit_blocks order by seq loop
      select string_agg(audit_event_digest(e), ''::bytea order by e.id) into d from audit_events e where e.id = any(r.event_ids);
      update audit_blocks set digests = d, prev_hash = prev, hash = audit_block_digest(prev, r.seq, d) where seq = r.seq;
      prev := audit_block_digest(prev, r.seq, d);
    end loop; update audit_chain_head set hash = prev; end $$`);

describe('audit chain', () => {
  it('chains every committed event, one link per transaction, and verifies', async () => {
    const before = (await links()).length;
    await write(5);
    await db.transaction(async (tx) => {
      await recordAudit(tx, { actor: SYSTEM, action: 'test.written', detail: 'two in one, a' });
      await recordAudit(tx, { actor: SYSTEM, action: 'test.written', detail: 'two in one, b' });
    });
    const chain = await links();
    expect(chain.length).toBe(before + 6);
    expect(chain.every((l, i) => l.seq === i + 1)).toBe(true);
    expect(chain.at(-1)!.ids).toHaveLength(2);
    // Links follow commit order; concurrent transactions may commit out of id order.
    expect(chain.flatMap((l) => l.ids).sort((a, b) => a - b)).toEqual(await eventIds());
    const verdict = await verifyAndRecord(db);
    expect(verdict).toMatchObject({ ok: true, problem: null, eventsChecked: (await eventIds()).length });
    expect((await db.select().from(auditVerifications)).at(-1)?.ok).toBe(true);
    expect(await db.select().from(auditPending)).toEqual([]);
  });

  it('leaves events rolled back to a savepoint out, and chains events written after constraints were checked early', async () => {
    const before = (await links()).length;
    await db.transaction(async (tx) => {
      await recordAudit(tx, { actor: SYSTEM, action: 'test.written', detail: 'kept 1' });
      await tx
        .transaction(async (sp) => {
          await recordAudit(sp, { actor: SYSTEM, action: 'test.written', detail: 'rolled back' });
          throw new Error('undo');
        })
        .catch(() => undefined);
      await tx.execute(sql`set constraints all immediate`);
      await tx.execute(sql`set constraints all deferred`);
      await recordAudit(tx, { actor: SYSTEM, action: 'test.written', detail: 'kept 2' });
    });
    const added = (await links()).slice(before);
    expect(added).toHaveLength(2);
    const details = await db.select({ id: auditEvents.id, detail: auditEvents.detail }).from(auditEvents).where(sql`detail in ('kept 1', 'kept 2', 'rolled back')`);
    expect(details.map((d) => d.detail).sort()).toEqual(['kept 1', 'kept 2']);
    expect(added.map((l) => l.ids)).toEqual([[details.find((d) => d.detail === 'kept 1')!.id], [details.find((d) => d.detail === 'kept 2')!.id]]);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it('refuses ordinary updates and deletes of events and links', async () => {
    await expect(db.execute(sql`update audit_events set detail = 'x'`)).rejects.toThrow();
    await expect(db.execute(sql`delete from audit_events`)).rejects.toThrow();
    await expect(db.execute(sql`update audit_blocks set hash = hash`)).rejects.toThrow();
    await expect(db.execute(sql`delete from audit_blocks`)).rejects.toThrow();
  });

  it('names an edited event', async () => {
    const victim = (await eventIds())[2]!;
    const [original] = await db.select({ detail: auditEvents.detail }).from(auditEvents).where(sql`id = ${victim}`);
    await tamper(sql`update audit_events set detail = 'edited' where id = ${victim}`);
    const verdict = await verifyAndRecord(db);
    expect(verdict).toMatchObject({ ok: false, problemEventId: victim });
    expect(verdict.problem).toBe(`Event #${victim} was changed after it was written.`);
    await tamper(sql`update audit_events set detail = ${original!.detail} where id = ${victim}`);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it('names a deleted event', async () => {
    const victim = (await eventIds())[3]!;
    await db.execute(sql`create table deleted_copy as select * from audit_events where id = ${victim}`);
    await tamper(sql`delete from audit_events where id = ${victim}`);
    expect(await verifyChain(db)).toMatchObject({ ok: false, problem: `Event #${victim} was removed.`, problemEventId: victim });
    await tamper(sql`insert into audit_events select * from deleted_copy`);
    await db.execute(sql`drop table deleted_copy`);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it('names an event slipped into a link, and a link rewritten to hide it', async () => {
    const chain = await links();
    const target = chain.at(-2)!;
    await tamper(sql`insert into audit_events (actor_type, actor_label, action, detail) values ('system', 'System', 'user.deleted', 'forged')`);
    const [forged] = await db.select({ id: auditEvents.id }).from(auditEvents).where(sql`detail = 'forged'`);
    // Listed in a link with its right digest, but the link's hash not recomputed.
    await tamper(sql`
      update audit_blocks b set event_ids = b.event_ids || ${forged!.id}::bigint,
        digests = b.digests || (select audit_event_digest(e) from audit_events e where e.id = ${forged!.id})
      where seq = ${target.seq}`);
    const first = target.ids[0]!;
    const range = target.ids.length === 0 ? '' : `events #${first} to #${forged!.id}`;
    expect(await verifyChain(db)).toMatchObject({ ok: false, problem: `The record of ${range} was changed: events were inserted into it or removed from it.` });
    // The link's own hash recomputed too: the next link no longer follows it.
    await tamper(sql`update audit_blocks set hash = audit_block_digest(prev_hash, seq, digests) where seq = ${target.seq}`);
    expect(await verifyChain(db)).toMatchObject({ ok: false, problem: `The record of ${range} was rewritten: the next link no longer follows it.`, problemEventId: first });
    await tamper(sql`
      update audit_blocks set event_ids = event_ids[1:cardinality(event_ids) - 1], digests = substring(digests from 1 for length(digests) - 32) where seq = ${target.seq}`);
    await tamper(sql`update audit_blocks set hash = audit_block_digest(prev_hash, seq, digests) where seq = ${target.seq}`);
    await tamper(sql`delete from audit_events where id = ${forged!.id}`);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it('names links removed from the end, and an event inserted outside the chain', async () => {
    const last = (await links()).at(-1)!;
    await db.execute(sql`create table tail_events as select * from audit_events where id = any(${`{${last.ids.join(',')}}`}::bigint[])`);
    await db.execute(sql`create table tail_link as select * from audit_blocks where seq = ${last.seq}`);
    await tamper(sql`delete from audit_events where id in (select id from tail_events)`);
    await tamper(sql`delete from audit_blocks where seq = ${last.seq}`);
    expect((await verifyChain(db)).problem).toMatch(/^The events of 1 transaction\(s\) were removed from the end of the chain/);
    await tamper(sql`insert into audit_events select * from tail_events`);
    await tamper(sql`insert into audit_blocks select * from tail_link`);
    await db.execute(sql`drop table tail_events`);
    await db.execute(sql`drop table tail_link`);
    expect((await verifyChain(db)).ok).toBe(true);
    await tamper(sql`insert into audit_events (actor_type, actor_label, action) values ('system', 'System', 'forged.outside')`);
    expect((await verifyChain(db)).problem).toMatch(/was inserted outside the chain/);
    await tamper(sql`delete from audit_events where action = 'forged.outside'`);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  // Without superuser rights: the purge's own switch lets any session delete, and nothing guards the head or the cuts.
  const purgeAsAnyone = (statement: ReturnType<typeof sql>) =>
    db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('userdesk.audit_purge', 'on', true)`);
      await tx.execute(statement);
    });

  it('names links removed from the end even when the head was wound back to hide it', async () => {
    await verifyAndRecord(db);
    const chain = await links();
    const [kept, last] = [chain.at(-2)!, chain.at(-1)!];
    await db.execute(sql`create table tail_events as select * from audit_events where id = any(${`{${last.ids.join(',')}}`}::bigint[])`);
    await db.execute(sql`create table tail_link as select * from audit_blocks where seq = ${last.seq}`);
    await purgeAsAnyone(sql`delete from audit_events where id in (select id from tail_events)`);
    await purgeAsAnyone(sql`delete from audit_blocks where seq = ${last.seq}`);
    await db.execute(sql`update audit_chain_head set seq = ${kept.seq}, hash = (select hash from audit_blocks where seq = ${kept.seq})`);
    expect((await verifyChain(db)).problem).toMatch(
      new RegExp(`^The chain ends at link ${kept.seq}, but a verification on .* saw it reach link ${last.seq}: the events of 1 transaction\\(s\\) were removed from its end`),
    );
    await tamper(sql`insert into audit_events select * from tail_events`);
    await tamper(sql`insert into audit_blocks select * from tail_link`);
    await db.execute(sql`update audit_chain_head set seq = ${last.seq}, hash = (select hash from audit_blocks where seq = ${last.seq})`);
    await db.execute(sql`drop table tail_events`);
    await db.execute(sql`drop table tail_link`);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it('names events removed from the start behind a cut that no purge made', async () => {
    const [first, second] = await links();
    await db.execute(sql`create table head_events as select * from audit_events where id = any(${`{${first!.ids.join(',')}}`}::bigint[])`);
    await db.execute(sql`create table head_link as select * from audit_blocks where seq = ${first!.seq}`);
    await purgeAsAnyone(sql`delete from audit_events where id in (select id from head_events)`);
    await purgeAsAnyone(sql`delete from audit_blocks where seq = ${first!.seq}`);
    await db.execute(sql`insert into audit_chain_cuts (seq, hash, events_removed) select seq, hash, 0 from head_link`);
    expect(await verifyChain(db)).toMatchObject({
      ok: false,
      problem: `The chain starts after link ${first!.seq}, but no purge recorded a cut there: the events before event #${second!.ids[0]} were removed.`,
      problemEventId: second!.ids[0],
    });
    await db.execute(sql`delete from audit_chain_cuts where id = (select max(id) from audit_chain_cuts)`);
    await tamper(sql`insert into audit_events select * from head_events`);
    await tamper(sql`insert into audit_blocks select * from head_link`);
    await db.execute(sql`drop table head_events`);
    await db.execute(sql`drop table head_link`);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it('names a link removed from the middle', async () => {
    const chain = await links();
    const [before, victim, after] = [chain.at(-3)!, chain.at(-2)!, chain.at(-1)!];
    await db.execute(sql`create table mid_link as select * from audit_blocks where seq = ${victim.seq}`);
    await db.execute(sql`create table mid_events as select * from audit_events where id = any(${`{${victim.ids.join(',')}}`}::bigint[])`);
    await tamper(sql`delete from audit_events where id in (select id from mid_events)`);
    await tamper(sql`delete from audit_blocks where seq = ${victim.seq}`);
    expect((await verifyChain(db)).problem).toBe(
      `The events of 1 transaction(s) were removed just before event #${after.ids[0]} (after event #${before.ids.at(-1)}).`,
    );
    await tamper(sql`insert into audit_events select * from mid_events`);
    await tamper(sql`insert into audit_blocks select * from mid_link`);
    await db.execute(sql`drop table mid_link`);
    await db.execute(sql`drop table mid_events`);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it('8 concurrent writers over two instances leave one unforked chain', async () => {
    const url = process.env.DATABASE_URL;
    // On PostgreSQL: two separate clients (two app instances). PGlite has one connection, so one client.
    const clients = url ? [postgres(url, { max: 4, onnotice: () => {} }), postgres(url, { max: 4, onnotice: () => {} })] : [];
    const instances: Db[] = url ? clients.map((c) => drizzle(c, { casing: 'snake_case' }) as unknown as Db) : [db, db];
    try {
      const before = await links();
      await Promise.all(
        Array.from({ length: 8 }, (_, writer) =>
          (async () => {
            for (let i = 0; i < 10; i++)
              await instances[writer % 2]!.transaction(async (tx) => {
                await recordAudit(tx, { actor: SYSTEM, action: 'test.concurrent', detail: `writer ${writer} #${i}` });
                await recordAudit(tx, { actor: SYSTEM, action: 'test.concurrent', detail: `writer ${writer} #${i} bis` });
              });
          })(),
        ),
      );
      const chain = await links();
      expect(chain.length).toBe(before.length + 80);
      expect(chain.every((l, i) => l.seq === i + 1)).toBe(true);
      expect(chain.slice(before.length).every((l) => l.ids.length === 2)).toBe(true);
      const total = (await eventIds()).length;
      expect(await verifyChain(db)).toMatchObject({ ok: true, eventsChecked: total });
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('a purge cuts the chain where it records, is audited, and verification still passes', async () => {
    const chain = await links();
    const old = chain.slice(0, 4);
    const oldIds = old.flatMap((l) => l.ids);
    await tamper(sql`update audit_events set at = now() - interval '40 days' where id = any(${`{${oldIds.join(',')}}`}::bigint[])`);
    await tamper(sql`update audit_blocks set at = now() - interval '40 days' where seq <= 4`);
    // Those events' digests covered the old times: re-chain them as if written then (fixture only).
    await rechain();
    expect((await verifyChain(db)).ok).toBe(true);
    await db.transaction((tx) => setRetentionDays(tx, { actor: SYSTEM, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] }, 30));
    const removed = await db.transaction((tx) => purgeExpired(tx, SYSTEM));
    expect(removed).toBe(oldIds.length);
    expect((await links())[0]!.seq).toBe(5);
    expect(await db.select().from(auditEvents).where(sql`id = any(${`{${oldIds.join(',')}}`}::bigint[])`)).toEqual([]);
    const [purged] = await db.select().from(auditEvents).where(sql`action = 'audit.purged'`);
    expect(purged?.detail).toContain(`${oldIds.length} event(s) older than 30 day(s) removed`);
    expect(await verifyChain(db)).toMatchObject({ ok: true, problem: null });
    expect(await db.transaction((tx) => purgeExpired(tx, SYSTEM))).toBe(0);
  });
});
