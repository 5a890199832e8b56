// The inactivity job on a PostgreSQL several instances share: two runs at once inactivate and audit
// each idle user once, a sign-in that commits while the job runs keeps that user active, and the last
// active Administrator stays.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { runInactivityJob } from './inactivity';

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);
let db: Db;
let adminId: string;

beforeAll(async () => {
  db = await testDb();
  ({ adminId } = await setUpOrganization(db));
  await db.update(users).set({ lastSignInAt: daysAgo(500), activatedAt: daysAgo(500) }).where(eq(users.id, adminId));
});

it('two runs at once: each idle user inactivated and audited once; a sign-in committed meanwhile keeps its user; one Administrator stays', async () => {
  const idle = await Promise.all(Array.from({ length: 20 }, (_, i) => insertUser(db, { email: `idle${i}@example.test`, lastSignInAt: daysAgo(200), activatedAt: daysAgo(300) })));
  const otherAdmin = await insertUser(db, { email: 'grace@example.test', role: 'Administrator', lastSignInAt: daysAgo(300), activatedAt: daysAgo(300) });
  const signingIn = idle[0]!;
  // A sign-in holds its user's row (written, not yet committed) while both jobs start.
  let commit!: () => void;
  const held = new Promise<void>((resolve) => (commit = resolve));
  let written!: () => void;
  const wrote = new Promise<void>((resolve) => (written = resolve));
  const signIn = db.transaction(async (tx) => {
    await tx.update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, signingIn.id));
    written();
    await held;
  });
  await wrote;
  const runs = [runInactivityJob(db), runInactivityJob(db)];
  await new Promise((resolve) => setTimeout(resolve, 300));
  commit();
  await signIn;
  const results = await Promise.all(runs);
  const again = await runInactivityJob(db);

  const ids = [...idle.map((u) => u.id), otherAdmin.id, adminId];
  const after = await db.select({ id: users.id, status: users.status }).from(users).where(inArray(users.id, ids));
  const status = Object.fromEntries(after.map((u) => [u.id, u.status]));
  expect(status[signingIn.id]).toBe('active');
  for (const u of idle.slice(1)) expect(status[u.id], u.email).toBe('inactive');
  expect([status[adminId], status[otherAdmin.id]].sort()).toEqual(['active', 'inactive']);
  expect(results.reduce((n, r) => n + r.inactivated, 0) + again.inactivated).toBe(20);
  const audits = await db
    .select({ targetId: auditEvents.targetId, n: sql<number>`count(*)::int` })
    .from(auditEvents)
    .where(and(eq(auditEvents.action, 'user.inactivated'), inArray(auditEvents.targetId, ids)))
    .groupBy(auditEvents.targetId);
  expect(audits).toHaveLength(20);
  expect(audits.every((a) => a.n === 1)).toBe(true);
}, 60_000);
