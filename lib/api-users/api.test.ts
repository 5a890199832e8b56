// The REST API through its router, with real Requests, on a real database: every route, every
// scope, refused credentials, token exchange, rate limit under a burst, ETags, problem bodies, OpenAPI.
import { validate } from '@readme/openapi-parser';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { apiUsers, auditEvents, environments, outboxMessages, roles, userEnvironments, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { curlExample, ROUTES, openApiDocument } from '@/lib/api-users/openapi';
import { createApiUser, newApiUserSchema, revokeApiUser } from '@/lib/api-users/manage';
import { viewUser } from '@/lib/api-users/users-api';
import { signIn } from '@/lib/auth/sign-in';
import { getSecuritySettings } from '@/lib/settings';
import { handleApiRequest } from './router';

let db: Db;
let admin: Principal;
let production: string;
let sandbox: string;
let orgKey: string;
let envKey: string;
const BASE = 'http://api.test/api/v1';

async function call(method: string, path: string, init: { key?: string | null; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key) headers.authorization = `Bearer ${init.key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const request = new Request(`${BASE}${path}`, {
    method,
    headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const response = await handleApiRequest(request);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

async function newKey(input: Record<string, unknown>) {
  const parsed = newApiUserSchema.parse({ expiresAt: new Date(Date.now() + 86_400_000).toISOString(), scope: 'organization', ...input });
  return db.transaction((tx) => createApiUser(tx, admin, parsed));
}

const roleId = async (name: string) => (await db.select().from(roles).where(eq(roles.name, name)))[0]!.id;

beforeAll(async () => {
  db = await testDb();
  const org = await setUpOrganization(db);
  production = org.environmentId;
  sandbox = (await db.insert(environments).values({ name: 'Sandbox' }).returning())[0]!.id;
  admin = { actor: { type: 'user', id: org.adminId, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  orgKey = (await newKey({ username: 'org' })).key;
  envKey = (await newKey({ username: 'env', scope: 'environments', environmentIds: [production] })).key;
});

describe('credentials', () => {
  it('401 problem bodies say why: missing, malformed, unknown, revoked, expired', async () => {
    const missing = await call('GET', `/users?environment=${production}`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    expect(missing.body).toMatchObject({ status: 401, title: 'Not authenticated', detail: expect.stringContaining('Authorization: Bearer') });
    expect((await call('GET', `/users?environment=${production}`, { key: 'hunter2' })).body.detail).toMatch(/malformed/);
    const { id, key } = await newKey({ username: 'soon-gone' });
    expect((await call('GET', `/users?environment=${production}`, { key: `${key.slice(0, 21)}${'x'.repeat(43)}` })).body.detail).toBe('The API key is not valid.');
    await db.update(apiUsers).set({ expiresAt: new Date(Date.now() - 60_000) }).where(eq(apiUsers.id, id));
    expect((await call('GET', `/users?environment=${production}`, { key })).body.detail).toMatch(/expired on/);
    await db.update(apiUsers).set({ expiresAt: new Date(Date.now() + 60_000) }).where(eq(apiUsers.id, id));
    expect((await call('GET', `/users?environment=${production}`, { key })).status).toBe(200);
    await db.transaction((tx) => revokeApiUser(tx, admin, id));
    const revoked = await call('GET', `/users?environment=${production}`, { key });
    expect(revoked).toMatchObject({ status: 401, body: { detail: expect.stringMatching(/revoked/) } });
  });

  it('exchanges a key for a token that then authenticates; wrong username or key gets 401', async () => {
    const bad = await call('POST', '/auth/token', { body: { apiUsername: 'someone', key: orgKey } });
    expect(bad.status).toBe(401);
    const invalid = await call('POST', '/auth/token', { body: { apiUsername: 'org', key: orgKey, sessionLengthInMinutes: 99999 } });
    expect(invalid).toMatchObject({ status: 400, body: { errors: { sessionLengthInMinutes: [expect.any(String)] } } });
    const issued = await call('POST', '/auth/token', { body: { apiUsername: 'ORG', key: orgKey, sessionLengthInMinutes: 10 } });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ token: expect.stringMatching(/^udt_/), tokenType: 'Bearer' });
    expect((await call('GET', `/users?environment=${production}`, { key: issued.body.token })).status).toBe(200);
    expect((await call('GET', `/users?environment=${production}`, { key: `udt_${'A'.repeat(43)}` })).body.detail).toMatch(/token is not valid/);
  });

  it('a concurrent burst gets exactly the key’s budget; the rest 429 with Retry-After', async () => {
    const { key } = await newKey({ username: 'bursty', rateLimitPerMinute: 4 });
    const results = await Promise.all(Array.from({ length: 10 }, () => call('GET', `/users?environment=${production}`, { key })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(4);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(6);
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused[0]!.body.title).toBe('Too many requests');
  });

  it('exchanging the key for tokens spends the same budget: a burst gets exactly that many tokens, the rest 429', async () => {
    const { key } = await newKey({ username: 'exchanger', rateLimitPerMinute: 3 });
    const results = await Promise.all(Array.from({ length: 7 }, () => call('POST', '/auth/token', { body: { apiUsername: 'exchanger', key, sessionLengthInMinutes: 5 } })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(4);
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('users, organization key', () => {
  it('finds users by tag, as an integration looks up its own id: Name=Value, or Name for any value; a bad tag is a 400', async () => {
    await insertUser(db, { email: 'tagged.one@tags.test', environmentId: production, tags: [{ name: 'ExternalUserId', value: '4711' }, { name: 'Dept', value: 'Ops' }] });
    await insertUser(db, { email: 'tagged.two@tags.test', environmentId: production, tags: [{ name: 'ExternalUserId', value: '4712' }] });
    await insertUser(db, { email: 'untagged@tags.test', environmentId: production });
    const emails = async (tag: string) => {
      const response = await call('GET', `/users?${new URLSearchParams({ environment: production, q: 'tags.test', tag })}`, { key: orgKey });
      expect(response.status).toBe(200);
      return response.body.users.map((u: { email: string }) => u.email);
    };
    expect(await emails('ExternalUserId=4711')).toEqual(['tagged.one@tags.test']);
    expect(await emails(' ExternalUserId = 4712 ')).toEqual(['tagged.two@tags.test']);
    expect((await emails('ExternalUserId')).sort()).toEqual(['tagged.one@tags.test', 'tagged.two@tags.test']);
    expect(await emails('ExternalUserId=47')).toEqual([]);
    for (const tag of ['', '   ', 'a\u0000b', 'x'.repeat(201)]) {
      const bad = await call('GET', `/users?${new URLSearchParams({ environment: production, tag })}`, { key: orgKey });
      expect(bad).toMatchObject({ status: 400, body: { errors: { tag: [expect.any(String)] } } });
    }
  });

  it('lists with filters and a next link, reads, creates, patches, bans, validates, unlocks, resets: each audited as the API user', async () => {
    for (let i = 0; i < 55; i++) await insertUser(db, { email: `page${String(i).padStart(2, '0')}@list.test`, lastName: `Pager${i}`, environmentId: production });
    const first = await call('GET', `/users?q=list.test&environment=${production}`, { key: orgKey });
    expect(first.status).toBe(200);
    expect(first.body.users).toHaveLength(50);
    expect(first.body.next).toMatch(/^\/api\/v1\/users\?q=list.test&environment=[0-9a-f-]+&after=/);
    const second = await call('GET', first.body.next.replace('/api/v1', ''), { key: orgKey });
    expect(second.body.users).toHaveLength(5);
    expect(second.body.next).toBeNull();
    const filtered = await call('GET', `/users?status=banned&role=${await roleId('User')}&environment=${production}`, { key: orgKey });
    expect(filtered.body.users).toEqual([]);
    const badQuery = await call('GET', `/users?status=sleeping&environment=${production}`, { key: orgKey });
    expect(badQuery).toMatchObject({ status: 400, body: { errors: { status: [expect.any(String)] } } });

    const created = await call('POST', '/users', {
      key: orgKey,
      body: { email: 'api.created@example.test', firstName: 'Api', lastName: 'Created', roleId: await roleId('User'), environmentIds: [production] },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/users/${created.body.id}`);
    expect(created.body.status).toBe('invited');
    const id = created.body.id as string;
    const mails = await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, 'api.created@example.test'));
    expect(mails.map((m) => m.kind)).toEqual(['invitation']);

    const got = await call('GET', `/users/${id}`, { key: orgKey });
    expect(got.headers.get('etag')).toBe(`"v${got.body.version}"`);

    const patched = await call('PATCH', `/users/${id}`, { key: orgKey, body: { firstName: 'Renamed', tags: [{ name: 'Dept', value: 'Ops' }] }, headers: { 'if-match': got.headers.get('etag')! } });
    expect(patched).toMatchObject({ status: 200, body: { firstName: 'Renamed', tags: [{ name: 'Dept', value: 'Ops' }] } });
    // The old ETag no longer matches.
    const stale = await call('PATCH', `/users/${id}`, { key: orgKey, body: { firstName: 'Again' }, headers: { 'if-match': got.headers.get('etag')! } });
    expect(stale).toMatchObject({ status: 412, body: { title: 'Precondition failed' } });
    expect((await call('PATCH', `/users/${id}`, { key: orgKey, body: {}, headers: { 'if-match': 'nonsense' } })).status).toBe(412);

    const banned = await call('POST', `/users/${id}/ban`, { key: orgKey, body: { reason: 'Left' } });
    expect(banned.body).toMatchObject({ status: 'banned', banReason: 'Left' });
    const noReason = await call('POST', `/users/${id}/ban`, { key: orgKey, body: {} });
    expect(noReason).toMatchObject({ status: 400, body: { errors: { reason: [expect.any(String)] } } });
    expect((await call('POST', `/users/${id}/validate`, { key: orgKey })).body.status).toBe('invited');

    const lockedUser = await insertUser(db, { email: 'locked.api@example.test', environmentId: production, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() });
    const lockedList = await call('GET', `/users/locked?environment=${production}`, { key: orgKey });
    expect(lockedList.body.users.map((u: { email: string }) => u.email)).toContain('locked.api@example.test');
    expect((await call('POST', `/users/${lockedUser.id}/unlock`, { key: orgKey })).body.status).toBe('active');
    const again = await call('POST', `/users/${lockedUser.id}/unlock`, { key: orgKey });
    expect(again).toMatchObject({ status: 409, body: { detail: expect.stringContaining('is not locked') } });
    expect((await call('POST', `/users/${lockedUser.id}/reset`, { key: orgKey })).body.requirePasswordChange).toBe(true);

    const actions = await db.select({ action: auditEvents.action, actorType: auditEvents.actorType, actorLabel: auditEvents.actorLabel }).from(auditEvents).where(eq(auditEvents.targetId, id));
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['user.created', 'user.updated', 'user.banned', 'user.validated']));
    expect(new Set(actions.map((a) => `${a.actorType}:${a.actorLabel}`))).toEqual(new Set(['api_user:org']));
  });

  it('problem bodies for bad JSON, bad fields, an unknown user; POST with a password creates an active user', async () => {
    const garbage = await call('POST', '/users', { key: orgKey, body: '{not json' });
    expect(garbage).toMatchObject({ status: 400, body: { detail: 'The request body is not valid JSON.' } });
    // Half a surrogate pair, in a value or in a key, anywhere in the body: 400, never a 500 from jsonb.
    for (const body of ['{"firstName":"U\\ud800ma"}', '{"tags":[{"name":"x\\udc00","value":""}]}', '{"profile":{"a\\ud800":"b"}}'])
      expect(await call('POST', '/users', { key: orgKey, body }), body).toMatchObject({ status: 400, body: { detail: expect.stringContaining('not valid Unicode') } });
    const fields = await call('POST', '/users', { key: orgKey, body: { email: 'nope', firstName: '', roleId: 'x' } });
    expect(fields.status).toBe(400);
    expect(Object.keys(fields.body.errors)).toEqual(expect.arrayContaining(['email', 'firstName', 'lastName', 'roleId']));
    expect((await call('GET', '/users/not-a-uuid', { key: orgKey })).status).toBe(404);
    const active = await call('POST', '/users', {
      key: orgKey,
      body: { email: 'api.active@example.test', firstName: 'A', lastName: 'B', roleId: await roleId('User'), environmentIds: [production], password: 'Quite-Long-Passphrase-42' },
    });
    expect(active).toMatchObject({ status: 201, body: { status: 'active' } });
    const weak = await call('PATCH', `/users/${active.body.id}`, { key: orgKey, body: { password: 'abc' } });
    expect(weak).toMatchObject({ status: 400, body: { errors: { password: expect.any(Array) } } });
    const lockTrue = await call('PATCH', `/users/${active.body.id}`, { key: orgKey, body: { locked: true } });
    expect(lockTrue).toMatchObject({ status: 400, body: { errors: { locked: expect.any(Array) } } });
  });
});

describe('sendCredentialsViaEmail', () => {
  it('to a user whose link could not set a password: 400 naming the field and why, and nothing written', async () => {
    const locked = await insertUser(db, { email: 'api.locked.creds@example.test', environmentId: production, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() });
    const refused = await call('PATCH', `/users/${locked.id}`, { key: orgKey, body: { sendCredentialsViaEmail: true, firstName: 'Changed' } });
    expect(refused).toMatchObject({ status: 400, body: { errors: { sendCredentialsViaEmail: [expect.stringContaining('is locked, so the emailed link would not work')] } } });
    expect((await db.select().from(users).where(eq(users.id, locked.id)))[0]).toMatchObject({ status: 'locked', firstName: 'Test', version: locked.version });
    expect(await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, locked.email))).toEqual([]);
    const unlocked = await call('PATCH', `/users/${locked.id}`, { key: orgKey, body: { sendCredentialsViaEmail: true, locked: false } });
    expect(unlocked).toMatchObject({ status: 200, body: { status: 'active' } });
    expect((await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, locked.email))).map((m) => m.kind)).toContain('credentials');

    const body = { email: 'api.inactive.creds@example.test', firstName: 'I', lastName: 'C', roleId: await roleId('User'), environmentIds: [production], password: 'Quite-Long-Passphrase-42', inactive: true, sendCredentialsViaEmail: true };
    const created = await call('POST', '/users', { key: orgKey, body });
    expect(created).toMatchObject({ status: 400, body: { errors: { sendCredentialsViaEmail: [expect.stringContaining('would be inactive, so the emailed link would not work')] } } });
    expect(await db.select().from(users).where(eq(users.email, body.email))).toEqual([]);
  });
});

describe('scopes', () => {
  it('an environment key sees only its environments (404 elsewhere) and may not touch an Administrator (403)', async () => {
    const outsider = await insertUser(db, { email: 'outsider.api@example.test', environmentId: sandbox });
    const insider = await insertUser(db, { email: 'insider.api@example.test', environmentId: production });
    expect((await call('GET', `/users/${outsider.id}`, { key: envKey })).status).toBe(404);
    expect((await call('POST', `/users/${outsider.id}/ban`, { key: envKey, body: { reason: 'x' } })).status).toBe(404);
    expect((await call('GET', `/users?environment=${sandbox}`, { key: envKey })).status).toBe(404);
    expect((await call('GET', `/users/${insider.id}`, { key: envKey })).status).toBe(200);
    const [adminUser] = await db.select().from(users).where(eq(users.email, 'ada@example.test'));
    const refused = await call('POST', `/users/${adminUser!.id}/ban`, { key: envKey, body: { reason: 'takeover' } });
    expect(refused.status).toBe(403);
    const grant = await call('PATCH', `/users/${insider.id}`, { key: envKey, body: { roleId: await roleId('Administrator') } });
    expect(grant).toMatchObject({ status: 400, body: { errors: { roleId: [expect.stringContaining('cannot grant')] } } });
    expect((await db.select().from(users).where(eq(users.id, adminUser!.id)))[0]!.status).toBe('active');
  });

  it('a change whose key\'s creator is banned while it is made is rolled back (the creator is read again, held, as it commits)', async () => {
    const owner = await insertUser(db, { email: 'keyowner.api@example.test', role: 'Administrator' });
    const ownerPrincipal: Principal = { actor: { type: 'user', id: owner.id, label: owner.email }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const parsed = newApiUserSchema.parse({ username: 'owned', scope: 'organization', expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    const { key } = await db.transaction((tx) => createApiUser(tx, ownerPrincipal, parsed));
    const target = await insertUser(db, { email: 'raced.api@example.test', environmentId: production });
    // The rename bans the key's creator in the same transaction, as another instance would while the change runs.
    await db.execute(sql.raw(`create function ban_key_owner() returns trigger language plpgsql as $$
      begin update users set status = 'banned', ban_reason = 'raced' where id = '${owner.id}'; return new; end $$`));
    await db.execute(sql.raw(`create trigger ban_key_owner after update on users for each row when (new.id = '${target.id}' and new.first_name = 'Raced') execute function ban_key_owner()`));
    const answer = await call('PATCH', `/users/${target.id}`, { key, body: { firstName: 'Raced' } });
    await db.execute(sql.raw('drop trigger ban_key_owner on users'));
    await db.execute(sql.raw('drop function ban_key_owner()'));
    expect(answer.status).toBe(403);
    expect((await db.select({ firstName: users.firstName, status: users.status }).from(users).where(eq(users.id, target.id)))[0]).toEqual({ firstName: 'Test', status: 'active' });
    expect((await db.select({ status: users.status }).from(users).where(eq(users.id, owner.id)))[0]!.status).toBe('active');
  });

  it('a key that reaches no environment (its creator lost the one it named) sees nobody, not even an Administrator', async () => {
    // Made by an Administrator for Production; its maker is then an Account Manager of Sandbox only.
    const maker = await insertUser(db, { email: 'keymaker.api@example.test', role: 'Administrator' });
    const makerPrincipal: Principal = { actor: { type: 'user', id: maker.id, label: maker.email }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const parsed = newApiUserSchema.parse({ username: 'stranded', scope: 'environments', environmentIds: [production], expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    const { key } = await db.transaction((tx) => createApiUser(tx, makerPrincipal, parsed));
    const [adminUser] = await db.select().from(users).where(eq(users.email, 'ada@example.test'));
    expect((await call('GET', `/users/${adminUser!.id}`, { key })).status).toBe(200);
    await db.update(users).set({ roleId: await roleId('Account Manager') }).where(eq(users.id, maker.id));
    await db.insert(userEnvironments).values({ userId: maker.id, environmentId: sandbox });
    expect((await call('GET', `/users/${adminUser!.id}`, { key })).status).toBe(404);
    expect((await call('GET', '/users', { key })).status).toBe(403);
    const nowhere: Principal = { ...makerPrincipal, allEnvironments: false, environmentIds: [] };
    await expect(viewUser(db, nowhere, adminUser!.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('GET /users/{id} reads its user in the credential check: the same view as viewUser, nothing for a bad secret or id', async () => {
    const insider = await insertUser(db, { email: 'same.view@example.test', environmentId: production, tags: [{ name: 'team', value: 'a' }] });
    const read = await call('GET', `/users/${insider.id}`, { key: orgKey });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(await viewUser(db, admin, insider.id));
    expect(read.headers.get('etag')).toBe(`"v${read.body.version}"`);
    // The right key id with a wrong secret: 401 and no trace of the user in the answer.
    const forged = `${orgKey.slice(0, orgKey.lastIndexOf('_') + 1)}${'A'.repeat(43)}`;
    const refused = await call('GET', `/users/${insider.id}`, { key: forged });
    expect(refused.status).toBe(401);
    expect(JSON.stringify(refused.body)).not.toContain('same.view');
    for (const id of ['not-a-uuid', "' or 1=1 --", '00000000-0000-0000-0000-000000000000', `${insider.id}x`])
      expect((await call('GET', `/users/${encodeURIComponent(id)}`, { key: orgKey })).status).toBe(404);
    // An Administrator (a role that spans every environment) is visible to an environment key, as in the list.
    const [adminUser] = await db.select().from(users).where(eq(users.email, 'ada@example.test'));
    expect((await call('GET', `/users/${adminUser!.id}`, { key: envKey })).status).toBe(200);
    // A member shared with another environment: an environment key is told only of its own, as in the list.
    const shared = await insertUser(db, { email: 'shared.member@example.test', environmentId: production });
    await db.insert(userEnvironments).values({ userId: shared.id, environmentId: sandbox });
    expect((await call('GET', `/users/${shared.id}`, { key: envKey })).body.environmentIds).toEqual([production]);
    expect(((await call('GET', `/users/${shared.id}`, { key: orgKey })).body.environmentIds as string[]).sort()).toEqual([production, sandbox].sort());
  });

  it('an organization key needs an environment when there are several; a user key acts as its user', async () => {
    // Two environments now exist: the org key must name one.
    const ambiguous = await call('GET', '/users', { key: orgKey });
    expect(ambiguous).toMatchObject({ status: 400, body: { errors: { environment: expect.any(Array) } } });
    expect((await call('GET', `/users?environment=${sandbox}`, { key: orgKey })).status).toBe(200);

    const member = await insertUser(db, { email: 'plain.member@example.test', environmentId: production });
    const { key: memberKey } = await newKey({ username: 'as-member', scope: 'user', userId: member.id });
    // A plain User role holds no permission: reading users is forbidden; an unknown user is still 404.
    expect((await call('GET', '/users', { key: memberKey })).status).toBe(403);
    expect((await call('GET', `/users/${member.id}`, { key: memberKey })).status).toBe(403);
    const manager = await insertUser(db, { email: 'api.manager@example.test', role: 'Account Manager', environmentId: production });
    const { key: managerKey } = await newKey({ username: 'as-manager', scope: 'user', userId: manager.id });
    expect((await call('GET', '/users', { key: managerKey })).status).toBe(200);
    // A key that acts as a user is that user: it cannot ban them, as they cannot ban themselves in the portal.
    const banned = await call('POST', `/users/${manager.id}/ban`, { key: managerKey, body: { reason: 'by my own key' } });
    expect(banned).toMatchObject({ status: 403, body: { detail: 'You cannot ban yourself.' } });
    expect((await db.select().from(users).where(eq(users.id, manager.id)))[0]!.status).toBe('active');
    await db.update(users).set({ status: 'inactive' }).where(eq(users.id, manager.id));
    expect((await call('GET', '/users', { key: managerKey })).status).toBe(403);
  });
});

describe('the router', () => {
  const request = (method: string, path: string, init: RequestInit = {}) => handleApiRequest(new Request(`${BASE}${path}`, { method, ...init }));
  const someone = '00000000-0000-4000-8000-000000000000';

  it('a method an endpoint does not take answers a problem+json 405 naming its operations, with every method it answers in Allow', async () => {
    const routes: [string, string][] = [
      ['/auth/token', 'POST'],
      ['/users', 'GET, POST'],
      ['/users/locked', 'GET'],
      [`/users/${someone}`, 'GET, PATCH'],
      [`/users/${someone}/ban`, 'POST'],
      [`/users/${someone}/reset`, 'POST'],
      [`/users/${someone}/unlock`, 'POST'],
      [`/users/${someone}/validate`, 'POST'],
      ['/openapi.json', 'GET'],
    ];
    for (const [path, allowed] of routes)
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
        if (allowed.split(', ').includes(method)) continue;
        const response = await request(method, path);
        const allow = `${allowed}${allowed.includes('GET') ? ', HEAD' : ''}, OPTIONS`;
        expect([response.status, response.headers.get('allow'), response.headers.get('content-type')], `${method} ${path}`).toEqual([405, allow, 'application/problem+json']);
        expect((await response.json()).detail).toBe(`This endpoint takes ${allowed} only.`);
      }
  });

  it('an unknown endpoint answers a problem+json 404 naming the OpenAPI document, whatever the method', async () => {
    for (const path of ['/nothing', '/users/x/y/z', '/users/', '/USERS', '', '/../users', '/users/%zz'])
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const) {
        const unknown = await request(method, path);
        expect([unknown.status, unknown.headers.get('content-type'), unknown.headers.get('cache-control')], `${method} ${path}`).toEqual([404, 'application/problem+json', 'no-store']);
        expect((await unknown.json()).detail, method).toContain('/api/v1/openapi.json');
      }
  });

  it('HEAD answers as GET without the body; OPTIONS lists the methods', async () => {
    const head = await request('HEAD', `/users/${someone}`, { headers: { authorization: `Bearer ${orgKey}` } });
    expect([head.status, head.headers.get('content-type'), await head.text()]).toEqual([404, 'application/problem+json', '']);
    const unauthenticated = await request('HEAD', '/users');
    expect(unauthenticated.status).toBe(401);
    const options = await request('OPTIONS', `/users/${someone}`);
    expect([options.status, options.headers.get('allow')]).toEqual([204, 'GET, PATCH, HEAD, OPTIONS']);
    expect((await request('OPTIONS', '/auth/token')).headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('ids from the path are decoded once and never reach SQL unchecked', async () => {
    for (const id of ["' or 1=1 --", '%27%20or%201%3D1', someone.toUpperCase(), `${someone}%00`, '%E0%A4%A'])
      expect((await call('GET', `/users/${id}`, { key: orgKey })).status, id).toBe(404);
  });

  it('a body not sent as JSON (text/plain, a form, no type) is 415 and nothing is written; JSON with a charset, or merge-patch, is read', async () => {
    const body = JSON.stringify({ firstName: 'Plain', lastName: 'Text', email: 'plain.text@example.test', roleId: await roleId('User'), environmentIds: [production] });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'text/json', 'application/jsonp', undefined]) {
      const request = new Request(`${BASE}/users`, { method: 'POST', headers: { authorization: `Bearer ${orgKey}`, ...(type ? { 'content-type': type } : {}) }, body });
      if (!type) request.headers.delete('content-type');
      const refused = await handleApiRequest(request);
      expect([refused.status, refused.headers.get('content-type')], String(type)).toEqual([415, 'application/problem+json']);
      expect((await refused.json()).detail).toMatch(/^Send the body as JSON, with the header Content-Type: application\/json\./);
    }
    expect(await db.select().from(users).where(eq(users.email, 'plain.text@example.test'))).toEqual([]);
    const accepted = await handleApiRequest(
      new Request(`${BASE}/users`, { method: 'POST', headers: { authorization: `Bearer ${orgKey}`, 'content-type': 'Application/JSON; charset=utf-8' }, body }),
    );
    expect(accepted.status).toBe(201);
    const { id } = (await accepted.json()) as { id: string };
    const patched = await handleApiRequest(
      new Request(`${BASE}/users/${id}`, { method: 'PATCH', headers: { authorization: `Bearer ${orgKey}`, 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ firstName: 'Merged' }) }),
    );
    expect(patched.status).toBe(200);
    // An empty body needs no type: the actions that take none are called with none.
    expect((await handleApiRequest(new Request(`${BASE}/users/${id}/reset`, { method: 'POST', headers: { authorization: `Bearer ${orgKey}` } }))).status).not.toBe(415);
  });

  it('a body over 64 KB is refused with 413 before it is parsed, declared or not, and nothing changes', async () => {
    const before = (await db.select().from(users)).length;
    const huge = JSON.stringify({ email: 'big@example.test', firstName: 'x'.repeat(70_000), lastName: 'B', roleId: await roleId('User'), environmentIds: [production] });
    const declared = await call('POST', '/users', { key: orgKey, body: '{}', headers: { 'content-length': '999999' } });
    expect(declared).toMatchObject({ status: 413, body: { title: 'Request too large', detail: 'The request body is larger than 64 KiB. Nothing was changed.' } });
    expect((await call('POST', '/users', { key: orgKey, body: huge })).status).toBe(413);
    // Streamed without a Content-Length: cut off once it passes the limit.
    const chunks = new TextEncoder().encode(huge);
    const stream = new ReadableStream({ start: (c) => (c.enqueue(chunks.slice(0, 40_000)), c.enqueue(chunks.slice(40_000)), c.close()) });
    const streamed = await handleApiRequest(new Request(`${BASE}/users`, { method: 'POST', body: stream, headers: { authorization: `Bearer ${orgKey}`, 'content-type': 'application/json' }, duplex: 'half' } as RequestInit));
    expect(streamed.status).toBe(413);
    expect((await db.select().from(users)).length).toBe(before);
  });
});

describe('list queries', () => {
  it('GET /users/locked refuses an environment that is not an id with 400 naming it, as GET /users does', async () => {
    for (const path of ['/users/locked', '/users']) {
      const response = await call('GET', `${path}?environment=abc`, { key: orgKey });
      expect(response, path).toMatchObject({ status: 400, body: { errors: { environment: [expect.any(String)] } } });
    }
  });

  it('a cursor the list did not make (garbled, or from another sort order) is 400 on `after`, never the first page again', async () => {
    for (let i = 0; i < 52; i++) await insertUser(db, { email: `cursor${String(i).padStart(2, '0')}@cursor.test`, environmentId: production });
    const first = await call('GET', `/users?q=cursor.test&sort=email&environment=${production}`, { key: orgKey });
    const after = new URL(first.body.next, BASE).searchParams.get('after')!;
    expect((await call('GET', `/users?q=cursor.test&sort=email&environment=${production}&after=${after}`, { key: orgKey })).body.users).toHaveLength(2);
    for (const query of [`sort=email&after=garbage`, `sort=name&after=${after}`, `sort=email&after=${Buffer.from('[1]').toString('base64url')}`]) {
      const response = await call('GET', `/users?q=cursor.test&environment=${production}&${query}`, { key: orgKey });
      expect(response, query).toMatchObject({ status: 400, body: { errors: { after: [expect.any(String)] } } });
    }
    const locked = await call('GET', `/users/locked?environment=${production}&after=garbage`, { key: orgKey });
    expect(locked).toMatchObject({ status: 400, body: { errors: { after: [expect.any(String)] } } });
  });
});

describe('request bodies', () => {
  it('valid JSON nested deeper than the parser walks is 400 saying so, not "not valid JSON"', async () => {
    const [someone] = await db.select().from(users).limit(1);
    const deep = await call('PATCH', `/users/${someone!.id}`, { key: orgKey, body: `{"tags":${'['.repeat(20_000)}${']'.repeat(20_000)}}` });
    expect(deep).toMatchObject({ status: 400, body: { detail: expect.stringMatching(/nested too deeply/) } });
  });

  it('a body in another encoding than UTF-8 (José in Latin-1) is 400 saying to send UTF-8, not "not valid JSON", and nothing is written', async () => {
    const [someone] = await db.select().from(users).limit(1);
    const latin1 = Buffer.from('{"firstName":"Jos\u00e9"}', 'latin1');
    for (const type of ['application/json; charset=iso-8859-1', 'application/json']) {
      const response = await handleApiRequest(new Request(`${BASE}/users/${someone!.id}`, { method: 'PATCH', headers: { authorization: `Bearer ${orgKey}`, 'content-type': type }, body: latin1 }));
      expect(response.status, type).toBe(400);
      expect((await response.json()).detail, type).toMatch(/^The request body is not UTF-8\b.*Send JSON in UTF-8\. Nothing was changed\.$/);
    }
    expect((await db.select().from(users).where(eq(users.id, someone!.id)))[0]!.firstName).toBe(someone!.firstName);
  });

  it('a field the request does not have is 400 naming it, on POST as on PATCH, and nothing is written', async () => {
    const body = { email: 'typo@example.test', firstName: 'Ty', lastName: 'Po', roleId: await roleId('User'), environmentIds: [production], requirePasswordchange: true };
    const created = await call('POST', '/users', { key: orgKey, body });
    expect(created).toMatchObject({ status: 400, body: { errors: { requirePasswordchange: [expect.any(String)] } } });
    expect(await db.select().from(users).where(eq(users.email, 'typo@example.test'))).toEqual([]);
    const [someone] = await db.select().from(users).limit(1);
    const patched = await call('PATCH', `/users/${someone!.id}`, { key: orgKey, body: { firstName: 'X', isAdmin: true } });
    expect(patched).toMatchObject({ status: 400, body: { errors: { isAdmin: [expect.any(String)] } } });
    const proto = await call('PATCH', `/users/${someone!.id}`, { key: orgKey, body: '{"__proto__": {"inactive": true}}' });
    expect(proto.status).toBe(400);
    expect(Object.keys(proto.body.errors)).toEqual(['__proto__']);
    // PATCH takes a version in the body; ban does not (If-Match is its precondition): never silently ignored.
    const ban = await call('POST', `/users/${someone!.id}/ban`, { key: orgKey, body: { reason: 'Left', version: 1 } });
    expect(ban).toMatchObject({ status: 400, body: { errors: { version: [expect.any(String)] } } });
    expect((await db.select().from(users).where(eq(users.id, someone!.id)))[0]!.status).not.toBe('banned');
    const token = await call('POST', '/auth/token', { body: { apiUsername: 'org', key: orgKey, sessionLengthInMinute: 5 } });
    expect(token).toMatchObject({ status: 400, body: { errors: { sessionLengthInMinute: [expect.any(String)] } } });
  });

  it('a key given twice, or __proto__ inside a field, is 400 naming the field, never one of its values taken silently', async () => {
    const someone = await insertUser(db, { email: 'twice@example.test', environmentId: production });
    const cases: [string, string, string][] = [
      ['PATCH', '{"firstName": "A", "firstName": "B"}', 'firstName'],
      ['PATCH', '{"lastName": "A", "\\u006castName": "B"}', 'lastName'],
      ['PATCH', '{"tags": [{"name": "a", "value": "1", "value": "2"}]}', 'tags'],
      ['PATCH', '{"profile": {"__proto__": "x"}}', 'profile'],
      ['PATCH', '{"tags": [{"name": "a", "value": "1", "__proto__": {"value": "2"}}]}', 'tags'],
      ['POST /ban', '{"reason": "Left", "reason": "Stayed"}', 'reason'],
    ];
    for (const [method, body, field] of cases) {
      const answer = await call(method === 'PATCH' ? 'PATCH' : 'POST', method === 'PATCH' ? `/users/${someone.id}` : `/users/${someone.id}/ban`, { key: orgKey, body });
      expect(answer, body).toMatchObject({ status: 400, body: { errors: { [field]: [expect.any(String)] } } });
    }
    expect((await db.select().from(users).where(eq(users.id, someone.id)))[0]).toMatchObject({ firstName: 'Test', tags: [], status: 'active', version: someone.version });
    // The same key in two objects is no repetition.
    const fine = await call('PATCH', `/users/${someone.id}`, { key: orgKey, body: '{"tags": [{"name": "a", "value": "1"}, {"name": "b", "value": "2"}]}' });
    expect(fine.status).toBe(200);
  });

  it('a tag with a key besides name and value (a misspelt one) is 400 on tags, never stored without it', async () => {
    const someone = await insertUser(db, { email: 'tag.extra@example.test', environmentId: production });
    const answer = await call('PATCH', `/users/${someone.id}`, { key: orgKey, body: { tags: [{ name: 'Dept', value: 'Sales', valeu: 'Marketing' }] } });
    expect(answer).toMatchObject({ status: 400, body: { errors: { tags: [expect.any(String)] } } });
    expect((await db.select().from(users).where(eq(users.id, someone.id)))[0]!.tags).toEqual([]);
  });

  it('an action that takes no body refuses one with fields, or one that is not JSON, and does nothing', async () => {
    const someone = await insertUser(db, { email: 'no.body@example.test', environmentId: production, status: 'banned', banReason: 'x' });
    for (const body of ['{"sendEmail": false}', 'please']) {
      const answer = await call('POST', `/users/${someone.id}/validate`, { key: orgKey, body });
      expect(answer, body).toMatchObject({ status: 400 });
    }
    expect((await db.select().from(users).where(eq(users.id, someone.id)))[0]!.status).toBe('banned');
    expect((await call('POST', `/users/${someone.id}/validate`, { key: orgKey, body: '{}' })).status).toBe(200);
  });

  it('PATCH with locked: false alone needs only users.unlock, as on SOAP; anything more needs users.write', async () => {
    const [unlocker] = await db.insert(roles).values({ name: 'Unlocker', permissions: ['users.read', 'users.unlock'] }).returning();
    const helper = await insertUser(db, { email: 'unlock.helper@example.test', environmentId: production });
    await db.update(users).set({ roleId: unlocker!.id }).where(eq(users.id, helper.id));
    const { key } = await newKey({ username: 'as-unlocker', scope: 'user', userId: helper.id });
    const stuck = await insertUser(db, { email: 'unlock.me@example.test', environmentId: production, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() });
    expect((await call('PATCH', `/users/${stuck.id}`, { key, body: { locked: false, firstName: 'More' } })).status).toBe(403);
    const unlocked = await call('PATCH', `/users/${stuck.id}`, { key, body: { locked: false } });
    expect(unlocked).toMatchObject({ status: 200, body: { status: 'active' } });
  });

  it('a lock by wrong passwords moves the ETag: an If-Match read before it is refused (412), not applied over the lock', async () => {
    const user = await insertUser(db, { email: 'etag.lock@example.test', environmentId: production });
    const read = await call('GET', `/users/${user.id}`, { key: orgKey });
    expect(read.body.status).toBe('active');
    const { lockoutThreshold } = await getSecuritySettings(db);
    for (let i = 0; i < lockoutThreshold; i++) await signIn(db, user.email, 'Wrong-Password-123', { ip: `198.51.100.${i + 1}`, userAgent: null });
    const now = await call('GET', `/users/${user.id}`, { key: orgKey });
    expect(now.body.status).toBe('locked');
    expect(now.headers.get('etag')).not.toBe(read.headers.get('etag'));
    const stale = await call('PATCH', `/users/${user.id}`, { key: orgKey, body: { requirePasswordChange: true }, headers: { 'if-match': read.headers.get('etag')! } });
    expect(stale.status).toBe(412);
  });

  it('a key whose rights may act on users but not read them gets back only what it acted on, and no email in a refusal', async () => {
    const [actOnly] = await db.insert(roles).values({ name: 'Unlock only', permissions: ['users.unlock'] }).returning();
    const helper = await insertUser(db, { email: 'act.only@example.test', environmentId: production });
    await db.update(users).set({ roleId: actOnly!.id }).where(eq(users.id, helper.id));
    const { key } = await newKey({ username: 'act-only', scope: 'user', userId: helper.id });
    const stuck = await insertUser(db, { email: 'secret.person@example.test', environmentId: production, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(), tags: [{ name: 'Team', value: 'Hidden' }] });
    const unlocked = await call('POST', `/users/${stuck.id}/unlock`, { key, body: '{}' });
    expect(unlocked.status).toBe(200);
    expect(unlocked.body).toEqual({ id: stuck.id, status: 'active', version: expect.any(Number) });
    expect(unlocked.headers.get('etag')).toBe(`"v${unlocked.body.version}"`);
    const again = await call('POST', `/users/${stuck.id}/unlock`, { key, body: '{}' });
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).not.toContain('secret.person');
    expect(again.body.detail).toMatch(/^This user /);
    const patched = await call('PATCH', `/users/${stuck.id}`, { key, body: { locked: false } });
    expect(patched).toMatchObject({ status: 200, body: { id: stuck.id, status: 'active' } });
    expect(Object.keys(patched.body).sort()).toEqual(['id', 'status', 'version']);
  });

  it('a profile key the role does not ask for (a misspelt one) is 400 naming it, on POST as on PATCH, and nothing is written', async () => {
    const [contractor] = await db
      .insert(roles)
      .values({ name: 'Contractor', permissions: [], requiredFields: [{ key: 'employeeId', label: 'Employee ID' }] })
      .returning();
    const body = { email: 'stray.field@example.test', firstName: 'St', lastName: 'Ray', roleId: contractor!.id, environmentIds: [production] };
    for (const password of [undefined, 'Stray-Field-Garden-42']) {
      const created = await call('POST', '/users', { key: orgKey, body: { ...body, password, profile: { employeeId: 'E1', employeID: 'E1' } } });
      expect(created).toMatchObject({ status: 400, body: { errors: { 'profile.employeID': [expect.stringMatching(/no field employeID: its fields are employeeId \(Employee ID\)/)] } } });
    }
    const plain = await call('POST', '/users', { key: orgKey, body: { ...body, roleId: await roleId('User'), profile: { employeeId: 'E1' } } });
    expect(plain).toMatchObject({ status: 400, body: { errors: { 'profile.employeeId': [expect.stringMatching(/User role has no profile fields/)] } } });
    expect(await db.select().from(users).where(eq(users.email, body.email))).toEqual([]);

    const created = await call('POST', '/users', { key: orgKey, body: { ...body, profile: { employeeId: 'E1' } } });
    expect(created.status).toBe(201);
    const patched = await call('PATCH', `/users/${created.body.id}`, { key: orgKey, body: { profile: { employeeid: 'E2' } } });
    expect(patched).toMatchObject({ status: 400, body: { errors: { 'profile.employeeid': [expect.any(String)] } } });
    expect((await db.select().from(users).where(eq(users.id, created.body.id)))[0]!.profile).toEqual({ employeeId: 'E1' });
  });
});

describe('ids', () => {
  it('ids in bodies and queries are read whatever their case (RFC 9562): no false refusal, no change that is not one', async () => {
    const upper = production.toUpperCase();
    const body = { email: 'upper.ids@example.test', firstName: 'Up', lastName: 'Per', roleId: (await roleId('User')).toUpperCase(), environmentIds: [upper] };
    const created = await call('POST', '/users', { key: envKey, body });
    expect(created).toMatchObject({ status: 201, body: { environmentIds: [production] } });
    expect((await call('GET', `/users?environment=${upper}`, { key: envKey })).status).toBe(200);
    const patched = await call('PATCH', `/users/${created.body.id}`, { key: envKey, body: { environmentIds: [upper] } });
    expect(patched).toMatchObject({ status: 200, body: { version: created.body.version, environmentIds: [production] } });
    const events = await db.select().from(auditEvents).where(eq(auditEvents.targetId, created.body.id));
    expect(events.map((e) => e.action)).toEqual(['user.created']);
  });
});

describe('preconditions', () => {
  it('If-Match: * matches any version of a user that exists (RFC 9110), on PATCH and the actions', async () => {
    const user = await insertUser(db, { email: 'star@example.test', environmentId: production });
    const patched = await call('PATCH', `/users/${user.id}`, { key: orgKey, body: { firstName: 'Star' }, headers: { 'if-match': '*' } });
    expect(patched).toMatchObject({ status: 200, body: { firstName: 'Star' } });
    const banned = await call('POST', `/users/${user.id}/ban`, { key: orgKey, body: { reason: 'Left' }, headers: { 'if-match': '*' } });
    expect(banned).toMatchObject({ status: 200, body: { status: 'banned' } });
    expect((await call('PATCH', `/users/${user.id}`, { key: orgKey, body: { firstName: 'X' }, headers: { 'if-match': 'v1' } })).status).toBe(412);
  });

  it('If-Match and a body version that disagree are 400 on version, never one of them taken silently', async () => {
    const user = await insertUser(db, { email: 'two.versions@example.test', environmentId: production });
    const answer = await call('PATCH', `/users/${user.id}`, { key: orgKey, body: { firstName: 'Two', version: user.version + 6 }, headers: { 'if-match': `"v${user.version}"` } });
    expect(answer).toMatchObject({ status: 400, body: { errors: { version: [expect.stringContaining('If-Match')] } } });
    expect((await db.select().from(users).where(eq(users.id, user.id)))[0]).toMatchObject({ firstName: 'Test', version: user.version });
    const same = await call('PATCH', `/users/${user.id}`, { key: orgKey, body: { firstName: 'Two', version: user.version }, headers: { 'if-match': `"v${user.version}"` } });
    expect(same).toMatchObject({ status: 200, body: { firstName: 'Two' } });
  });

  it('a key that may not take an action gets 403 whatever its If-Match says: 412 never answers before 403', async () => {
    const member = await insertUser(db, { email: 'no.rights@example.test', environmentId: production });
    const target = await insertUser(db, { email: 'precondition.target@example.test', environmentId: production });
    const { key } = await newKey({ username: 'no-rights', scope: 'user', userId: member.id });
    for (const action of ['ban', 'validate', 'unlock', 'reset']) {
      const response = await call('POST', `/users/${target.id}/${action}`, { key, body: { reason: 'x' }, headers: { 'if-match': '"v99"' } });
      expect(response.status, action).toBe(403);
    }
    expect((await call('PATCH', `/users/${target.id}`, { key, body: { firstName: 'X' }, headers: { 'if-match': '"v99"' } })).status).toBe(403);
  });
});

describe('OpenAPI', () => {
  it('every problem links to a row of /docs/api that documents its status, the 500 too', async () => {
    const { problemFrom, PROBLEM_DOCS } = await import('./http');
    const original = console.error;
    console.error = () => {};
    const internal = await problemFrom(new Error('boom')).json();
    console.error = original;
    const code = String(internal.type).replace('/docs/api#problem-', '') as keyof typeof PROBLEM_DOCS;
    expect(PROBLEM_DOCS[code]?.[0]).toBe(500);
    const forbidden = await call('GET', '/users', { key: 'hunter2' });
    expect(PROBLEM_DOCS[String(forbidden.body.type).replace('/docs/api#problem-', '') as keyof typeof PROBLEM_DOCS]?.[0]).toBe(401);
  });

  it('the reference’s curl examples of the lists work as written for an organization key, with several environments', async () => {
    for (const path of ['/users', '/users/locked']) {
      const example = curlExample(ROUTES.find((r) => r.method === 'GET' && r.path === path)!);
      const url = /"\$USERDESK_URL\/api\/v1([^"]+)"/.exec(example)![1]!.replace('$ENVIRONMENT_ID', production);
      expect((await call('GET', url, { key: orgKey })).status, path).toBe(200);
    }
  });

  it('is a valid OpenAPI 3.1 document listing every route', async () => {
    const response = await call('GET', '/openapi.json');
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const document = response.body;
    expect(document.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(document));
    expect(result.valid ? [] : result.errors).toEqual([]);
    const listed = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(listed.sort()).toEqual(
      ['POST /auth/token', 'GET /users', 'POST /users', 'GET /users/locked', 'GET /users/{id}', 'PATCH /users/{id}', 'POST /users/{id}/ban', 'POST /users/{id}/validate', 'POST /users/{id}/unlock', 'POST /users/{id}/reset'].sort(),
    );
    expect(ROUTES).toHaveLength(listed.length);
    expect(openApiDocument().components.schemas.UpdateUserRequest).toMatchObject({ properties: { locked: { type: 'boolean' }, autoGenerateNewPassword: { type: 'boolean' } } });
  });

  it('documents what every operation may answer: the 500 any can, Location of a created user, WWW-Authenticate of a 401', async () => {
    type Responses = Record<string, { headers?: Record<string, unknown>; content?: Record<string, unknown> }>;
    const operations = Object.values(openApiDocument().paths).flatMap((ops) => Object.values(ops as Record<string, { responses: Responses }>));
    for (const { responses } of operations) {
      expect(responses['500']?.content).toHaveProperty(['application/problem+json']);
      if (responses['401']) expect(responses['401'].headers).toHaveProperty('WWW-Authenticate');
    }
    const created = await call('POST', '/users', { key: orgKey, body: { email: 'located@example.test', firstName: 'Lo', lastName: 'Cated', roleId: await roleId('User'), environmentIds: [production] } });
    expect(created.headers.get('location')).toBe(`/api/v1/users/${created.body.id}`);
    expect((openApiDocument().paths['/users']!.post as { responses: Responses }).responses['201']!.headers).toHaveProperty('Location');
  });
});

describe('a key that acts as a user', () => {
  it('cannot set that user’s own password (the person needs their current one to): 403, nothing changed; others’ it can', async () => {
    const manager = await insertUser(db, { email: 'self.pw@example.test', role: 'Account Manager', environmentId: production });
    const colleague = await insertUser(db, { email: 'self.pw.colleague@example.test', environmentId: production });
    const { key } = await newKey({ username: 'as-self-pw', scope: 'user', userId: manager.id });
    for (const body of [{ password: 'Brand-New-Passphrase-77' }, { autoGenerateNewPassword: true }, { firstName: 'Me', password: 'Brand-New-Passphrase-77' }]) {
      const refused = await call('PATCH', `/users/${manager.id}`, { key, body });
      expect(refused, JSON.stringify(body)).toMatchObject({ status: 403, body: { detail: expect.stringContaining('own password') } });
    }
    const [after] = await db.select().from(users).where(eq(users.id, manager.id));
    expect(after).toMatchObject({ passwordHash: manager.passwordHash, firstName: manager.firstName, version: manager.version });
    expect((await call('PATCH', `/users/${colleague.id}`, { key, body: { password: 'Brand-New-Passphrase-77' } })).status).toBe(200);
  });

  it('cannot change that user’s own email address (a reset to the new one would be their sign-in): 403, nothing changed; others’ it can', async () => {
    const manager = await insertUser(db, { email: 'self.email@example.test', role: 'Account Manager', environmentId: production });
    const colleague = await insertUser(db, { email: 'self.email.colleague@example.test', environmentId: production });
    const { key } = await newKey({ username: 'as-self-email', scope: 'user', userId: manager.id });
    for (const body of [{ email: 'integration@evil.test' }, { email: 'integration@evil.test', sendCredentialsViaEmail: true }]) {
      const refused = await call('PATCH', `/users/${manager.id}`, { key, body });
      expect(refused, JSON.stringify(body)).toMatchObject({ status: 403, body: { detail: expect.stringContaining('email address') } });
    }
    expect((await db.select().from(users).where(eq(users.id, manager.id)))[0]).toMatchObject({ email: manager.email, version: manager.version });
    // The same address (whatever its case) is no change of it.
    expect((await call('PATCH', `/users/${manager.id}`, { key, body: { email: 'Self.Email@example.test', firstName: 'Me' } })).status).toBe(200);
    expect((await call('PATCH', `/users/${colleague.id}`, { key, body: { email: 'moved.colleague@example.test' } })).status).toBe(200);
  });
});

describe('query parameters', () => {
  it('a parameter the list does not have (a misspelt filter) is 400 naming it, never the whole unfiltered list', async () => {
    for (const path of ['/users', '/users/locked']) {
      const response = await call('GET', `${path}?environment=${production}&stauts=banned`, { key: orgKey });
      expect(response, path).toMatchObject({ status: 400, body: { errors: { stauts: [expect.any(String)] } } });
    }
    expect((await call('GET', `/users/locked?environment=${production}&sort=name`, { key: orgKey })).body.errors).toHaveProperty('sort');
  });

  it('a parameter given twice is 400 naming it, never the list of one of its values', async () => {
    await insertUser(db, { email: 'banned.twice@list.test', environmentId: production, status: 'banned', banReason: 'x' });
    for (const [path, query] of [
      ['/users', `environment=${production}&status=banned&status=active`],
      ['/users', `environment=${production}&environment=${sandbox}`],
      ['/users/locked', `environment=${production}&q=a&q=b`],
    ] as const) {
      const response = await call('GET', `${path}?${query}`, { key: orgKey });
      const name = query.split('&').at(-1)!.split('=')[0]!;
      expect(response, query).toMatchObject({ status: 400, body: { errors: { [name]: [expect.stringMatching(/more than once/)] } } });
    }
  });
});
