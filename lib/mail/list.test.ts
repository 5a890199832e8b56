import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { outboxMessages } from '@/db/schema';
import { testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { parseCursor } from '@/lib/time-cursor';
import { claimDue } from './deliver';
import { listOutbox, OUTBOX_PAGE_SIZE, outboxQueue, parseOutboxParams } from './list';
import { cancelOutboxMessage, retryOutboxMessage } from './manage';
import { enqueueMail } from './outbox';
import { invitationMail, passwordChangedMail } from './templates';

const admin: Principal = { actor: { type: 'user', id: '00000000-0000-4000-8000-000000000001', label: 'admin@example.test' }, permissions: [...PERMISSIONS], allEnvironments: true, environmentIds: [] };

let db: Db;
beforeAll(async () => {
  db = await testDb();
});
beforeEach(async () => {
  await db.delete(outboxMessages).where(sql`true`);
});

describe('listOutbox', () => {
  it('pages through messages written in one transaction (same timestamp) without skipping any', async () => {
    await db.transaction(async (tx) => {
      for (let i = 0; i < 60; i++) await enqueueMail(tx, { email: `p${i}@example.test` }, passwordChangedMail('Acme', `P${i}`));
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listOutbox(db, admin, { before: cursor });
      expect(page.messages.length).toBeLessThanOrEqual(OUTBOX_PAGE_SIZE);
      seen.push(...page.messages.map((m) => m.toAddress));
      cursor = page.next ?? undefined;
      if (cursor) expect(parseCursor(cursor)).not.toBeNull();
    } while (cursor);
    expect(new Set(seen).size).toBe(60);
  });

  it('filters by status', async () => {
    await enqueueMail(db, { email: 'a@example.test' }, passwordChangedMail('Acme', 'A'));
    await enqueueMail(db, { email: 'b@example.test' }, passwordChangedMail('Acme', 'B'));
    await db.update(outboxMessages).set({ status: 'failed', nextAttemptAt: null }).where(eq(outboxMessages.toAddress, 'b@example.test'));
    expect((await listOutbox(db, admin, { status: 'failed' })).messages.map((m) => m.toAddress)).toEqual(['b@example.test']);
  });
});

describe('the /outbox query parameters', () => {
  const garbage = [
    '1_00000000-0000-0000-0000-000000000000',
    '2024-02-30T00:00:00.000000Z_00000000-0000-0000-0000-000000000000',
    '+275760-09-13T00:00:00.000000Z_00000000-0000-0000-0000-000000000000',
    '2024-01-01T25:00:00.000000Z_00000000-0000-0000-0000-000000000000',
    '2024-01-01T00:00:00.000000Z_not-a-uuid',
    '2024-01-01T00:00:00.000Z_00000000-0000-0000-0000-000000000000',
    '2024-01-01T00:00:00.000000Z_00000000-0000-0000-0000-000000000000\u0000',
    '\u0000',
    '',
    '_',
    "'; drop table outbox_messages; --",
    '9'.repeat(5000),
  ];

  it('ignores a cursor listOutbox could not have written, with a message, and never fails', async () => {
    await enqueueMail(db, { email: 'only@example.test' }, passwordChangedMail('Acme', 'O'));
    for (const before of garbage) {
      const { params, problem } = parseOutboxParams({ before });
      expect(params.before, before).toBeUndefined();
      expect(problem).toMatch(/page link is not valid/);
      expect((await listOutbox(db, admin, params)).messages).toHaveLength(1);
    }
  });

  it('ignores repeated and unknown parameters and unknown statuses', () => {
    expect(parseOutboxParams({ before: ['a', 'b'], status: ['failed', 'sent'], x: 'y' }).params).toEqual({});
    expect(parseOutboxParams({ status: 'deleted' })).toMatchObject({ params: {}, problem: expect.stringMatching(/status filter/) });
    expect(parseOutboxParams({ status: 'failed' })).toEqual({ params: { status: 'failed' }, problem: undefined });
  });

  it('survives random input (fuzz: 500 random strings per parameter)', async () => {
    for (let i = 0; i < 500; i++) {
      const random = randomBytes(1 + (i % 60)).toString(i % 2 ? 'latin1' : 'base64');
      const { params } = parseOutboxParams({ before: random, status: random });
      if (i % 50 === 0) await listOutbox(db, admin, params);
      expect(params.before === undefined || parseCursor(params.before) !== null).toBe(true);
    }
    // A valid cursor at the edges of the calendar is accepted and queried without error.
    for (const before of ['0001-01-01T00:00:00.000000Z_00000000-0000-0000-0000-000000000000', '9999-12-31T23:59:59.999999Z_ffffffff-ffff-ffff-ffff-ffffffffffff']) {
      expect(parseOutboxParams({ before }).params.before).toBe(before);
      await listOutbox(db, admin, { before });
    }
  });
});

describe('outboxQueue', () => {
  it('counts per status, the oldest due message\'s wait, and the send rate', async () => {
    for (let i = 0; i < 3; i++) await enqueueMail(db, { email: `wait${i}@example.test` }, invitationMail('Acme', 'W', 'http://localhost/x', 60_000));
    await enqueueMail(db, { email: 'held@example.test' }, invitationMail('Acme', 'H', 'http://localhost/x', 60_000));
    await db.update(outboxMessages).set({ nextAttemptAt: sql`now() - interval '10 minutes'` }).where(eq(outboxMessages.toAddress, 'wait0@example.test'));
    await claimDue(db, 1); // the oldest due: it is now `sending` under a lease
    await db.update(outboxMessages).set({ nextAttemptAt: sql`now() - interval '4 minutes'` }).where(eq(outboxMessages.toAddress, 'wait1@example.test'));
    await db.update(outboxMessages).set({ status: 'failed', nextAttemptAt: null }).where(eq(outboxMessages.toAddress, 'wait2@example.test'));
    await db.insert(outboxMessages).values(
      Array.from({ length: 30 }, (_, i) => ({ kind: 'reset', toAddress: `sent${i}@example.test`, subject: 's', text: 't', html: 'h', status: 'sent' as const, nextAttemptAt: null, sentAt: new Date(Date.now() - (i < 12 ? 10_000 : 300_000)) })),
    );
    const queue = await outboxQueue(db, admin);
    expect(queue.counts).toEqual({ pending: 2, sending: 1, failed: 1, cancelled: 0, sentLastDay: 30 });
    expect(queue.oldestDueSeconds).toBeGreaterThanOrEqual(240);
    expect(queue.oldestDueSeconds).toBeLessThan(300);
    expect(queue.ratePerSecond.lastMinute).toBeCloseTo(12 / 60);
    expect(queue.ratePerSecond.last15Minutes).toBeCloseTo(30 / 900);
    await db.delete(outboxMessages).where(sql`${outboxMessages.status} <> 'sending'`);
    expect((await outboxQueue(db, admin)).oldestDueSeconds).toBeNull();
  });
});

describe('who reads the outbox', () => {
  // Its messages carry live invitation and reset links: a lesser role reading them could take over any
  // account, an Administrator's included (settings.manage alone once could).
  const lesser: [string, Principal][] = [
    ['settings.manage only, every environment', { ...admin, permissions: ['settings.manage'] }],
    ['every permission but one environment', { ...admin, allEnvironments: false, environmentIds: ['00000000-0000-4000-8000-000000000002'] }],
    ['every permission but audit.read', { ...admin, permissions: PERMISSIONS.filter((p) => p !== 'audit.read') }],
    ['an API user with every permission but one environment', { ...admin, actor: { type: 'api_user', id: '00000000-0000-4000-8000-000000000003', label: 'sync' }, allEnvironments: false }],
  ];

  it.each(lesser)('refuses %s: listing, the queue, retrying and cancelling', async (_label, principal) => {
    await db.transaction((tx) => enqueueMail(tx, { email: 'link@example.test' }, invitationMail('Acme', 'Ann', 'http://localhost:3000/set-password?token=secret', 86_400_000)));
    const [message] = await db.select().from(outboxMessages);
    await expect(listOutbox(db, principal)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(outboxQueue(db, principal)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(db.transaction((tx) => cancelOutboxMessage(tx, principal, message!.id))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(db.transaction((tx) => retryOutboxMessage(tx, principal, message!.id))).rejects.toMatchObject({ code: 'forbidden' });
    const [after] = await db.select().from(outboxMessages);
    expect(after!.status).toBe('pending');
  });

  it('lets an Administrator list and cancel', async () => {
    await db.transaction((tx) => enqueueMail(tx, { email: 'link@example.test' }, passwordChangedMail('Acme', 'Ann')));
    const { messages } = await listOutbox(db, admin);
    expect(messages.map((m) => m.toAddress)).toEqual(['link@example.test']);
    await db.transaction((tx) => cancelOutboxMessage(tx, admin, messages[0]!.id));
    expect((await listOutbox(db, admin, { status: 'cancelled' })).messages).toHaveLength(1);
  });
});
