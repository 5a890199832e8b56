import { eq } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { outboxMessages } from '@/db/schema';
import { testDb } from '@/db/testing';
import { deliverDue, smtpTransport } from './deliver';
import { enqueueMail } from './outbox';
import { resetMail } from './templates';

// A real SMTP server in-process: what it receives is what a mail server would.
const received: { to: string; body: string }[] = [];
let rejectNext = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onRcptTo(address, _session, callback) {
    if (rejectNext > 0) {
      rejectNext--;
      return callback(new Error('Mailbox busy, try later'));
    }
    callback();
  },
  onData(stream, session, callback) {
    let body = '';
    stream.on('data', (chunk) => (body += chunk));
    stream.on('end', () => {
      received.push({ to: session.envelope.rcptTo[0]!.address, body });
      callback();
    });
  },
});
let url = '';
let db: Db;

beforeAll(async () => {
  db = await testDb();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `smtp://127.0.0.1:${(server.server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('deliverDue', () => {
  it('sends each message exactly once with two workers at work', async () => {
    for (let i = 0; i < 20; i++)
      await enqueueMail(db, { email: `person${i}@example.test` }, resetMail('Acme', `Person ${i}`, `http://localhost/set-password?token=t${i}`, 3_600_000));
    const [a, b] = [smtpTransport(url, 'Userdesk <no-reply@acme.test>'), smtpTransport(url, 'Userdesk <no-reply@acme.test>')];
    const [sentA, sentB] = await Promise.all([deliverDue(db, a), deliverDue(db, b)]);
    expect(sentA + sentB).toBe(20);
    expect(received).toHaveLength(20);
    expect(new Set(received.map((r) => r.to)).size).toBe(20);
    expect(received.find((r) => r.to === 'person0@example.test')!.body).toContain('Hello Person 0,');
    const rows = await db.select().from(outboxMessages);
    expect(rows.every((r) => r.status === 'sent' && r.attempts === 1 && r.sentAt)).toBe(true);
    // Nothing left to send.
    expect(await deliverDue(db, a)).toBe(0);
  });

  it('records a failure and retries later with backoff', async () => {
    received.length = 0;
    await enqueueMail(db, { email: 'flaky@example.test' }, resetMail('Acme', 'Flaky', 'http://localhost/x', 60_000));
    rejectNext = 1;
    const transport = smtpTransport(url, 'no-reply@acme.test');
    expect(await deliverDue(db, transport)).toBe(0);
    const [failed] = await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, 'flaky@example.test'));
    expect(failed).toMatchObject({ status: 'pending', attempts: 1 });
    expect(failed!.lastError).toContain('Mailbox busy');
    expect(failed!.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
    // Not due yet: nothing is sent until the backoff has passed.
    expect(await deliverDue(db, transport)).toBe(0);
    await db.update(outboxMessages).set({ nextAttemptAt: new Date() }).where(eq(outboxMessages.id, failed!.id));
    expect(await deliverDue(db, transport)).toBe(1);
    expect(received.map((r) => r.to)).toEqual(['flaky@example.test']);
  });
});
