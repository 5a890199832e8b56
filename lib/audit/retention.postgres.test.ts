// Two Administrators setting the audit retention at once: the second change is audited with the value
// the first one saved as its before, so the log's story adds up to what is stored.
import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents } from '@/db/schema';
import { setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { getRetentionDays, setRetentionDays } from './chain';

let db: Db;
let admin: Principal;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  db = await testDb();
  const { adminId } = await setUpOrganization(db);
  admin = { actor: { type: 'user', id: adminId, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
});

it('of two saves at once, the second is audited from the value the first saved', async () => {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const first = db.transaction(async (tx) => {
    await setRetentionDays(tx, admin, 30);
    await held;
  });
  await sleep(200);
  const second = db.transaction((tx) => setRetentionDays(tx, admin, 60));
  await sleep(300);
  release();
  await Promise.all([first, second]);
  const events = await db.select({ changes: auditEvents.changes }).from(auditEvents).where(eq(auditEvents.action, 'audit.retention_changed')).orderBy(auditEvents.id);
  expect(events.map((e) => e.changes)).toEqual([{ retentionDays: { before: 0, after: 30 } }, { retentionDays: { before: 30, after: 60 } }]);
  expect(await getRetentionDays(db)).toBe(60);
}, 30_000);
