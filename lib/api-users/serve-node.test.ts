// The REST API served straight from Node's HTTP server (as scripts/server.mjs does in production): which
// requests take that path, and that over real HTTP they get the router's answers with the security
// headers, bodies limited, HEAD without a body, and nothing crashing on hostile input.
import { once } from 'node:events';
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, roles, users } from '@/db/schema';
import { setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import { SECURITY_HEADERS } from '@/lib/security-headers';
import { withPeerAddress } from '@/scripts/server-wrapper.mjs';
import { createApiUser, newApiUserSchema } from './manage';
import { serveApi, servesDirectly } from './serve-node';

describe('servesDirectly', () => {
  it('takes API paths in plain form by the methods the API knows, and leaves the rest to Next.js', () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const url of ['/api/v1/users', `/api/v1/users/${id}`, `/api/v1/users/${id}/ban`, '/api/v1/openapi.json', '/api/v1/users?q=a b&after=x/y', '/api/v1/nothing-here'])
      for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) expect(servesDirectly(method, url), `${method} ${url}`).toBe(true);
    for (const url of [
      '/api/v1',
      '/api/v1/',
      '/api/v1/users/',
      '/api/v1//users',
      '/api/v1/./users',
      '/api/v1/users/..',
      '/api/v1/.hidden',
      '/api/v1/users/%2e%2e',
      '/api/v1/users/a%2Fb',
      '/api/v1/users\\x',
      '/api/v1x/users',
      '/API/v1/users',
      'http://evil.example/api/v1/users',
      '/api/auth/session',
      '/users',
    ])
      expect(servesDirectly('GET', url), url).toBe(false);
    for (const method of ['TRACE', 'CONNECT', 'PROPFIND', 'get', undefined]) expect(servesDirectly(method, '/api/v1/users'), String(method)).toBe(false);
    expect(servesDirectly('GET', undefined)).toBe(false);
  });
});

describe('over HTTP', () => {
  let server: Server;
  let base: string;
  let key: string;
  let roleId: string;
  let production: string;

  beforeAll(async () => {
    const db = await testDb();
    const org = await setUpOrganization(db);
    production = org.environmentId;
    roleId = (await db.select().from(roles).where(eq(roles.name, 'User')))[0]!.id;
    const admin = { actor: { type: 'user' as const, id: org.adminId, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
    ({ key } = await db.transaction((tx) =>
      createApiUser(tx, admin, newApiUserSchema.parse({ username: 'direct', scope: 'organization', expiresAt: new Date(Date.now() + 86_400_000).toISOString() })),
    ));
    // As scripts/server.mjs serves it: behind the wrapper that records the TCP peer address.
    server = createServer(withPeerAddress((req: IncomingMessage, res: ServerResponse) => void serveApi(req, res))).listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** One request with node:http (fetch would add headers of its own), the whole body as bytes. */
  const rawRequest = (method: string, path: string, headers: Record<string, string>, body?: string, agent?: Agent) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const req = httpRequest(`${base}${path}`, { method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end(body);
    });

  const expectSecurityHeaders = (headers: Headers) => {
    for (const { key: name, value } of SECURITY_HEADERS) expect(headers.get(name), name).toBe(value);
  };

  it('answers as the router does, with the security headers, problems included', async () => {
    const missing = await fetch(`${base}/api/v1/users`);
    expect([missing.status, missing.headers.get('content-type'), missing.headers.get('www-authenticate')]).toEqual([401, 'application/problem+json', 'Bearer realm="userdesk"']);
    expectSecurityHeaders(missing.headers);
    const unknown = await fetch(`${base}/api/v1/nothing-here`, { method: 'DELETE' });
    expect(unknown.status).toBe(404);
    expectSecurityHeaders(unknown.headers);
    const refused = await fetch(`${base}/api/v1/users/00000000-0000-4000-8000-000000000000`, { method: 'PUT' });
    expect([refused.status, refused.headers.get('allow')]).toEqual([405, 'GET, PATCH, HEAD, OPTIONS']);
    const spec = await fetch(`${base}/api/v1/openapi.json`);
    expect([spec.status, (await spec.json()).openapi]).toEqual([200, '3.1.0']);
  });

  it('reads a JSON body, creates the user, and answers with its length', async () => {
    const created = await fetch(`${base}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'direct.path@example.test', firstName: 'Direct', lastName: 'Path', roleId, environmentIds: [production] }),
    });
    const text = await created.text();
    expect([created.status, created.headers.get('content-length')]).toEqual([201, String(Buffer.byteLength(text))]);
    const id = JSON.parse(text).id as string;
    expect(created.headers.get('location')).toBe(`/api/v1/users/${id}`);
    const db = await testDb();
    expect((await db.select().from(users).where(eq(users.id, id)))[0]?.email).toBe('direct.path@example.test');
    const head = await fetch(`${base}/api/v1/users/${id}`, { method: 'HEAD', headers: { authorization: `Bearer ${key}` } });
    expect([head.status, head.headers.get('etag'), await head.text()]).toEqual([200, '"v1"', '']);
  });

  it('without a proxy (TRUSTED_PROXY_HOPS=0) the audit has the TCP peer address, never the client\'s own header', async () => {
    const saved = { hops: process.env.TRUSTED_PROXY_HOPS, peer: process.env.USERDESK_PEER_HEADER };
    Object.assign(process.env, { TRUSTED_PROXY_HOPS: '0', USERDESK_PEER_HEADER: '1' });
    try {
      const created = await fetch(`${base}/api/v1/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-userdesk-peer': '6.6.6.6', 'x-forwarded-for': '7.7.7.7' },
        body: JSON.stringify({ email: 'peer.check@example.test', firstName: 'Peer', lastName: 'Check', roleId, environmentIds: [production] }),
      });
      expect(created.status).toBe(201);
      const db = await testDb();
      const [event] = await db.select({ ip: auditEvents.ip }).from(auditEvents).where(eq(auditEvents.targetLabel, 'peer.check@example.test'));
      expect(event?.ip).toBe('127.0.0.1');
    } finally {
      for (const [name, value] of [['TRUSTED_PROXY_HOPS', saved.hops], ['USERDESK_PEER_HEADER', saved.peer]] as const)
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
    }
  });

  it('fills in X-Forwarded-For with the peer when the client sent none, as Next.js does', async () => {
    const created = await fetch(`${base}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'forwarded.for@example.test', firstName: 'Forwarded', lastName: 'For', roleId, environmentIds: [production] }),
    });
    expect(created.status).toBe(201);
    const [event] = await (await testDb()).select({ ip: auditEvents.ip }).from(auditEvents).where(eq(auditEvents.targetLabel, 'forwarded.for@example.test'));
    expect(event?.ip).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  it('compresses answers above 1 KiB for clients that take gzip, and sends no length with a 204', async () => {
    const plain = await rawRequest('GET', '/api/v1/openapi.json', {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await rawRequest('GET', '/api/v1/openapi.json', { 'accept-encoding': 'br, gzip' });
    expect([zipped.headers['content-encoding'], zipped.headers.vary]).toEqual(['gzip', 'Accept-Encoding']);
    expect(JSON.parse(gunzipSync(zipped.body).toString('utf8')).openapi).toBe('3.1.0');
    expect((await rawRequest('GET', '/api/v1/openapi.json', { 'accept-encoding': 'gzip;q=0' })).headers['content-encoding']).toBeUndefined();
    const options = await rawRequest('OPTIONS', '/api/v1/users', {});
    expect([options.status, options.headers['content-length'], options.headers.allow]).toEqual([204, undefined, 'GET, POST, HEAD, OPTIONS']);
  });

  it('a body the handler never reads leaves the keep-alive connection ready for the next request', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const started = performance.now();
      // Refused before the body is read (no credential), twice on one connection, then a third call.
      for (let i = 0; i < 2; i++) expect((await rawRequest('POST', '/api/v1/users', { 'content-type': 'application/json' }, 'x'.repeat(40_000), agent)).status).toBe(401);
      expect((await rawRequest('GET', '/api/v1/openapi.json', {}, undefined, agent)).status).toBe(200);
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      agent.destroy();
    }
  });

  it('a streamed body that passes the limit without saying its length gets 413 and a closed connection, and the server carries on', async () => {
    const answer = await new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = httpRequest(`${base}/api/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection });
      });
      req.on('error', reject);
      // Chunked, 200 KiB in all, without a Content-Length.
      for (let i = 0; i < 50; i++) req.write('x'.repeat(4096));
      req.end();
    }).catch(() => ({ status: 0, connection: 'reset' }));
    // A client still sending may see the connection closed before it reads the answer; either way it ends.
    expect([413, 0]).toContain(answer.status);
    if (answer.status === 413) expect(answer.connection).toBe('close');
    expect((await fetch(`${base}/api/v1/openapi.json`)).status).toBe(200);
  });

  it('refuses a body over the limit with 413 and keeps serving', async () => {
    const big = await fetch(`${base}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ firstName: 'x'.repeat(100_000) }),
    });
    expect([big.status, (await big.json()).title]).toEqual([413, 'Request too large']);
    expect((await fetch(`${base}/api/v1/users`)).status).toBe(401);
  });

  it('survives hostile requests: broken JSON, a body on GET, raw bytes that are not UTF-8, a client that goes away', async () => {
    const broken = await fetch(`${base}/api/v1/users`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"email":' });
    expect([broken.status, (await broken.json()).detail]).toEqual([400, 'The request body is not valid JSON.']);
    const binary = await fetch(`${base}/api/v1/auth/token`, { method: 'POST', body: new Uint8Array([0xff, 0xfe, 0x00, 0xc3]) });
    expect(binary.status).toBe(400);
    // A request whose client disconnects before the answer.
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${base}/api/v1/users`, { method: 'POST', headers: { 'content-length': '1000', authorization: `Bearer ${key}` } });
      req.on('error', () => resolve());
      req.write('{"email": "half');
      setTimeout(() => (req.destroy(), resolve()), 50);
    });
    expect((await fetch(`${base}/api/v1/openapi.json`)).status).toBe(200);
  });
});
