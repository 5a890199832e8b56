import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { testDb } from '@/db/testing';
import { listOutbox, OUTBOX_PAGE_SIZE } from './list';
import { enqueueMail } from './outbox';
import { passwordChangedMail } from './templates';

let db: Db;
beforeAll(async () => {
  db = await testDb();
});

describe('listOutbox', () => {
  it('pages through messages written in one transaction (same timestamp) without skipping any', async () => {
    await db.transaction(async (tx) => {
      for (let i = 0; i < 60; i++) await enqueueMail(tx, { email: `p${i}@example.test` }, passwordChangedMail('Acme', `P${i}`));
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listOutbox(db, cursor);
      expect(page.messages.length).toBeLessThanOrEqual(OUTBOX_PAGE_SIZE);
      seen.push(...page.messages.map((m) => m.toAddress));
      cursor = page.next ?? undefined;
    } while (cursor);
    expect(new Set(seen).size).toBe(60);
  });
});
