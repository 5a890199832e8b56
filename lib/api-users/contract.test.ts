// The REST API against its own OpenAPI document: every answer of every route, to good and hostile
// requests from every kind of caller, must be one the document lists for that operation (status,
// content type, headers) with a body its schema accepts; and every body the document's request schema
// refuses must be refused by the route (400), never half-applied or answered with a 500.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { apiUsers, environments, roles, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { createApiUser, newApiUserSchema, revokeApiUser } from './manage';
import { openApiDocument, ROUTES } from './openapi';
import { handleApiRequest } from './router';

const seen = new Set<string>();
const BASE = 'http://api.test/api/v1';
const document = openApiDocument();
type Operation = {
  requestBody?: { content: { 'application/json': { schema: { $ref: string }; example?: unknown } } };
  responses: Record<string, { headers?: Record<string, unknown>; content: Record<string, { schema: { $ref: string } }> }>;
};
const schemaOf = (ref: string) => z.fromJSONSchema(document.components.schemas[ref.replace('#/components/schemas/', '') as keyof typeof document.components.schemas] as never);
const operation = (method: string, template: string) => (document.paths[template] as Record<string, Operation> | undefined)?.[method.toLowerCase()];

let db: Db;
let admin: Principal;
let production: string;
let sandbox: string;
let userRole: string;
const keys: Record<string, string> = {};
let target: { id: string; email: string };
let locked: { id: string };
let outsider: { id: string };
let adminId: string;

type Call = { method: string; template: string; path: string; key?: string; body?: string; headers?: Record<string, string> };

/** Calls the route and checks the answer against the document; returns status and parsed body. */
async function checked({ method, template, path, key, body, headers = {} }: Call) {
  const label = `${method} ${path} ${key ? key.slice(0, 12) : 'no key'} ${body ?? ''}`.slice(0, 200);
  const op = operation(method, template);
  expect(op, `${label}: not in the document`).toBeDefined();
  const init: Record<string, string> = { ...headers };
  if (key) init.authorization = `Bearer ${key}`;
  if (body !== undefined) init['content-type'] ??= 'application/json';
  const response = await handleApiRequest(new Request(`${BASE}${path}`, { method, headers: init, body }));
  const text = await response.text();
  const documented = op!.responses[String(response.status)];
  expect(documented, `${label}: answered ${response.status}, not documented (${Object.keys(op!.responses).join(', ')}): ${text}`).toBeDefined();
  const [type, media] = Object.entries(documented!.content)[0]!;
  expect(response.headers.get('content-type'), label).toBe(type);
  const parsed: unknown = JSON.parse(text);
  const result = schemaOf(media.schema.$ref).safeParse(parsed);
  expect(result.success ? [] : result.error.issues, `${label}: body is not a ${media.schema.$ref}: ${text}`).toEqual([]);
  for (const header of Object.keys(documented!.headers ?? {})) expect(response.headers.get(header), `${label}: ${header}`).toBeTruthy();
  if (response.status >= 400) expect((parsed as { status: number }).status, label).toBe(response.status);
  seen.add(`${method} ${template} ${response.status}`);
  return { status: response.status, body: parsed as Record<string, unknown> };
}

async function newKey(input: Record<string, unknown>, by = admin) {
  const parsed = newApiUserSchema.parse({ expiresAt: new Date(Date.now() + 86_400_000).toISOString(), scope: 'organization', ...input });
  return db.transaction((tx) => createApiUser(tx, by, parsed));
}

beforeAll(async () => {
  db = await testDb();
  const org = await setUpOrganization(db);
  adminId = org.adminId;
  production = org.environmentId;
  sandbox = (await db.insert(environments).values({ name: 'Sandbox' }).returning())[0]!.id;
  userRole = (await db.select().from(roles).where(eq(roles.name, 'User')))[0]!.id;
  admin = { actor: { type: 'user', id: org.adminId, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  keys.org = (await newKey({ username: 'c-org' })).key;
  keys.env = (await newKey({ username: 'c-env', scope: 'environments', environmentIds: [production] })).key;
  const member = await insertUser(db, { email: 'c.member@example.test', environmentId: production });
  keys.member = (await newKey({ username: 'c-member', scope: 'user', userId: member.id })).key;
  const manager = await insertUser(db, { email: 'c.manager@example.test', role: 'Account Manager', environmentId: production });
  keys.manager = (await newKey({ username: 'c-manager', scope: 'user', userId: manager.id })).key;
  const revoked = await newKey({ username: 'c-revoked' });
  await db.transaction((tx) => revokeApiUser(tx, admin, revoked.id));
  keys.revoked = revoked.key;
  const expired = await newKey({ username: 'c-expired' });
  await db.update(apiUsers).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(apiUsers.id, expired.id));
  keys.expired = expired.key;
  // A key whose creator is banned: 403 on every call.
  const creator = await insertUser(db, { email: 'c.creator@example.test', role: 'Administrator' });
  const creatorPrincipal: Principal = { ...admin, actor: { type: 'user', id: creator.id, label: creator.email } };
  keys.orphan = (await newKey({ username: 'c-orphan' }, creatorPrincipal)).key;
  await db.update(users).set({ status: 'banned', banReason: 'x' }).where(eq(users.id, creator.id));
  keys.limited = (await newKey({ username: 'c-limited', rateLimitPerMinute: 1 })).key;
  target = await insertUser(db, { email: 'c.target@example.test', environmentId: production });
  locked = await insertUser(db, { email: 'c.locked@example.test', environmentId: production, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() });
  outsider = await insertUser(db, { email: 'c.outsider@example.test', environmentId: sandbox });
});

const KEY_NAMES = ['org', 'env', 'member', 'manager', 'revoked', 'expired', 'orphan', 'limited'] as const;
const path = (template: string, id: string) => template.replace('{id}', id);

describe('every route, every caller', () => {
  it('answers only what the document lists for the operation, with bodies and headers its schemas describe', async () => {
    const ids = () => [target.id, locked.id, outsider.id, adminId, '00000000-0000-4000-8000-000000000000'];
    const bodies = (name: string | undefined): Record<string, string | undefined> => ({
      'POST /auth/token': JSON.stringify({ apiUsername: `c-${name ?? 'org'}`, key: name ? keys[name] : 'udk_0000000000000000_' + 'A'.repeat(43), sessionLengthInMinutes: 5 }),
      'POST /users': JSON.stringify({ email: 'c.new@example.test', firstName: 'New', lastName: 'One', roleId: userRole, environmentIds: [production] }),
      'PATCH /users/{id}': JSON.stringify({ lastName: 'Patched' }),
      'POST /users/{id}/ban': JSON.stringify({ reason: 'Contract' }),
    });
    for (const name of [undefined, ...KEY_NAMES])
      for (const route of ROUTES) {
        const key = name && keys[name];
        const body = bodies(name)[`${route.method} ${route.path}`];
        const targets = route.path.includes('{id}') ? ids() : [''];
        for (const id of targets) {
          const query = route.method === 'GET' && !route.path.includes('{id}') ? `?environment=${production}` : '';
          await checked({ method: route.method, template: route.path, path: `${path(route.path, id)}${query}`, key, body });
        }
      }
    // The run reached every route's success and the refusals each kind of caller gets.
    for (const route of ROUTES) expect(seen, `${route.method} ${route.path}`).toContain(`${route.method} ${route.path} ${route.response.status}`);
    for (const status of [401, 403, 404, 409, 429]) expect([...seen].some((s) => s.endsWith(` ${status}`)), String(status)).toBe(true);
  });

  it('refuses, with 400 and a Problem, every body the document’s request schema refuses', async () => {
    const hostile = [
      '[]',
      'null',
      '"text"',
      '42',
      'true',
      '{"firstName": null}',
      '{"tags": null}',
      '{"environmentIds": null}',
      '{"environmentIds": "x"}',
      '{"inactive": "false"}',
      '{"version": "3"}',
      '{"version": 1.5}',
      '{"version": 0}',
      '{"tags": [null]}',
      '{"tags": [{"name": "a"}]}',
      '{"roleId": 123}',
      '{"profile": []}',
      '{"password": 12345}',
      '{"reason": null}',
      '{"reason": 7}',
      '{"sessionLengthInMinutes": "60"}',
      '{"apiUsername": "c-org", "key": 5}',
      '{"unknown": 1}',
    ];
    for (const route of ROUTES.filter((r) => r.body)) {
      const op = operation(route.method, route.path)!;
      const schema = schemaOf(op.requestBody!.content['application/json'].schema.$ref);
      // The examples hold placeholders such as "<role id>" where an id goes.
      const example = JSON.parse(JSON.stringify(op.requestBody!.content['application/json'].example).replace(/<[a-z ]+ id>/g, production));
      expect(schema.safeParse(example).success, `${route.path}: its example`).toBe(true);
      for (const body of hostile) {
        if (schema.safeParse(JSON.parse(body)).success) continue;
        const answer = await checked({ method: route.method, template: route.path, path: path(route.path, target.id), key: keys.org, body });
        expect(answer.status, `${route.method} ${route.path} ${body}`).toBe(400);
      }
    }
    expect((await db.select().from(users).where(eq(users.id, target.id)))[0]).toMatchObject({ status: 'active', firstName: 'Test' });
  });
});
