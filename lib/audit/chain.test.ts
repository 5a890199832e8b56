import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, auditVerifications } from '@/db/schema';
import { setUpOrganization, testDb } from '@/db/testing';
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

const chainRows = async () =>
  (await db.select({ id: auditEvents.id, seq: auditEvents.chainSeq }).from(auditEvents).orderBy(auditEvents.chainSeq)).map((r) => ({
    id: r.id,
    seq: r.seq!,
  }));

describe('audit chain', () => {
  it('chains every committed event and verifies', async () => {
    await write(5);
    const rows = await chainRows();
    expect(rows.every((r, i) => r.seq === i + 1)).toBe(true);
    const verdict = await verifyAndRecord(db);
    expect(verdict).toMatchObject({ ok: true, problem: null, eventsChecked: rows.length });
    expect((await db.select().from(auditVerifications)).at(-1)?.ok).toBe(true);
  });

  it('refuses ordinary updates and deletes of events', async () => {
    await expect(db.execute(sql`update audit_events set detail = 'x'`)).rejects.toThrow();
    await expect(db.execute(sql`delete from audit_events`)).rejects.toThrow();
  });

  it('names an edited event', async () => {
    const victim = (await chainRows())[2]!;
    const [original] = await db.select({ detail: auditEvents.detail }).from(auditEvents).where(sql`id = ${victim.id}`);
    await tamper(sql`update audit_events set detail = 'edited' where id = ${victim.id}`);
    const verdict = await verifyAndRecord(db);
    expect(verdict).toMatchObject({ ok: false, problemEventId: victim.id });
    expect(verdict.problem).toBe(`Event #${victim.id} was changed after it was written.`);
    await tamper(sql`update audit_events set detail = ${original!.detail} where id = ${victim.id}`);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it('names a deleted event', async () => {
    const rows = await chainRows();
    const [before, victim, after] = [rows[1]!, rows[2]!, rows[3]!];
    await db.execute(sql`create table deleted_copy as select * from audit_events where id = ${victim.id}`);
    await tamper(sql`delete from audit_events where id = ${victim.id}`);
    const verdict = await verifyChain(db);
    expect(verdict.ok).toBe(false);
    expect(verdict.problem).toBe(`1 event(s) were removed just before event #${after.id} (after event #${before.id}).`);
    await tamper(sql`insert into audit_events select * from deleted_copy`);
    await db.execute(sql`drop table deleted_copy`);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it('names an inserted event, even one whose own hash is right', async () => {
    const rows = await chainRows();
    const last = rows.at(-1)!;
    const previous = rows.at(-2)!;
    // Make room before the last event and forge an event that links to the one before it.
    await tamper(sql`update audit_events set chain_seq = chain_seq + 1 where id = ${last.id}`);
    await tamper(sql`
      insert into audit_events (actor_type, actor_label, action, detail, chain_seq, prev_hash)
      select 'system', 'System', 'user.deleted', 'forged', ${last.seq}, hash from audit_events where id = ${previous.id}`);
    await tamper(sql`update audit_events e set hash = audit_event_digest(e.prev_hash, e) where detail = 'forged'`);
    const [forged] = await db.select({ id: auditEvents.id }).from(auditEvents).where(sql`detail = 'forged'`);
    const verdict = await verifyChain(db);
    expect(verdict).toMatchObject({ ok: false, problemEventId: forged!.id });
    expect(verdict.problem).toBe(`Event #${forged!.id} was inserted into the chain.`);
    await tamper(sql`delete from audit_events where id = ${forged!.id}`);
    await tamper(sql`update audit_events set chain_seq = chain_seq - 1 where id = ${last.id}`);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it('names events removed from the end, and an event inserted outside the chain', async () => {
    const last = (await chainRows()).at(-1)!;
    await db.execute(sql`create table tail_copy as select * from audit_events where id = ${last.id}`);
    await tamper(sql`delete from audit_events where id = ${last.id}`);
    expect((await verifyChain(db)).problem).toMatch(/^1 event\(s\) were removed from the end of the chain/);
    await tamper(sql`insert into audit_events select * from tail_copy`);
    await db.execute(sql`drop table tail_copy`);
    await tamper(sql`insert into audit_events (actor_type, actor_label, action) values ('system', 'System', 'forged.outside')`);
    expect((await verifyChain(db)).problem).toMatch(/was inserted outside the chain/);
    await tamper(sql`delete from audit_events where action = 'forged.outside'`);
    expect((await verifyChain(db)).ok).toBe(true);
  });

  it('8 concurrent writers over two instances leave one unforked chain', async () => {
    const url = process.env.DATABASE_URL;
    // On PostgreSQL: two separate clients (two app instances). PGlite has one connection, so one client.
    const clients = url ? [postgres(url, { max: 4, onnotice: () => {} }), postgres(url, { max: 4, onnotice: () => {} })] : [];
    const instances: Db[] = url ? clients.map((c) => drizzle(c, { casing: 'snake_case' }) as unknown as Db) : [db, db];
    try {
      const before = (await chainRows()).length;
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
      const rows = await chainRows();
      expect(rows.length).toBe(before + 160);
      expect(rows.every((r, i) => r.seq === i + 1)).toBe(true);
      expect(await verifyChain(db)).toMatchObject({ ok: true, eventsChecked: before + 160 });
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('a purge cuts the chain where it records, is audited, and verification still passes', async () => {
    await tamper(sql`update audit_events set at = now() - interval '40 days' where chain_seq <= 4`);
    // Those rows' hashes covered the old times: re-chain them as if written then (fixture only).
    await tamper(sql`
      do $$ declare r audit_events; prev bytea := '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
      begin for r in select * from audit_events order by chain_seq loop
        update audit_events set prev_hash = prev, hash = audit_event_digest(prev, r) where id = r.id;
        prev := audit_event_digest(prev, r);
      end loop; update audit_chain_head set hash = prev; end $$`);
    expect((await verifyChain(db)).ok).toBe(true);
    await db.transaction((tx) => setRetentionDays(tx, SYSTEM, 30));
    const removed = await db.transaction((tx) => purgeExpired(tx, SYSTEM));
    expect(removed).toBe(4);
    const rows = await chainRows();
    expect(rows[0]!.seq).toBe(5);
    const [purged] = await db.select().from(auditEvents).where(sql`action = 'audit.purged'`);
    expect(purged?.detail).toContain('4 event(s) older than 30 day(s) removed');
    expect(await verifyChain(db)).toMatchObject({ ok: true, problem: null });
    expect(await db.transaction((tx) => purgeExpired(tx, SYSTEM))).toBe(0);
  });
});
