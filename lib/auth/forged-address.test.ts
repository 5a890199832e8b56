// A client that writes its own X-Forwarded-For (no proxy in front overwrites it) must not break sign-in
// or "Forgot password?" with it: a long value was taken as the client's address and used as a
// rate-limit key, too long to index, so even the right password failed with an internal error.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents } from '@/db/schema';
import { insertUser, setUpOrganization, testDb, TEST_PASSWORD } from '@/db/testing';
import { metaFromHeaders } from '@/lib/request';
import { requestPasswordReset } from '@/lib/users/access';
import { hashPassword } from './password';
import { signIn } from './sign-in';

let db: Db;
beforeAll(async () => {
  db = await testDb();
  await setUpOrganization(db);
  await insertUser(db, { email: 'forger@example.test', passwordHash: await hashPassword(TEST_PASSWORD) });
});

const forged = (value: string) => metaFromHeaders(new Headers({ 'x-forwarded-for': value, 'user-agent': 'probe' }));
// Random, so PostgreSQL cannot compress it under its index's size limit.
const junk = randomBytes(3000).toString('base64url');

describe('a forged X-Forwarded-For that is no address', () => {
  it('is recorded as no address, and the right password still signs in', async () => {
    expect(await signIn(db, 'forger@example.test', TEST_PASSWORD, forged(junk))).toMatchObject({ ok: true });
    expect(await signIn(db, 'forger@example.test', 'Wrong-Password-1', forged(`<b>${junk}</b>`))).toEqual({ ok: false, reason: 'invalid' });
    const ips = (await db.select({ ip: auditEvents.ip }).from(auditEvents)).map((e) => e.ip);
    expect(ips.every((ip) => ip === null || ip.length < 50)).toBe(true);
  });

  it('leaves "Forgot password?" working', async () => {
    await expect(db.transaction((tx) => requestPasswordReset(tx, 'forger@example.test', forged(junk)))).resolves.toBeUndefined();
  });
});
