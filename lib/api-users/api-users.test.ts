import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { apiRateWindows, apiTokens, apiUsers, auditEvents, environments, outboxMessages, roles, userEnvironments, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { AppError } from '@/lib/errors';
import { authenticate, authenticateAndCount, ENVIRONMENT_KEY_PERMISSIONS, INVALID_KEY, INVALID_TOKEN, issueApiToken, MALFORMED, MISSING, REVOKED, takeRequest } from './authenticate';
import { warnExpiringApiUsers } from './expiry';
import { parseCredential } from './keys';
import { apiUserStatus, apiUsersSummary, countApiUsers, createApiUser, deleteApiUser, deleteApiUserNow, listApiUsers, newApiUserSchema, revokeApiUser, userIdByEmail, usernameTaken } from './manage';

let db: Db;
let environmentId: string;
let admin: Principal;
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as AppError);
const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString();
const bearer = (key: string) => `Bearer ${key}`;

async function create(input: Record<string, unknown>, principal = admin) {
  const parsed = newApiUserSchema.parse({ expiresAt: inAYear(), scope: 'organization', ...input });
  return db.transaction((tx) => createApiUser(tx, principal, parsed));
}

beforeAll(async () => {
  db = await testDb();
  const org = await setUpOrganization(db);
  environmentId = org.environmentId;
  admin = { actor: { type: 'user', id: org.adminId, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
});

describe('creating API users', () => {
  it('returns a recognisable key stored only as a SHA-256 hash, audited', async () => {
    const { id, key } = await create({ username: 'erp-sync', description: 'ERP' });
    expect(key).toMatch(/^udk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const [row] = await db.select().from(apiUsers).where(eq(apiUsers.id, id));
    expect(row!.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(key.slice(21));
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.targetId, id));
    expect(event).toMatchObject({ action: 'api_user.created', actorType: 'user' });
  });

  it('refuses a username taken ignoring case, also when two saves race', async () => {
    await create({ username: 'Dup.User' });
    expect(await usernameTaken(db, 'dup.user')).toBe(true);
    const error = await failure(create({ username: 'DUP.USER' }));
    expect(error!.fieldErrors!.username).toEqual(['An API user with this username already exists.']);
    const results = await Promise.allSettled([create({ username: 'race-a' }), create({ username: 'RACE-A' })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await db.select().from(apiUsers).where(sql`lower(username) = 'race-a'`)).length).toBe(1);
  });

  it('only a person administering every environment may create, revoke or delete; never a key', async () => {
    const manager: Principal = { actor: { type: 'user', id: admin.actor.type === 'user' ? admin.actor.id : '', label: 'm' }, permissions: ['apiUsers.manage', 'users.read'], allEnvironments: false, environmentIds: [environmentId] };
    expect(await failure(create({ username: 'nope-1' }, manager))).toMatchObject({ code: 'forbidden' });
    const key: Principal = { actor: { type: 'api_user', id: '00000000-0000-4000-8000-000000000009', label: 'k' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
    expect(await failure(create({ username: 'nope-2' }, key))).toMatchObject({ code: 'forbidden' });
    const { id } = await create({ username: 'victim' });
    expect(await failure(db.transaction((tx) => revokeApiUser(tx, key, id)))).toMatchObject({ code: 'forbidden' });
    expect(await failure(db.transaction((tx) => deleteApiUser(tx, manager, id)))).toMatchObject({ code: 'forbidden' });
    expect((await db.select().from(apiUsers).where(eq(apiUsers.id, id)))[0]!.revokedAt).toBeNull();
  });

  it('a key gives no more than its creator holds: a manager of API users alone mints no Administrator key', async () => {
    // A custom role with API users and every environment, but none of the user permissions.
    const keyKeeper: Principal = { actor: { type: 'user', id: admin.actor.type === 'user' ? admin.actor.id : '', label: 'k' }, permissions: ['apiUsers.manage', 'users.read'], allEnvironments: true, environmentIds: [] };
    const refused = async (input: Record<string, unknown>, field: string) => {
      const error = await failure(create(input, keyKeeper));
      expect(error).toMatchObject({ code: 'forbidden' });
      expect(error!.fieldErrors![field]).toHaveLength(1);
    };
    await refused({ username: 'escalate-org' }, 'scope');
    await refused({ username: 'escalate-env', scope: 'environments', environmentIds: [environmentId] }, 'scope');
    await refused({ username: 'escalate-admin', scope: 'user', userId: admin.actor.type === 'user' ? admin.actor.id : '' }, 'userId');
    expect(await db.select().from(apiUsers).where(sql`username like 'escalate-%'`)).toEqual([]);
    // What the creator does hold can be handed on: a key acting as a user with no permissions.
    const plain = await insertUser(db, { email: 'plain-key-target@example.test', role: 'User', environmentId });
    expect((await create({ username: 'plain-user-key', scope: 'user', userId: plain.id }, keyKeeper)).key).toMatch(/^udk_/);
  });

  it('an Environment key is for environments the form lists: an archived one, sent straight to the action, is a field error and nothing is made', async () => {
    const [archived] = await db.insert(environments).values({ name: 'Retired', archivedAt: new Date() }).returning();
    const error = await failure(create({ username: 'archived-env-key', scope: 'environments', environmentIds: [environmentId, archived!.id] }));
    expect(error).toMatchObject({ code: 'invalid', fieldErrors: { environmentIds: ['Choose environments from the list.'] } });
    expect(await db.select().from(apiUsers).where(eq(apiUsers.username, 'archived-env-key'))).toEqual([]);
  });

  it('validates scope, expiry in the future, and the chosen user/environments', () => {
    const bad = newApiUserSchema.safeParse({ username: 'x', scope: 'user', expiresAt: '2001-01-01', environmentIds: [] });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['username', 'expiresAt']));
    const env = newApiUserSchema.safeParse({ username: 'envs', scope: 'environments', expiresAt: inAYear() });
    expect(env.error!.issues.map((i) => i.path.join('.'))).toEqual(['environmentIds']);
    const user = newApiUserSchema.safeParse({ username: 'usr', scope: 'user', expiresAt: inAYear() });
    expect(user.error!.issues.map((i) => i.path.join('.'))).toEqual(['userId']);
  });
});

describe('garbage in the create form, sent straight to the action', () => {
  const issues = (input: Record<string, unknown>) => {
    const parsed = newApiUserSchema.safeParse({ username: 'garbage', scope: 'organization', expiresAt: inAYear(), ...input });
    return parsed.success ? {} : z.flattenError(parsed.error).fieldErrors;
  };

  it('a rate limit is a whole number of requests a minute, 1 to 100,000; an emptied field is pointed out, not taken as 0', () => {
    for (const rateLimitPerMinute of ['', '   ', '0', '-5', '1.5', '1e3', '0x10', 'Infinity', '100001', '9'.repeat(400)])
      expect(issues({ rateLimitPerMinute }), rateLimitPerMinute).toHaveProperty('rateLimitPerMinute');
    expect(issues({ rateLimitPerMinute: '' })).toMatchObject({ rateLimitPerMinute: ['Enter a whole number of requests a minute.'] });
    expect(issues({ rateLimitPerMinute: '100001' })).toMatchObject({ rateLimitPerMinute: ['At most 100,000 requests a minute.'] });
    const parse = (rateLimitPerMinute?: unknown) => newApiUserSchema.parse({ username: 'garbage', scope: 'organization', expiresAt: inAYear(), rateLimitPerMinute }).rateLimitPerMinute;
    expect([parse(), parse(' 120 '), parse(60), parse('100000')]).toEqual([600, 120, 60, 100_000]);
  });

  it('a username or expiration date left out, or posted twice, is named in words, never as a type', () => {
    const without = (field: string) => {
      const input: Record<string, unknown> = { username: 'garbage', scope: 'organization', expiresAt: inAYear() };
      delete input[field];
      const parsed = newApiUserSchema.safeParse(input);
      return parsed.success ? {} : z.flattenError(parsed.error).fieldErrors;
    };
    expect(without('username')).toEqual({ username: ['Enter a username.'] });
    expect(without('expiresAt')).toEqual({ expiresAt: ['Choose an expiration date.'] });
    expect(issues({ username: ['erp', 'sync'] })).toEqual({ username: ['Send one username.'] });
    expect(issues({ expiresAt: [inAYear(), inAYear()] })).toEqual({ expiresAt: ['Send one expiration date.'] });
  });

  it('an expiration date that is not on the calendar, or not an unambiguous ISO date, is refused rather than moved', () => {
    const year = new Date().getUTCFullYear() + 1;
    for (const expiresAt of [`${year}-02-30`, `${year}-04-31`, `${year}-13-01`, `${year}-02-30T12:00:00Z`, '12/31/' + year, String(year), '0', `${year}-06-01T12:00`, 'tomorrow'])
      expect(issues({ expiresAt }), expiresAt).toMatchObject({ expiresAt: ['Enter a date as YYYY-MM-DD.'] });
    const parsed = newApiUserSchema.parse({ username: 'garbage', scope: 'organization', expiresAt: `${year}-02-28` });
    expect(parsed.expiresAt.toISOString()).toBe(`${year}-02-28T23:59:59.999Z`);
    expect(newApiUserSchema.parse({ username: 'garbage', scope: 'organization', expiresAt: `${year}-06-01T12:00:00+02:00` }).expiresAt.toISOString()).toBe(`${year}-06-01T10:00:00.000Z`);
    expect(issues({ expiresAt: `${year + 10}-01-01` })).toMatchObject({ expiresAt: ['Keys expire within five years.'] });
    expect(issues({ expiresAt: '+275760-09-13T00:00:00Z' })).toHaveProperty('expiresAt');
  });

  it('a description with NUL or hidden characters is a field error, not a failed save; line breaks are kept as spaces', async () => {
    expect(issues({ description: 'ERP\u0000sync' })).toHaveProperty('description');
    expect(issues({ description: 'ERP \u202esync' })).toHaveProperty('description');
    expect(newApiUserSchema.parse({ username: 'garbage', scope: 'organization', expiresAt: inAYear(), description: 'line one\r\nline\ttwo' }).description).toBe('line one line two');
  });

  it('the email of a Specific User key finds its user whatever the case; garbage finds no one and never reaches SQL as text PostgreSQL refuses', async () => {
    const person = await insertUser(db, { email: 'Find.Me@example.test', role: 'User', environmentId });
    expect(await userIdByEmail(db, '  find.me@EXAMPLE.test ')).toBe(person.id);
    for (const email of ['find.me\u0000@example.test', '', 'not an email', 'x'.repeat(10_000), '\ud800@example.test']) expect(await userIdByEmail(db, email)).toBeUndefined();
  });
});

// The plain check, and the hot path that also counts the request in the same statement.
const countedCaller = (q: Db, authorization: string | null) => authenticateAndCount(q, authorization).then((r) => r.caller);
describe.each([
  ['authenticate', authenticate],
  ['authenticateAndCount', countedCaller],
])('keys (%s)', (_name, authenticate) => {
  it('authenticates with the Principal of each scope', async () => {
    const org = await create({ username: `org-key-${_name}` });
    expect((await authenticate(db, bearer(org.key))).principal).toMatchObject({ allEnvironments: true, permissions: PERMISSIONS, actor: { type: 'api_user', label: `org-key-${_name}` } });
    const env = await create({ username: `env-key-${_name}`, scope: 'environments', environmentIds: [environmentId] });
    expect((await authenticate(db, bearer(env.key))).principal).toMatchObject({ allEnvironments: false, permissions: ENVIRONMENT_KEY_PERMISSIONS, environmentIds: [environmentId] });
    const person = await insertUser(db, { email: `acts-as-${_name}@example.test`, role: 'Account Manager', environmentId });
    const usr = await create({ username: `user-key-${_name}`, scope: 'user', userId: person.id });
    expect((await authenticate(db, bearer(usr.key))).principal).toMatchObject({ allEnvironments: false, environmentIds: [environmentId], permissions: ['users.read', 'users.write', 'users.unlock', 'users.ban'] });
    // The user's state is re-read at every call. A lock (anyone can cause one with wrong passwords) does
    // not stop the integration acting as them; a ban, inactivity or an invitation never accepted does.
    await db.update(users).set({ status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() }).where(eq(users.id, person.id));
    expect((await authenticate(db, bearer(usr.key))).principal.environmentIds).toEqual([environmentId]);
    for (const status of ['banned', 'inactive', 'invited'] as const) {
      await db.update(users).set({ status }).where(eq(users.id, person.id));
      expect(await failure(authenticate(db, bearer(usr.key)))).toMatchObject({ code: 'forbidden', message: expect.stringContaining(status) });
    }
  });

  it('a key never does more than the person who made it may now: nothing once they are banned or inactive, less once demoted', async () => {
    const [sandbox] = await db.insert(environments).values({ name: `Sandbox ${_name}` }).returning();
    const maker = await insertUser(db, { email: `key-maker-${_name}@example.test`, role: 'Administrator' });
    const makerPrincipal: Principal = { ...admin, actor: { type: 'user', id: maker.id, label: maker.email } };
    const person = await insertUser(db, { email: `made-for-${_name}@example.test`, role: 'Account Manager', environmentId });
    const org = await create({ username: `made-org-${_name}` }, makerPrincipal);
    const env = await create({ username: `made-env-${_name}`, scope: 'environments', environmentIds: [environmentId, sandbox!.id] }, makerPrincipal);
    const usr = await create({ username: `made-usr-${_name}`, scope: 'user', userId: person.id }, makerPrincipal);
    const keys = [org.key, env.key, usr.key];
    for (const key of keys) expect((await authenticate(db, bearer(key))).principal.permissions.length).toBeGreaterThan(0);

    for (const status of ['banned', 'inactive'] as const) {
      await db.update(users).set({ status }).where(eq(users.id, maker.id));
      for (const key of keys) expect(await failure(authenticate(db, bearer(key)))).toMatchObject({ code: 'forbidden', message: expect.stringContaining(status) });
      // The API Users tab says so, instead of "Active" for keys that answer 403.
      const listed = (await listApiUsers(db, admin, { includeInactive: false, limit: 1000 })).rows.filter((r) => r.username.startsWith('made-') && r.username.endsWith(_name));
      expect(listed.map((r) => [r.status, r.creatorStatus])).toEqual(keys.map(() => ['suspended', status]));
    }
    // Demoted to Account Manager of the Sandbox alone: each key keeps only what both it and its maker hold.
    const [manager] = await db.select().from(roles).where(eq(roles.name, 'Account Manager'));
    await db.update(users).set({ status: 'active', roleId: manager!.id }).where(eq(users.id, maker.id));
    await db.insert(userEnvironments).values({ userId: maker.id, environmentId: sandbox!.id });
    expect((await authenticate(db, bearer(org.key))).principal).toMatchObject({ permissions: ENVIRONMENT_KEY_PERMISSIONS, allEnvironments: false, environmentIds: [sandbox!.id] });
    expect((await authenticate(db, bearer(env.key))).principal).toMatchObject({ permissions: ENVIRONMENT_KEY_PERMISSIONS, allEnvironments: false, environmentIds: [sandbox!.id] });
    expect((await authenticate(db, bearer(usr.key))).principal).toMatchObject({ allEnvironments: false, environmentIds: [] });
    // Demoted to User: no permission left to hand on.
    const [plain] = await db.select().from(roles).where(eq(roles.name, 'User'));
    await db.update(users).set({ roleId: plain!.id }).where(eq(users.id, maker.id));
    for (const key of keys) expect((await authenticate(db, bearer(key))).principal.permissions).toEqual([]);
  });

  it('says why a key is refused: missing, malformed, wrong, revoked, expired', async () => {
    const { id, key } = await create({ username: `refusals-${_name}` });
    expect(await failure(authenticate(db, null))).toMatchObject({ code: 'unauthenticated', message: MISSING });
    expect(await failure(authenticate(db, 'Basic abc'))).toMatchObject({ message: MALFORMED });
    expect(await failure(authenticate(db, bearer('udk_nothex_x')))).toMatchObject({ message: MALFORMED });
    const wrongSecret = `${key.slice(0, 21)}${'A'.repeat(43)}`;
    expect(parseCredential(wrongSecret)).not.toBeNull();
    expect(await failure(authenticate(db, bearer(wrongSecret)))).toMatchObject({ message: INVALID_KEY });
    await db.update(apiUsers).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(apiUsers.id, id));
    expect((await failure(authenticate(db, bearer(key))))!.message).toMatch(/expired on/);
    // With the wrong secret an expired key reveals nothing.
    expect(await failure(authenticate(db, bearer(wrongSecret)))).toMatchObject({ message: INVALID_KEY });
    await db.update(apiUsers).set({ expiresAt: new Date(Date.now() + 86_400_000) }).where(eq(apiUsers.id, id));
    await db.transaction((tx) => revokeApiUser(tx, admin, id));
    expect(await failure(authenticate(db, bearer(key)))).toMatchObject({ message: REVOKED });
    expect(apiUserStatus((await db.select().from(apiUsers).where(eq(apiUsers.id, id)))[0]!)).toBe('revoked');
  });

  it('exchanges a key for a token that is hashed at rest and dies with a revoke', async () => {
    const { id, key } = await create({ username: `Token.User.${_name}` });
    const wrong = await failure(db.transaction((tx) => issueApiToken(tx, { apiUsername: 'someone-else', key, sessionLengthInMinutes: 5 })));
    expect(wrong).toMatchObject({ code: 'unauthenticated' });
    const { token, expiresAt } = await db.transaction((tx) => issueApiToken(tx, { apiUsername: `token.user.${_name}`, key, sessionLengthInMinutes: 5 }));
    expect(token).toMatch(/^udt_/);
    expect(expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 5 * 60_000);
    const [stored] = await db.select().from(apiTokens).where(eq(apiTokens.apiUserId, id));
    expect(stored!.tokenHash).not.toContain(token.slice(4));
    expect((await authenticate(db, bearer(token))).apiUserId).toBe(id);
    await db.transaction((tx) => revokeApiUser(tx, admin, id));
    expect(await failure(authenticate(db, bearer(token)))).toMatchObject({ message: INVALID_TOKEN });
  });
});

describe('rate limit and last use', () => {
  it('a concurrent burst gets exactly the budget, the rest a Retry-After', async () => {
    const { id } = await create({ username: 'burst', rateLimitPerMinute: 5 });
    const results = await Promise.all(Array.from({ length: 12 }, () => takeRequest(db, id, 5)));
    expect(results.filter((r) => r === 0)).toHaveLength(5);
    for (const r of results.filter((r) => r !== 0)) expect(r).toBeGreaterThan(0);
    for (const r of results.filter((r) => r !== 0)) expect(r).toBeLessThanOrEqual(60);
  });

  it('a key’s budget slides: spent at the end of one minute and again at the start of the next, the second burst is refused', async () => {
    const { id, key } = await create({ username: 'burst-straddle', rateLimitPerMinute: 10 });
    const elapse = (seconds: number) =>
      db.update(apiRateWindows).set({ windowStart: sql`${apiRateWindows.windowStart} - make_interval(secs => ${seconds})` }).where(eq(apiRateWindows.apiUserId, id));
    const allowed = async (size: number) => (await Promise.all(Array.from({ length: size }, () => authenticateAndCount(db, bearer(key))))).filter((r) => r.retryAfter === 0).length;
    expect(await allowed(1)).toBe(1);
    await elapse(59.5);
    const before = await allowed(10);
    await elapse(1);
    const after = await allowed(10);
    expect(before + after).toBeLessThanOrEqual(10);
    // The exchange for a token (takeRequest) draws on the same budget.
    expect(await takeRequest(db, id, 10)).toBeGreaterThan(0);
    // Six seconds later (a tenth of the minute) one more request fits, not ten.
    await elapse(6);
    expect(await allowed(10)).toBe(1);
  });

  it('counts in the same statement as the lookup: exactly the budget under a burst, never for a wrong secret', async () => {
    const { id, key } = await create({ username: 'burst-counted', rateLimitPerMinute: 5 });
    const wrongSecret = `${key.slice(0, 21)}${'B'.repeat(43)}`;
    for (let i = 0; i < 20; i++) expect(await failure(authenticateAndCount(db, bearer(wrongSecret)))).toMatchObject({ message: INVALID_KEY });
    const results = await Promise.all(Array.from({ length: 12 }, () => authenticateAndCount(db, bearer(key))));
    expect(results.every((r) => r.caller.apiUserId === id)).toBe(true);
    expect(results.filter((r) => r.retryAfter === 0)).toHaveLength(5);
    for (const r of results.filter((r) => r.retryAfter !== 0)) expect(r.retryAfter).toBeGreaterThan(0);
    const [used] = await db.select().from(apiUsers).where(eq(apiUsers.id, id));
    expect(used!.lastUsedAt).not.toBeNull();
    await db.transaction((tx) => revokeApiUser(tx, admin, id));
    expect(await failure(authenticateAndCount(db, bearer(key)))).toMatchObject({ message: REVOKED });
  });

  // PostgreSQL only: PGlite's clock is this process's, so the two cannot disagree there.
  it.skipIf(process.env.VITEST_DB !== 'postgres')('a key the database holds expired is refused even when this server’s clock is behind: never served uncounted', async () => {
    const { id, key } = await create({ username: 'skewed-clock', rateLimitPerMinute: 1 });
    await db.update(apiUsers).set({ expiresAt: new Date(Date.now() - 60_000) }).where(eq(apiUsers.id, id));
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 3_600_000 });
    try {
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => authenticateAndCount(db, bearer(key))));
      for (const r of results) expect(r.status === 'rejected' && (r.reason as AppError).message).toMatch(/expired on/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes last use at most once a minute', async () => {
    const { id } = await create({ username: 'last-used' });
    await takeRequest(db, id, 100);
    const [first] = await db.select().from(apiUsers).where(eq(apiUsers.id, id));
    expect(first!.lastUsedAt).not.toBeNull();
    await takeRequest(db, id, 100);
    const [second] = await db.select().from(apiUsers).where(eq(apiUsers.id, id));
    expect(second!.lastUsedAt!.getTime()).toBe(first!.lastUsedAt!.getTime());
    await db.update(apiUsers).set({ lastUsedAt: new Date(Date.now() - 120_000) }).where(eq(apiUsers.id, id));
    await takeRequest(db, id, 100);
    const [third] = await db.select().from(apiUsers).where(eq(apiUsers.id, id));
    expect(third!.lastUsedAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('Delete of a key that still works', () => {
  it('says the key was revoked when the delete after it fails (the revoke has committed: "nothing was saved" would be false)', async () => {
    const apiUser = await create({ username: 'half-deleted', scope: 'organization' });
    await db.execute(sql`create function test_refuse_delete() returns trigger language plpgsql as $$ begin raise exception 'injected failure'; end $$`);
    await db.execute(sql`create trigger test_refuse_delete before delete on api_users for each row execute function test_refuse_delete()`);
    try {
      const error = await failure(deleteApiUserNow(db, admin, apiUser.id));
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'conflict', message: 'half-deleted was revoked, and its key no longer works, but it could not be deleted: try Delete again.' });
      const [row] = await db.select().from(apiUsers).where(eq(apiUsers.id, apiUser.id));
      expect(row!.revokedAt).not.toBeNull();
    } finally {
      await db.execute(sql`drop trigger test_refuse_delete on api_users`);
      await db.execute(sql`drop function test_refuse_delete()`);
    }
    // Delete again: it goes.
    await deleteApiUserNow(db, admin, apiUser.id);
    expect(await db.select().from(apiUsers).where(eq(apiUsers.id, apiUser.id))).toHaveLength(0);
  });
});

describe('listing and expiry warnings', () => {
  it('counts as active only the keys that work: a suspended key (its creator banned) is named apart', () => {
    expect(apiUsersSummary({ total: 3, suspended: 1 }, false)).toBe('2 active API users, 1 suspended');
    expect(apiUsersSummary({ total: 1, suspended: 1 }, false)).toBe('0 active API users, 1 suspended');
    expect(apiUsersSummary({ total: 1, suspended: 0 }, false)).toBe('1 active API user');
    expect(apiUsersSummary({ total: 0, suspended: 0 }, false)).toBe('0 active API users');
    expect(apiUsersSummary({ total: 1234, suspended: 0 }, true)).toBe('1,234 API users');
  });

  it('pages through every API user by name (the list stopped at 1,000), counting them all, and ignores a cursor that is not text', async () => {
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      made.push(`page-${String(i).padStart(2, '0')}`);
      await create({ username: made.at(-1) });
    }
    const maker = await insertUser(db, { email: 'page-maker@example.test', role: 'Administrator' });
    await create({ username: 'page-suspended' }, { ...admin, actor: { type: 'user', id: maker.id, label: maker.email } });
    await db.update(users).set({ status: 'banned' }).where(eq(users.id, maker.id));
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(100);
      const { rows, next } = await listApiUsers(db, admin, { includeInactive: false, after, limit: 3 });
      expect(rows.length).toBeLessThanOrEqual(3);
      seen.push(...rows.map((r) => r.username));
      if (!next) break;
      after = next;
    }
    expect(seen).toEqual([...seen].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    expect(new Set(seen).size).toBe(seen.length);
    for (const name of [...made, 'page-suspended']) expect(seen).toContain(name);
    const counts = await countApiUsers(db, { includeInactive: false });
    expect(counts.total).toBe(seen.length);
    expect(counts.suspended).toBeGreaterThanOrEqual(1);
    for (const bad of ['\u0000', 'x'.repeat(5000)]) expect((await listApiUsers(db, admin, { includeInactive: false, after: bad, limit: 3 })).rows.length).toBeGreaterThan(0);
  });

  it('someone who only sees API users (no reach over every environment) is not shown who or what lies outside their environments', async () => {
    const [elsewhere] = await db.insert(environments).values({ name: 'Elsewhere' }).returning();
    const outsider = await insertUser(db, { email: 'outsider.key@example.test', role: 'User', environmentId: elsewhere!.id });
    const insider = await insertUser(db, { email: 'insider.key@example.test', role: 'User', environmentId });
    await create({ username: 'reach-user-out', scope: 'user', userId: outsider.id });
    await create({ username: 'reach-user-in', scope: 'user', userId: insider.id });
    await create({ username: 'reach-envs', scope: 'environments', environmentIds: [environmentId, elsewhere!.id] });
    const viewer: Principal = { actor: { type: 'user', id: insider.id, label: 'v' }, permissions: ['apiUsers.manage', 'users.read'], allEnvironments: false, environmentIds: [environmentId] };
    const shown = async (principal: Principal) =>
      Object.fromEntries((await listApiUsers(db, principal, { includeInactive: false, limit: 1000 })).rows.filter((r) => r.username.startsWith('reach-')).map((r) => [r.username, r]));
    const limited = await shown(viewer);
    expect(limited['reach-user-out']).toMatchObject({ actsAsEmail: null });
    expect(limited['reach-user-in']).toMatchObject({ actsAsEmail: 'insider.key@example.test' });
    const [own] = await db.select({ name: environments.name }).from(environments).where(eq(environments.id, environmentId));
    expect(limited['reach-envs']).toMatchObject({ environments: [own!.name], otherEnvironments: 1 });
    const everything = await shown(admin);
    expect(everything['reach-user-out']).toMatchObject({ actsAsEmail: 'outsider.key@example.test' });
    expect(everything['reach-envs']).toMatchObject({ environments: ['Elsewhere', own!.name].sort(), otherEnvironments: 0 });
  });

  it('hides revoked and expired API users unless asked; warns each Administrator once', async () => {
    const soon = await create({ username: 'soon-expiring', expiresAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    const gone = await create({ username: 'gone-revoked' });
    await db.transaction((tx) => revokeApiUser(tx, admin, gone.id));
    const { rows: visible } = await listApiUsers(db, admin, { includeInactive: false, limit: 1000 });
    expect(visible.find((r) => r.id === soon.id)?.status).toBe('expires_soon');
    expect(visible.some((r) => r.id === gone.id)).toBe(false);
    expect((await listApiUsers(db, admin, { includeInactive: true, limit: 1000 })).rows.some((r) => r.id === gone.id)).toBe(true);

    await warnExpiringApiUsers(db);
    await warnExpiringApiUsers(db);
    const mails = await db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'api_user_expiring'));
    expect(mails.filter((m) => m.subject.includes('soon-expiring')).map((m) => m.toAddress)).toEqual(['ada@example.test']);

    await db.transaction((tx) => deleteApiUser(tx, admin, gone.id));
    expect(await db.select().from(apiUsers).where(eq(apiUsers.id, gone.id))).toEqual([]);
  });
});
