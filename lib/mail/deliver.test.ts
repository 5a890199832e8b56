import { eq, sql } from 'drizzle-orm';
import type { Transporter } from 'nodemailer';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '@/db/client';
import { outboxMessages } from '@/db/schema';
import { testDb } from '@/db/testing';
import { rows } from '@/lib/db-rows';
import { backoffMs, claimDue, deliverDue, isPermanentFailure, isServerUnavailable, MAX_ATTEMPTS, messageIdFor, smtpTransport, UNAVAILABLE_PAUSE_MS, UNAVAILABLE_RETRY_MS } from './deliver';
import { enqueueMail } from './outbox';
import { refusal, startSink, type SinkOptions } from './sink';
import { invitationMail, lockedMail, resetMail } from './templates';

// A real SMTP server in-process: what it receives is what a mail server would have accepted.
const sinkBehaviour: SinkOptions = {};
let sink: Awaited<ReturnType<typeof startSink>>;
let db: Db;
let transport: Transporter;
const DOMAIN = 'acme.test';

const rowFor = async (email: string) => (await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, email)))[0]!;
const reset = (email: string) => enqueueMail(db, { email }, resetMail('Acme', email, `http://localhost/set-password?token=${email}`, 3_600_000));

beforeAll(async () => {
  db = await testDb();
  sink = await startSink({
    onRecipient: (address) => sinkBehaviour.onRecipient?.(address),
    beforeAccept: (message) => sinkBehaviour.beforeAccept?.(message),
  });
  transport = smtpTransport(sink.url, 'Userdesk <no-reply@acme.test>', { poolSize: 3 });
});
afterEach(async () => {
  sink.received.length = 0;
  delete sinkBehaviour.onRecipient;
  delete sinkBehaviour.beforeAccept;
  await db.delete(outboxMessages).where(sql`true`);
});
afterAll(async () => {
  transport.close();
  await sink.close();
});

describe('delivery', () => {
  it('sends each message exactly once with two senders at work, each under its own Message-ID', async () => {
    for (let i = 0; i < 40; i++) await reset(`person${i}@example.test`);
    const other = smtpTransport(sink.url, 'Userdesk <no-reply@acme.test>', { poolSize: 2 });
    const [a, b] = await Promise.all([
      deliverDue(db, transport, { domain: DOMAIN, window: 6, sender: 'a' }),
      deliverDue(db, other, { domain: DOMAIN, window: 6, sender: 'b' }),
    ]);
    other.close();
    expect(a + b).toBe(40);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    expect(sink.received).toHaveLength(40);
    expect(new Set(sink.received.map((r) => r.to)).size).toBe(40);
    const rows = await db.select().from(outboxMessages);
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1 && r.sentAt && r.nextAttemptAt === null && r.claimedBy === null)).toBe(true);
    const first = rows.find((r) => r.toAddress === 'person0@example.test')!;
    const mail = sink.received.find((r) => r.to === 'person0@example.test')!;
    expect(mail.messageId).toBe(`<${first.id}@acme.test>`);
    expect(mail.body).toContain('Hello person0@example.test,');
    expect(await deliverDue(db, transport, { domain: DOMAIN })).toBe(0);
  });

  it('keeps no working link in the stored copy of a sent message: the email had it, the row does not; unsent mail keeps it', async () => {
    const token = 'Zq3_x-9aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789ab';
    const url = `http://localhost/set-password?token=${token}`;
    await enqueueMail(db, { email: 'invitee@example.test' }, invitationMail('Acme', 'Ivy', url, 86_400_000));
    await enqueueMail(db, { email: 'waiting@example.test' }, invitationMail('Acme', 'Wes', `${url}W`, 86_400_000));
    sinkBehaviour.onRecipient = (address) => (address === 'waiting@example.test' ? refusal(451, 'try later') : undefined);
    await deliverDue(db, transport, { domain: DOMAIN });
    expect(sink.received.find((r) => r.to === 'invitee@example.test')!.body).toContain(token);
    const sent = await rowFor('invitee@example.test');
    expect(sent.status).toBe('sent');
    for (const stored of [sent.text, sent.html, JSON.stringify(sent.links)]) expect(stored).not.toContain(token);
    expect(sent.text).toContain('http://localhost/set-password?token=[removed once sent]');
    expect(sent.html).toContain('?token=[removed once sent]');
    expect(sent.links).toEqual([]);
    // A message still to be sent (retried later) must keep its link, or the retry would send a dead one.
    const waiting = await rowFor('waiting@example.test');
    expect(waiting.status).toBe('pending');
    expect(waiting.text).toContain(`${token}W`);
    expect(waiting.links).toEqual([`${url}W`]);
  });

  it('claims in one short transaction: the row is `sending`, counted and leased while SMTP talks', async () => {
    await reset('watched@example.test');
    let during: typeof outboxMessages.$inferSelect | undefined;
    // Read from outside while the mail server holds the message: no transaction may hide the claim.
    sinkBehaviour.beforeAccept = async () => {
      during = await rowFor('watched@example.test');
    };
    expect(await deliverDue(db, transport, { domain: DOMAIN, sender: 'host:1' })).toBe(1);
    expect(during).toMatchObject({ status: 'sending', attempts: 1, claimedBy: 'host:1' });
    expect(during!.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 60_000);
    expect(await rowFor('watched@example.test')).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('keeps the lease of a message while a slow server still talks: a second sender does not send it again', async () => {
    await reset('slow@example.test');
    // The mail server takes longer than a whole lease to answer (a tarpit, a slow relay).
    sinkBehaviour.beforeAccept = () => new Promise((r) => setTimeout(r, 2_500));
    const first = deliverDue(db, transport, { domain: DOMAIN, leaseMs: 1_000, sender: 'a' });
    await new Promise((r) => setTimeout(r, 1_600));
    const other = smtpTransport(sink.url, 'Userdesk <no-reply@acme.test>', { poolSize: 1 });
    const second = await deliverDue(db, other, { domain: DOMAIN, leaseMs: 1_000, sender: 'b' });
    other.close();
    expect(await first).toBe(1);
    expect(second).toBe(0);
    expect(sink.received.map((r) => r.to)).toEqual(['slow@example.test']);
    expect(await rowFor('slow@example.test')).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('retries a temporary refusal (4xx) with backoff', async () => {
    await reset('busy@example.test');
    sinkBehaviour.onRecipient = () => refusal(451, 'Mailbox busy, try later');
    expect(await deliverDue(db, transport, { domain: DOMAIN })).toBe(0);
    const row = await rowFor('busy@example.test');
    expect(row).toMatchObject({ status: 'pending', attempts: 1, claimedBy: null });
    expect(row.lastError).toContain('451');
    expect(row.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + backoffMs(1) - 5_000);
    // Not due yet: nothing is sent before the backoff has passed.
    delete sinkBehaviour.onRecipient;
    expect(await deliverDue(db, transport, { domain: DOMAIN })).toBe(0);
    await db.update(outboxMessages).set({ nextAttemptAt: new Date() }).where(eq(outboxMessages.id, row.id));
    expect(await deliverDue(db, transport, { domain: DOMAIN })).toBe(1);
    expect(await rowFor('busy@example.test')).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
    expect(sink.received.map((r) => r.messageId)).toEqual([messageIdFor(row.id, DOMAIN)]);
  });

  // PostgreSQL only: PGlite runs in this process and keeps its time by the same (here, wound back) clock.
  it.skipIf(process.env.VITEST_DB !== 'postgres')('times the backoff by the database\'s clock, which decides when a message is due: an app clock behind it does not retry at once', async () => {
    await reset('skewed@example.test');
    sinkBehaviour.onRecipient = () => refusal(451, 'Mailbox busy, try later');
    const realNow = Date.now;
    const behind = vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 2 * 60 * 60_000);
    try {
      expect(await deliverDue(db, transport, { domain: DOMAIN })).toBe(0);
    } finally {
      behind.mockRestore();
    }
    delete sinkBehaviour.onRecipient;
    const [wait] = await rows<{ seconds: number }>(db, sql`select extract(epoch from next_attempt_at - now())::float8 as seconds from outbox_messages where to_address = 'skewed@example.test'`);
    expect(Number(wait!.seconds)).toBeGreaterThan(backoffMs(1) / 1000 - 5);
    expect(await deliverDue(db, transport, { domain: DOMAIN })).toBe(0);
  });

  it('keeps a message the server could not be reached for, its attempt not counted: an outage longer than the backoff fails nothing', async () => {
    await reset('nowhere@example.test');
    // Already at its last attempt: counted, this would fail it for good.
    await db.update(outboxMessages).set({ attempts: MAX_ATTEMPTS - 1 }).where(sql`true`);
    const closed = smtpTransport('smtp://127.0.0.1:1', 'no-reply@acme.test');
    const outcomes: string[] = [];
    const started = Date.now();
    expect(await deliverDue(db, closed, { domain: DOMAIN, onOutcome: (outcome) => outcomes.push(outcome) })).toBe(0);
    closed.close();
    expect(outcomes).toEqual(['deferred']);
    // deliverDue returns during the pause that follows (no claims meanwhile), not after it.
    expect(Date.now() - started).toBeLessThan(UNAVAILABLE_PAUSE_MS);
    const row = await rowFor('nowhere@example.test');
    expect(row).toMatchObject({ status: 'pending', attempts: MAX_ATTEMPTS - 1 });
    expect(row.lastError).toBeTruthy();
    const [wait] = await rows<{ seconds: number }>(db, sql`select extract(epoch from next_attempt_at - now())::float8 as seconds from outbox_messages where to_address = 'nowhere@example.test'`);
    expect(Number(wait!.seconds)).toBeGreaterThan(UNAVAILABLE_RETRY_MS / 1000 - 5);
    // The server back: it goes out.
    await db.update(outboxMessages).set({ nextAttemptAt: sql`now()` }).where(sql`true`);
    expect(await deliverDue(db, transport, { domain: DOMAIN })).toBe(1);
  });

  it('tells the server being away from the message failing: only a connection or sign-in that never happened waits uncounted', () => {
    const smtp = (code: string, responseCode?: number) => Object.assign(new Error('x'), { code, responseCode });
    expect([smtp('ECONNECTION'), smtp('EDNS'), smtp('EAUTH', 535)].map(isServerUnavailable)).toEqual([true, true, true]);
    // Lost or stalled mid-message, or refused for this message: counted, so no message is tried for ever.
    expect([smtp('ETIMEDOUT'), smtp('ESOCKET'), smtp('EENVELOPE', 451), smtp('EMESSAGE', 552), new Error('x'), null].map(isServerUnavailable)).toEqual([false, false, false, false, false, false]);
  });

  it('fails a permanent refusal (5xx) at once, keeping the error', async () => {
    await reset('gone@example.test');
    sinkBehaviour.onRecipient = () => refusal(550, 'No such user here');
    expect(await deliverDue(db, transport, { domain: DOMAIN })).toBe(0);
    const row = await rowFor('gone@example.test');
    expect(row).toMatchObject({ status: 'failed', attempts: 1, nextAttemptAt: null });
    expect(row.lastError).toContain('550 No such user here');
  });

  it('takes as final only what cannot change: a 5xx to the envelope or message, or an envelope nodemailer refuses itself', () => {
    const smtp = (code: string, responseCode?: number) => Object.assign(new Error('refused'), { code, responseCode });
    expect([smtp('EENVELOPE', 550), smtp('EMESSAGE', 552), smtp('EENVELOPE')].map(isPermanentFailure)).toEqual([true, true, true]);
    // Temporary refusals, the server's own trouble (greeting, AUTH), and the network are tried again.
    expect([smtp('EENVELOPE', 451), smtp('EAUTH', 535), smtp('EPROTOCOL', 554), smtp('ECONNECTION'), smtp('ETIMEDOUT'), new Error('x'), null].map(isPermanentFailure)).toEqual(
      [false, false, false, false, false, false, false],
    );
  });

  it('ends `failed` at the last attempt', async () => {
    await reset('flaky@example.test');
    await db.update(outboxMessages).set({ attempts: MAX_ATTEMPTS - 1 }).where(sql`true`);
    sinkBehaviour.onRecipient = () => refusal(421, 'Try again later');
    await deliverDue(db, transport, { domain: DOMAIN });
    expect(await rowFor('flaky@example.test')).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, nextAttemptAt: null });
  });

  it('sends again, under the same Message-ID, a message whose sender died; the attempt stays counted', async () => {
    await reset('orphan@example.test');
    // A sender claims it and dies before sending anything: the row stays `sending` until its lease ends.
    const [claimed] = await claimDue(db, 10, { leaseMs: 60_000, sender: 'dead:1' });
    expect(await deliverDue(db, transport, { domain: DOMAIN })).toBe(0);
    await db.update(outboxMessages).set({ nextAttemptAt: new Date(Date.now() - 1) }).where(eq(outboxMessages.id, claimed!.id));
    expect(await deliverDue(db, transport, { domain: DOMAIN })).toBe(1);
    expect(await rowFor('orphan@example.test')).toMatchObject({ status: 'sent', attempts: 2 });
    expect(sink.received.map((r) => r.messageId)).toEqual([messageIdFor(claimed!.id, DOMAIN)]);
  });

  it('does not send a ninth time when the sender of the last attempt died', async () => {
    await reset('last@example.test');
    await db.update(outboxMessages).set({ attempts: MAX_ATTEMPTS - 1 }).where(sql`true`);
    await claimDue(db, 10, { leaseMs: 1 });
    await new Promise((r) => setTimeout(r, 20));
    expect(await deliverDue(db, transport, { domain: DOMAIN })).toBe(0);
    expect(sink.received).toHaveLength(0);
    const row = await rowFor('last@example.test');
    expect(row).toMatchObject({ status: 'failed', nextAttemptAt: null });
    expect(row.lastError).toContain('No result was recorded');
  });

  it('sends urgent mail (reset links, lock notices) before bulk invitations', async () => {
    for (let i = 0; i < 30; i++) await enqueueMail(db, { email: `invitee${i}@example.test` }, invitationMail('Acme', 'I', 'http://localhost/x', 60_000));
    await reset('urgent-reset@example.test');
    await enqueueMail(db, { email: 'urgent-lock@example.test' }, lockedMail('Acme', 'L', 'failed_attempts'));
    // A caller may also say so itself.
    await enqueueMail(db, { email: 'bulk-reset@example.test' }, resetMail('Acme', 'B', 'http://localhost/x', 60_000), { priority: 'bulk' });
    const firstClaim = await claimDue(db, 2);
    expect(firstClaim.map((m) => m.toAddress).sort()).toEqual(['urgent-lock@example.test', 'urgent-reset@example.test']);
    const rest = await claimDue(db, 100);
    expect(rest).toHaveLength(31);
    expect(rest.map((m) => m.toAddress)).toContain('bulk-reset@example.test');
  });
});
