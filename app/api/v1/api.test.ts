// The REST API through its route handlers, with real Requests, on a real database: every route, every
// scope, refused credentials, token exchange, rate limit under a burst, ETags, problem bodies, OpenAPI.
import { validate } from '@readme/openapi-parser';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { apiUsers, auditEvents, environments, outboxMessages, roles, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { ROUTES, openApiDocument } from '@/lib/api-users/openapi';
import { createApiUser, newApiUserSchema, revokeApiUser } from '@/lib/api-users/manage';
import { viewUser } from '@/lib/api-users/users-api';
import * as other from './[...path]/route';
import * as token from './auth/token/route';
import * as openapi from './openapi.json/route';
import * as ban from './users/[id]/ban/route';
import * as reset from './users/[id]/reset/route';
import * as one from './users/[id]/route';
import * as unlock from './users/[id]/unlock/route';
import * as validateRoute from './users/[id]/validate/route';
import * as locked from './users/locked/route';
import * as list from './users/route';

let db: Db;
let admin: Principal;
let production: string;
let sandbox: string;
let orgKey: string;
let envKey: string;
const BASE = 'http://api.test/api/v1';

type Handler = (request: Request, route: { params: Promise<{ id: string }> }) => Promise<Response>;

async function call(handler: Handler, path: string, init: { method?: string; key?: string | null; body?: unknown; headers?: Record<string, string>; id?: string } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key) headers.authorization = `Bearer ${init.key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const request = new Request(`${BASE}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const response = await handler(request, { params: Promise.resolve({ id: init.id ?? '' }) });
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
    const missing = await call(list.GET, `/users?environment=${production}`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    expect(missing.body).toMatchObject({ status: 401, title: 'Not authenticated', detail: expect.stringContaining('Authorization: Bearer') });
    expect((await call(list.GET, `/users?environment=${production}`, { key: 'hunter2' })).body.detail).toMatch(/malformed/);
    const { id, key } = await newKey({ username: 'soon-gone' });
    expect((await call(list.GET, `/users?environment=${production}`, { key: `${key.slice(0, 21)}${'x'.repeat(43)}` })).body.detail).toBe('The API key is not valid.');
    await db.update(apiUsers).set({ expiresAt: new Date(Date.now() - 60_000) }).where(eq(apiUsers.id, id));
    expect((await call(list.GET, `/users?environment=${production}`, { key })).body.detail).toMatch(/expired on/);
    await db.update(apiUsers).set({ expiresAt: new Date(Date.now() + 60_000) }).where(eq(apiUsers.id, id));
    expect((await call(list.GET, `/users?environment=${production}`, { key })).status).toBe(200);
    await db.transaction((tx) => revokeApiUser(tx, admin, id));
    const revoked = await call(list.GET, `/users?environment=${production}`, { key });
    expect(revoked).toMatchObject({ status: 401, body: { detail: expect.stringMatching(/revoked/) } });
  });

  it('exchanges a key for a token that then authenticates; wrong username or key gets 401', async () => {
    const bad = await call(token.POST, '/auth/token', { method: 'POST', body: { apiUsername: 'someone', key: orgKey } });
    expect(bad.status).toBe(401);
    const invalid = await call(token.POST, '/auth/token', { method: 'POST', body: { apiUsername: 'org', key: orgKey, sessionLengthInMinutes: 99999 } });
    expect(invalid).toMatchObject({ status: 400, body: { errors: { sessionLengthInMinutes: [expect.any(String)] } } });
    const issued = await call(token.POST, '/auth/token', { method: 'POST', body: { apiUsername: 'ORG', key: orgKey, sessionLengthInMinutes: 10 } });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ token: expect.stringMatching(/^udt_/), tokenType: 'Bearer' });
    expect((await call(list.GET, `/users?environment=${production}`, { key: issued.body.token })).status).toBe(200);
    expect((await call(list.GET, `/users?environment=${production}`, { key: `udt_${'A'.repeat(43)}` })).body.detail).toMatch(/token is not valid/);
  });

  it('a concurrent burst gets exactly the key’s budget; the rest 429 with Retry-After', async () => {
    const { key } = await newKey({ username: 'bursty', rateLimitPerMinute: 4 });
    const results = await Promise.all(Array.from({ length: 10 }, () => call(list.GET, `/users?environment=${production}`, { key })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(4);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(6);
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused[0]!.body.title).toBe('Too many requests');
  });
});

describe('users, organization key', () => {
  it('lists with filters and a next link, reads, creates, patches, bans, validates, unlocks, resets: each audited as the API user', async () => {
    for (let i = 0; i < 55; i++) await insertUser(db, { email: `page${String(i).padStart(2, '0')}@list.test`, lastName: `Pager${i}`, environmentId: production });
    const first = await call(list.GET, `/users?q=list.test&environment=${production}`, { key: orgKey });
    expect(first.status).toBe(200);
    expect(first.body.users).toHaveLength(50);
    expect(first.body.next).toMatch(/^\/api\/v1\/users\?q=list.test&environment=[0-9a-f-]+&after=/);
    const second = await call(list.GET, first.body.next.replace('/api/v1', ''), { key: orgKey });
    expect(second.body.users).toHaveLength(5);
    expect(second.body.next).toBeNull();
    const filtered = await call(list.GET, `/users?status=banned&role=${await roleId('User')}&environment=${production}`, { key: orgKey });
    expect(filtered.body.users).toEqual([]);
    const badQuery = await call(list.GET, `/users?status=sleeping&environment=${production}`, { key: orgKey });
    expect(badQuery).toMatchObject({ status: 400, body: { errors: { status: [expect.any(String)] } } });

    const created = await call(list.POST, '/users', {
      method: 'POST',
      key: orgKey,
      body: { email: 'api.created@example.test', firstName: 'Api', lastName: 'Created', roleId: await roleId('User'), environmentIds: [production] },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/users/${created.body.id}`);
    expect(created.body.status).toBe('invited');
    const id = created.body.id as string;
    const mails = await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, 'api.created@example.test'));
    expect(mails.map((m) => m.kind)).toEqual(['invitation']);

    const got = await call(one.GET, `/users/${id}`, { key: orgKey, id });
    expect(got.headers.get('etag')).toBe(`"v${got.body.version}"`);

    const patched = await call(one.PATCH, `/users/${id}`, { method: 'PATCH', key: orgKey, id, body: { firstName: 'Renamed', tags: [{ name: 'Dept', value: 'Ops' }] }, headers: { 'if-match': got.headers.get('etag')! } });
    expect(patched).toMatchObject({ status: 200, body: { firstName: 'Renamed', tags: [{ name: 'Dept', value: 'Ops' }] } });
    // The old ETag no longer matches.
    const stale = await call(one.PATCH, `/users/${id}`, { method: 'PATCH', key: orgKey, id, body: { firstName: 'Again' }, headers: { 'if-match': got.headers.get('etag')! } });
    expect(stale).toMatchObject({ status: 412, body: { title: 'Precondition failed' } });
    expect((await call(one.PATCH, `/users/${id}`, { method: 'PATCH', key: orgKey, id, body: {}, headers: { 'if-match': 'nonsense' } })).status).toBe(412);

    const banned = await call(ban.POST, `/users/${id}/ban`, { method: 'POST', key: orgKey, id, body: { reason: 'Left' } });
    expect(banned.body).toMatchObject({ status: 'banned', banReason: 'Left' });
    const noReason = await call(ban.POST, `/users/${id}/ban`, { method: 'POST', key: orgKey, id, body: {} });
    expect(noReason).toMatchObject({ status: 400, body: { errors: { reason: [expect.any(String)] } } });
    expect((await call(validateRoute.POST, `/users/${id}/validate`, { method: 'POST', key: orgKey, id })).body.status).toBe('invited');

    const lockedUser = await insertUser(db, { email: 'locked.api@example.test', environmentId: production, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() });
    const lockedList = await call(locked.GET, `/users/locked?environment=${production}`, { key: orgKey });
    expect(lockedList.body.users.map((u: { email: string }) => u.email)).toContain('locked.api@example.test');
    expect((await call(unlock.POST, `/users/${lockedUser.id}/unlock`, { method: 'POST', key: orgKey, id: lockedUser.id })).body.status).toBe('active');
    const again = await call(unlock.POST, `/users/${lockedUser.id}/unlock`, { method: 'POST', key: orgKey, id: lockedUser.id });
    expect(again).toMatchObject({ status: 409, body: { detail: expect.stringContaining('is not locked') } });
    expect((await call(reset.POST, `/users/${lockedUser.id}/reset`, { method: 'POST', key: orgKey, id: lockedUser.id })).body.requirePasswordChange).toBe(true);

    const actions = await db.select({ action: auditEvents.action, actorType: auditEvents.actorType, actorLabel: auditEvents.actorLabel }).from(auditEvents).where(eq(auditEvents.targetId, id));
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['user.created', 'user.updated', 'user.banned', 'user.validated']));
    expect(new Set(actions.map((a) => `${a.actorType}:${a.actorLabel}`))).toEqual(new Set(['api_user:org']));
  });

  it('problem bodies for bad JSON, bad fields, an unknown user; POST with a password creates an active user', async () => {
    const garbage = await call(list.POST, '/users', { method: 'POST', key: orgKey, body: '{not json' });
    expect(garbage).toMatchObject({ status: 400, body: { detail: 'The request body is not valid JSON.' } });
    const fields = await call(list.POST, '/users', { method: 'POST', key: orgKey, body: { email: 'nope', firstName: '', roleId: 'x' } });
    expect(fields.status).toBe(400);
    expect(Object.keys(fields.body.errors)).toEqual(expect.arrayContaining(['email', 'firstName', 'lastName', 'roleId']));
    expect((await call(one.GET, '/users/not-a-uuid', { key: orgKey, id: 'not-a-uuid' })).status).toBe(404);
    const active = await call(list.POST, '/users', {
      method: 'POST',
      key: orgKey,
      body: { email: 'api.active@example.test', firstName: 'A', lastName: 'B', roleId: await roleId('User'), environmentIds: [production], password: 'Quite-Long-Passphrase-42' },
    });
    expect(active).toMatchObject({ status: 201, body: { status: 'active' } });
    const weak = await call(one.PATCH, `/users/${active.body.id}`, { method: 'PATCH', key: orgKey, id: active.body.id, body: { password: 'abc' } });
    expect(weak).toMatchObject({ status: 400, body: { errors: { password: expect.any(Array) } } });
    const lockTrue = await call(one.PATCH, `/users/${active.body.id}`, { method: 'PATCH', key: orgKey, id: active.body.id, body: { locked: true } });
    expect(lockTrue).toMatchObject({ status: 400, body: { errors: { locked: expect.any(Array) } } });
  });
});

describe('scopes', () => {
  it('an environment key sees only its environments (404 elsewhere) and may not touch an Administrator (403)', async () => {
    const outsider = await insertUser(db, { email: 'outsider.api@example.test', environmentId: sandbox });
    const insider = await insertUser(db, { email: 'insider.api@example.test', environmentId: production });
    expect((await call(one.GET, `/users/${outsider.id}`, { key: envKey, id: outsider.id })).status).toBe(404);
    expect((await call(ban.POST, `/users/${outsider.id}/ban`, { method: 'POST', key: envKey, id: outsider.id, body: { reason: 'x' } })).status).toBe(404);
    expect((await call(list.GET, `/users?environment=${sandbox}`, { key: envKey })).status).toBe(404);
    expect((await call(one.GET, `/users/${insider.id}`, { key: envKey, id: insider.id })).status).toBe(200);
    const [adminUser] = await db.select().from(users).where(eq(users.email, 'ada@example.test'));
    const refused = await call(ban.POST, `/users/${adminUser!.id}/ban`, { method: 'POST', key: envKey, id: adminUser!.id, body: { reason: 'takeover' } });
    expect(refused.status).toBe(403);
    const grant = await call(one.PATCH, `/users/${insider.id}`, { method: 'PATCH', key: envKey, id: insider.id, body: { roleId: await roleId('Administrator') } });
    expect(grant).toMatchObject({ status: 400, body: { errors: { roleId: [expect.stringContaining('cannot grant')] } } });
    expect((await db.select().from(users).where(eq(users.id, adminUser!.id)))[0]!.status).toBe('active');
  });

  it('GET /users/{id} reads its user in the credential check: the same view as viewUser, nothing for a bad secret or id', async () => {
    const insider = await insertUser(db, { email: 'same.view@example.test', environmentId: production, tags: [{ name: 'team', value: 'a' }] });
    const read = await call(one.GET, `/users/${insider.id}`, { key: orgKey, id: insider.id });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(await viewUser(db, admin, insider.id));
    expect(read.headers.get('etag')).toBe(`"v${read.body.version}"`);
    // The right key id with a wrong secret: 401 and no trace of the user in the answer.
    const forged = `${orgKey.slice(0, orgKey.lastIndexOf('_') + 1)}${'A'.repeat(43)}`;
    const refused = await call(one.GET, `/users/${insider.id}`, { key: forged, id: insider.id });
    expect(refused.status).toBe(401);
    expect(JSON.stringify(refused.body)).not.toContain('same.view');
    for (const id of ['not-a-uuid', "' or 1=1 --", '00000000-0000-0000-0000-000000000000', `${insider.id}x`])
      expect((await call(one.GET, `/users/${encodeURIComponent(id)}`, { key: orgKey, id })).status).toBe(404);
    // An Administrator (a role that spans every environment) is visible to an environment key, as in the list.
    const [adminUser] = await db.select().from(users).where(eq(users.email, 'ada@example.test'));
    expect((await call(one.GET, `/users/${adminUser!.id}`, { key: envKey, id: adminUser!.id })).status).toBe(200);
  });

  it('an organization key needs an environment when there are several; a user key acts as its user', async () => {
    // Two environments now exist: the org key must name one.
    const ambiguous = await call(list.GET, '/users', { key: orgKey });
    expect(ambiguous).toMatchObject({ status: 400, body: { errors: { environment: expect.any(Array) } } });
    expect((await call(list.GET, `/users?environment=${sandbox}`, { key: orgKey })).status).toBe(200);

    const member = await insertUser(db, { email: 'plain.member@example.test', environmentId: production });
    const { key: memberKey } = await newKey({ username: 'as-member', scope: 'user', userId: member.id });
    // A plain User role holds no permission: reading users is forbidden; an unknown user is still 404.
    expect((await call(list.GET, '/users', { key: memberKey })).status).toBe(403);
    expect((await call(one.GET, `/users/${member.id}`, { key: memberKey, id: member.id })).status).toBe(403);
    const manager = await insertUser(db, { email: 'api.manager@example.test', role: 'Account Manager', environmentId: production });
    const { key: managerKey } = await newKey({ username: 'as-manager', scope: 'user', userId: manager.id });
    expect((await call(list.GET, '/users', { key: managerKey })).status).toBe(200);
    await db.update(users).set({ status: 'inactive' }).where(eq(users.id, manager.id));
    expect((await call(list.GET, '/users', { key: managerKey })).status).toBe(403);
  });
});

describe('unknown endpoints and methods', () => {
  it('a method an endpoint does not take answers a problem+json 405 with Allow', async () => {
    const routes: [string, Record<string, unknown>, string][] = [
      ['/auth/token', token, 'POST'],
      ['/users', list, 'GET, POST'],
      ['/users/locked', locked, 'GET'],
      ['/users/{id}', one, 'GET, PATCH'],
      ['/users/{id}/ban', ban, 'POST'],
      ['/users/{id}/reset', reset, 'POST'],
      ['/users/{id}/unlock', unlock, 'POST'],
      ['/users/{id}/validate', validateRoute, 'POST'],
    ];
    for (const [path, route, allowed] of routes)
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
        const handler = route[method] as (() => Promise<Response> | Response) | undefined;
        expect(handler, `${method} ${path}`).toBeTypeOf('function');
        if (allowed.split(', ').includes(method)) continue;
        const response = await handler!();
        expect([response.status, response.headers.get('allow'), response.headers.get('content-type')], `${method} ${path}`).toEqual([405, allowed, 'application/problem+json']);
        expect((await response.json()).detail).toBe(`This endpoint takes ${allowed} only.`);
      }
  });

  it('an unknown endpoint answers a problem+json 404 naming the OpenAPI document, whatever the method', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const) {
      const unknown = await other[method]();
      expect([unknown.status, unknown.headers.get('content-type'), unknown.headers.get('cache-control')], method).toEqual([404, 'application/problem+json', 'no-store']);
      expect((await unknown.json()).detail, method).toContain('/api/v1/openapi.json');
    }
  });
});

describe('OpenAPI', () => {
  it('is a valid OpenAPI 3.1 document listing every route', async () => {
    const response = await openapi.GET();
    const document = await response.json();
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
});
