// Bearer tokens and clocks: every request checks a token's expiry by the database's clock, so it must be
// timed by it too (as SOAP AuthenticationTokens are). PostgreSQL only: PGlite runs in this process and
// reads its (faked) clock.
import { sql } from 'drizzle-orm';
import { beforeAll, expect, it, vi } from 'vitest';
import type { Db } from '@/db/client';
import { setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import { rows } from '@/lib/db-rows';
import { authenticate, authenticateAndCount, confirmCaller, issueApiToken } from './authenticate';
import { createApiUser, newApiUserSchema } from './manage';

let db: Db;
let key: string;

beforeAll(async () => {
  db = await testDb();
  const { adminId } = await setUpOrganization(db);
  const admin = { actor: { type: 'user' as const, id: adminId, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  const input = newApiUserSchema.parse({ username: 'clockwork', scope: 'organization', expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString() });
  ({ key } = await db.transaction((tx) => createApiUser(tx, admin, input)));
});

it('gives a token that lives the minutes asked by the database clock, whatever the app server clock says', async () => {
  for (const offset of [-2, 2]) {
    // This app server's clock hours off the database's: timed by it, a token was born expired, or lived hours longer.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + offset * 3_600_000 });
    const issued = await db.transaction((tx) => issueApiToken(tx, { apiUsername: 'clockwork', key, sessionLengthInMinutes: 30 })).finally(() => vi.useRealTimers());
    const [lifetime] = await rows<{ minutes: number }>(db, sql`select round(extract(epoch from ${issued.expiresAt.toISOString()}::timestamptz - now()) / 60)::int as minutes`);
    expect(lifetime!.minutes, `clock ${offset} hours off`).toBe(30);
    expect((await authenticate(db, `Bearer ${issued.token}`)).username, `clock ${offset} hours off`).toBe('clockwork');
  }
});

it('a key works until it expires by the database clock, whatever the app server clock says: not refused early, never exchanged late', async () => {
  const admin = { actor: { type: 'user' as const, id: (await rows<{ id: string }>(db, sql`select id from users limit 1`))[0]!.id, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  const soon = await db.transaction((tx) => createApiUser(tx, admin, newApiUserSchema.parse({ username: 'clock-soon', scope: 'organization', expiresAt: new Date(Date.now() + 86_400_000).toISOString() })));
  const gone = await db.transaction((tx) => createApiUser(tx, admin, newApiUserSchema.parse({ username: 'clock-gone', scope: 'organization', expiresAt: new Date(Date.now() + 86_400_000).toISOString() })));
  await db.execute(sql`update api_users set expires_at = now() + interval '1 hour' where username = 'clock-soon'`);
  await db.execute(sql`update api_users set expires_at = now() - interval '1 hour' where username = 'clock-gone'`);
  try {
    // An app clock two hours ahead: the key has an hour left.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 2 * 3_600_000 });
    expect((await authenticateAndCount(db, `Bearer ${soon.key}`)).caller.username).toBe('clock-soon');
    expect((await db.transaction((tx) => issueApiToken(tx, { apiUsername: 'clock-soon', key: soon.key, sessionLengthInMinutes: 30 }))).token).toMatch(/^udt_/);
    const caller = await authenticate(db, `Bearer ${soon.key}`);
    expect((await db.transaction((tx) => confirmCaller(tx, caller))).actor.label).toBe('clock-soon');
    // Two hours behind: the other expired an hour ago.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 4 * 3_600_000 });
    await expect(db.transaction((tx) => issueApiToken(tx, { apiUsername: 'clock-gone', key: gone.key, sessionLengthInMinutes: 30 }))).rejects.toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(/expired/) });
    await expect(authenticate(db, `Bearer ${gone.key}`)).rejects.toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(/expired/) });
  } finally {
    vi.useRealTimers();
  }
});

it('a key is made only to expire in the future by the database clock, whatever the app server clock says', async () => {
  const admin = { actor: { type: 'user' as const, id: (await rows<{ id: string }>(db, sql`select id from users limit 1`))[0]!.id, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  const anHourAgo = new Date(Date.now() - 3_600_000).toISOString();
  // An app clock two hours behind takes an hour ago for the future.
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 2 * 3_600_000 });
  try {
    const input = newApiUserSchema.parse({ username: 'clock-born-expired', scope: 'organization', expiresAt: anHourAgo });
    await expect(db.transaction((tx) => createApiUser(tx, admin, input))).rejects.toMatchObject({ fieldErrors: { expiresAt: ['The expiration date must be in the future.'] } });
  } finally {
    vi.useRealTimers();
  }
  expect(await rows(db, sql`select 1 from api_users where username = 'clock-born-expired'`)).toEqual([]);
});
