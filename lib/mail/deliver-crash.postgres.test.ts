// What a crash costs: a sender killed with SIGKILL mid-send, and a sender whose database session is
// terminated mid-send. PostgreSQL only (PGlite cannot be shared between processes or sessions).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { and, eq, like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Db } from '@/db/client';
import * as schema from '@/db/schema';
import { outboxMessages } from '@/db/schema';
import { testDb } from '@/db/testing';
import { deliverDue, messageIdFor, smtpTransport } from './deliver';
import { enqueueMail } from './outbox';
import { startSink, type Received } from './sink';
import { resetMail } from './templates';

const DOMAIN = 'acme.test';
let db: Db;
let onAccept: ((message: Received) => Promise<void>) | undefined;
let sink: Awaited<ReturnType<typeof startSink>>;

beforeAll(async () => {
  db = await testDb();
  sink = await startSink({ beforeAccept: (message) => onAccept?.(message) });
});
afterAll(() => sink.close());

const enqueue = async (count: number, prefix: string) => {
  await db.transaction(async (tx) => {
    for (let i = 0; i < count; i++)
      await enqueueMail(tx, { email: `${prefix}${i}@example.test` }, resetMail('Acme', 'P', `http://localhost/set-password?token=${prefix}${i}`, 3_600_000));
  });
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a sender killed with SIGKILL mid-send', () => {
  it('loses nothing; the copies it leaves are at most its messages in flight, under the same Message-ID', async () => {
    await enqueue(300, 'k');
    let killedAt = -1;
    // One node process (no tsx wrapper), so SIGKILL hits the sender itself.
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/mail-worker.ts'], {
      env: { ...process.env, SMTP_URL: sink.url, MAIL_FROM: `Userdesk <no-reply@${DOMAIN}>`, SMTP_POOL_SIZE: '4', MAIL_LEASE_MS: '1500' },
      stdio: 'ignore',
    });

    const exited = new Promise<void>((resolve) => {
      // The mail server has the 60th message but has not answered yet: that is when the sender dies.
      onAccept = async () => {
        if (sink.received.length === 60) {
          killedAt = sink.received.length;
          child.kill('SIGKILL');
          await new Promise<void>((r) => child.once('exit', () => r()));
          resolve();
        }
      };
    });
    await exited;
    onAccept = undefined;
    expect(killedAt).toBe(60);
    const inFlight = await db.$count(outboxMessages, and(eq(outboxMessages.status, 'sending'), like(outboxMessages.claimedBy, `%:${child.pid}`)));
    expect(inFlight).toBeGreaterThan(0);

    // Another instance takes over; the dead sender's rows come back when their lease ends.
    const transport = smtpTransport(sink.url, `no-reply@${DOMAIN}`);
    const deadline = Date.now() + 30_000;
    while ((await db.$count(outboxMessages, sql`${outboxMessages.status} <> 'sent'`)) > 0 && Date.now() < deadline) {
      await deliverDue(db, transport, { domain: DOMAIN });
      await sleep(300);
    }
    transport.close();

    const rows = await db.select().from(outboxMessages);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const ids = sink.received.map((r) => r.messageId);
    // Nothing lost: every row's Message-ID arrived.
    expect(new Set(ids)).toEqual(new Set(rows.map((r) => messageIdFor(r.id, DOMAIN))));
    const duplicates = ids.length - new Set(ids).size;
    // At least the message the server had when the sender died; at most what the sender held.
    expect(duplicates).toBeGreaterThanOrEqual(1);
    expect(duplicates).toBeLessThanOrEqual(inFlight);
    // Each recipient's copies carry one Message-ID, so the copy is recognisable.
    const idsByRecipient = new Map<string, Set<string>>();
    for (const r of sink.received) idsByRecipient.set(r.to, (idsByRecipient.get(r.to) ?? new Set()).add(r.messageId));
    expect([...idsByRecipient.values()].every((s) => s.size === 1)).toBe(true);
    expect(idsByRecipient.size).toBe(300);
    sink.received.length = 0;
    await db.delete(outboxMessages).where(sql`true`);
  });
});

describe('a sender that loses its database session mid-send', () => {
  const role = `ud_mail_sender_${randomBytes(4).toString('hex')}`;
  let senderSql: postgres.Sql;
  let senderDb: Db;

  beforeAll(async () => {
    await db.execute(sql.raw(`create role ${role} login`));
    await db.execute(sql.raw(`grant usage on schema public to ${role}; grant all on all tables in schema public to ${role}`));
    const url = new URL(process.env.DATABASE_URL!);
    url.username = role;
    senderSql = postgres(url.toString(), { max: 2, onnotice: () => {} });
    senderDb = drizzle(senderSql, { schema, casing: 'snake_case' });
  });
  afterAll(async () => {
    await senderSql.end({ timeout: 1 }).catch(() => {});
    await db.execute(sql.raw(`drop owned by ${role}`));
    await db.execute(sql.raw(`drop role ${role}`));
  });

  it('leaves the attempt counted, and the row comes back once (same Message-ID) after its lease', async () => {
    await enqueue(1, 'lost');
    const [row] = await db.select().from(outboxMessages);
    let during: typeof row;
    // While the mail server has the message, the sender's session is terminated and cannot come back.
    onAccept = async () => {
      await db.execute(sql.raw(`alter role ${role} nologin`));
      await db.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${role}`);
      [during] = await db.select().from(outboxMessages);
    };
    const transport = smtpTransport(sink.url, `no-reply@${DOMAIN}`);
    // The sender is cut off: whether its own call ever returns (its client may keep trying to reach a
    // database that no longer lets it in) does not matter to the rest of the system, so it is not awaited forever.
    const cutOff = await Promise.race([deliverDue(senderDb, transport, { domain: DOMAIN, leaseMs: 60_000 }), sleep(15_000).then(() => 'still trying' as const)]);
    expect([0, 'still trying']).toContain(cutOff);
    onAccept = undefined;
    expect(during).toMatchObject({ status: 'sending', attempts: 1 });
    // The result could not be written: the row stays claimed, its attempt counted, until the lease ends.
    expect((await db.select().from(outboxMessages))[0]).toMatchObject({ status: 'sending', attempts: 1 });
    expect(await deliverDue(db, transport, { domain: DOMAIN })).toBe(0);
    // The lease runs out (moved, not waited for: a loaded machine must not make the check race it).
    await db.update(outboxMessages).set({ nextAttemptAt: sql`now() - interval '1 second'` }).where(eq(outboxMessages.id, row!.id));
    expect(await deliverDue(db, transport, { domain: DOMAIN })).toBe(1);
    expect(await deliverDue(db, transport, { domain: DOMAIN })).toBe(0);
    transport.close();
    expect((await db.select().from(outboxMessages))[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(sink.received.map((r) => r.messageId)).toEqual([messageIdFor(row!.id, DOMAIN), messageIdFor(row!.id, DOMAIN)]);
  }, 120_000);
});
