// The REST API under real concurrency (PostgreSQL, several connections; two clients stand for two app
// instances on one database): the per-key budget, and a user's action racing another change of them.
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { openClient, type Db } from '@/db/client';
import { apiTokens, apiUsers, auditEvents, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { authenticateAndCount, confirmCaller } from './authenticate';
import { warnExpiringApiUsers } from './expiry';
import { createApiUser, deleteApiUserNow, newApiUserSchema, revokeApiUser, revokeApiUserNow } from './manage';
import { handleUsersRequest, USERS_NS } from '@/lib/soap/users-service';
import { handleApiRequest } from './router';

let db: Db;
let admin: Principal;
let production: string;
let orgKey: string;

async function newKey(input: Record<string, unknown>) {
  const parsed = newApiUserSchema.parse({ expiresAt: new Date(Date.now() + 86_400_000).toISOString(), scope: 'organization', ...input });
  return db.transaction((tx) => createApiUser(tx, admin, parsed));
}

async function call(method: string, path: string, key: string, init: { body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await handleApiRequest(new Request(`http://api.test/api/v1${path}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) }));
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/**
 * Runs `request` while another session holds the user's row, then commits `change` (a change of the
 * user, as another manager's save would make) there, so the request meets the user as that change left them.
 */
async function whileChanged<T>(userId: string, change: string, request: () => Promise<T>): Promise<T> {
  const other = openClient(process.env.DATABASE_URL, '');
  let pending: Promise<T> | undefined;
  try {
    await other.db.transaction(async (tx) => {
      await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
      pending = request();
      await new Promise((resolve) => setTimeout(resolve, 400));
      await tx.execute(sql.raw(`update users set ${change}, version = version + 1 where id = '${userId}'`));
    });
    return await pending!;
  } finally {
    await other.close();
  }
}

beforeAll(async () => {
  db = await testDb();
  const org = await setUpOrganization(db);
  production = org.environmentId;
  admin = { actor: { type: 'user', id: org.adminId, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  orgKey = (await newKey({ username: 'race-org' })).key;
});

describe('the per-key budget', () => {
  it('100 simultaneous requests through two instances get exactly the budget; the rest a Retry-After', async () => {
    const { key } = await newKey({ username: 'race-burst', rateLimitPerMinute: 10 });
    const second = openClient(process.env.DATABASE_URL, '');
    try {
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => authenticateAndCount(i % 2 ? second.db : db, `Bearer ${key}`)),
      );
      expect(results.filter((r) => r.retryAfter === 0)).toHaveLength(10);
      expect(results.filter((r) => r.retryAfter > 0 && r.retryAfter <= 60)).toHaveLength(90);
    } finally {
      await second.close();
    }
    const refused = await call('GET', `/users?environment=${production}`, key);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('a user action racing another change of the user', () => {
  it('If-Match is checked against the user as the action finds them: a change committed meanwhile is 412, and nothing is done', async () => {
    const user = await insertUser(db, { email: 'race.reset@example.test', environmentId: production });
    const etag = `"v${user.version}"`;
    const reset = await whileChanged(user.id, `first_name = 'Changed'`, () => call('POST', `/users/${user.id}/reset`, orgKey, { headers: { 'if-match': etag } }));
    expect(reset).toMatchObject({ status: 412, body: { title: 'Precondition failed' } });
    const [after] = await db.select().from(users).where(eq(users.id, user.id));
    expect(after).toMatchObject({ firstName: 'Changed', requirePasswordChange: false, version: user.version + 1 });
    expect(after!.passwordHash).toBe(user.passwordHash);
  }, 30_000);

  it('without If-Match, a ban applies to the user as they are, whatever changed since the request began', async () => {
    const user = await insertUser(db, { email: 'race.ban@example.test', environmentId: production });
    const ban = await whileChanged(user.id, `last_name = 'Renamed'`, () => call('POST', `/users/${user.id}/ban`, orgKey, { body: { reason: 'Left' } }));
    expect(ban).toMatchObject({ status: 200, body: { status: 'banned', lastName: 'Renamed' } });
  }, 30_000);
});

describe('slow clients', () => {
  it('a ban whose body is still arriving holds no transaction (nor the user’s row) while it waits for it', async () => {
    const user = await insertUser(db, { email: 'race.slow@example.test', environmentId: production });
    let finish!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"reason": '));
        finish = () => (controller.enqueue(new TextEncoder().encode('"Left"}')), controller.close());
      },
    });
    const headers = { authorization: `Bearer ${orgKey}`, 'content-type': 'application/json' };
    const pending = handleApiRequest(new Request(`http://api.test/api/v1/users/${user.id}/ban`, { method: 'POST', headers, body, duplex: 'half' } as RequestInit));
    await new Promise((resolve) => setTimeout(resolve, 400));
    const open = await db.execute(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and (state like 'idle in transaction%' or wait_event_type = 'Lock')`);
    expect((open as unknown as { n: number }[])[0]!.n).toBe(0);
    // Another manager's change goes through at once.
    expect((await call('PATCH', `/users/${user.id}`, orgKey, { body: { firstName: 'Meanwhile' } })).status).toBe(200);
    finish();
    const banned = await pending;
    expect(banned.status).toBe(200);
    expect(await banned.json()).toMatchObject({ status: 'banned', firstName: 'Meanwhile' });
  }, 30_000);
});

/** A ban by `key` whose body is still arriving (the credential already checked); `finish` sends the rest. */
function slowBan(key: string, userId: string) {
  let finish!: () => void;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"reason": '));
      finish = () => (controller.enqueue(new TextEncoder().encode('"Left"}')), controller.close());
    },
  });
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const response = handleApiRequest(new Request(`http://api.test/api/v1/users/${userId}/ban`, { method: 'POST', headers, body, duplex: 'half' } as RequestInit));
  return { response, finish: () => finish() };
}

describe('a key that changes while its request is under way', () => {
  it('revoked while a request’s body is still arriving: the request changes nothing (401), and nothing is audited after the revoke', async () => {
    const { id, key } = await newKey({ username: 'race-revoked-mid-request' });
    const user = await insertUser(db, { email: 'race.revoked@example.test', environmentId: production });
    const ban = slowBan(key, user.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await db.transaction((tx) => revokeApiUser(tx, admin, id));
    ban.finish();
    const response = await ban.response;
    expect(response.status).toBe(401);
    expect((await response.json()).detail).toMatch(/revoked/);
    const [after] = await db.select().from(users).where(eq(users.id, user.id));
    expect(after!.status).toBe('active');
    expect(await db.select().from(auditEvents).where(eq(auditEvents.actorId, id))).toEqual([]);
  }, 30_000);

  it('its creator banned while a request’s body is still arriving: the request changes nothing (403)', async () => {
    const creator = await insertUser(db, { email: 'race.creator@example.test', role: 'Administrator' });
    const creatorPrincipal: Principal = { actor: { type: 'user', id: creator.id, label: creator.email }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const parsed = newApiUserSchema.parse({ username: 'race-creator-banned', scope: 'organization', expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    const { key } = await db.transaction((tx) => createApiUser(tx, creatorPrincipal, parsed));
    const user = await insertUser(db, { email: 'race.target@example.test', environmentId: production });
    const ban = slowBan(key, user.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await db.update(users).set({ status: 'banned' }).where(eq(users.id, creator.id));
    ban.finish();
    expect((await ban.response).status).toBe(403);
    const [after] = await db.select().from(users).where(eq(users.id, user.id));
    expect(after!.status).toBe('active');
  }, 30_000);

  it('a revoke on another instance waits for a change its key has under way, then the key is refused', async () => {
    const { id, key } = await newKey({ username: 'race-revoke-waits' });
    const { caller } = await authenticateAndCount(db, `Bearer ${key}`);
    const second = openClient(process.env.DATABASE_URL, '');
    try {
      let revoked = false;
      let revoke: Promise<unknown> | undefined;
      await db.transaction(async (tx) => {
        await confirmCaller(tx, caller);
        revoke = revokeApiUserNow(second.db, admin, id).then(() => (revoked = true));
        await new Promise((resolve) => setTimeout(resolve, 400));
        expect(revoked).toBe(false);
      });
      await revoke;
      await expect(db.transaction((tx) => confirmCaller(tx, caller))).rejects.toMatchObject({ code: 'unauthenticated' });
    } finally {
      await second.close();
    }
  }, 30_000);

  /**
   * The key in constant use by `workers` overlapping changes (each holds its confirmed caller for 150 ms,
   * staggered, so one is always under way, as a client hammering a leaked key keeps them) on another
   * instance, until `stop()` or the key is refused. `open` counts the changes under way.
   */
  function hammer(caller: Awaited<ReturnType<typeof authenticateAndCount>>['caller'], workers = 4) {
    const other = openClient(process.env.DATABASE_URL, '');
    let stopped = false;
    const state = { open: 0, refused: 0 };
    const work = async (offset: number) => {
      await new Promise((resolve) => setTimeout(resolve, offset));
      while (!stopped)
        try {
          await other.db.transaction(async (tx) => {
            await confirmCaller(tx, caller);
            state.open++;
            try {
              await new Promise((resolve) => setTimeout(resolve, 150));
            } finally {
              state.open--;
            }
          });
        } catch {
          state.refused++;
          return;
        }
    };
    const running = Promise.all(Array.from({ length: workers }, (_, i) => work((i * 150) / workers)));
    return {
      state,
      stop: async () => {
        stopped = true;
        await running;
        await other.close();
      },
    };
  }

  it('a key in constant use is revoked at once: new changes by it are refused, and the revoke returns once those under way are done', async () => {
    const { id, key } = await newKey({ username: 'race-revoke-hammered' });
    const { caller } = await authenticateAndCount(db, `Bearer ${key}`);
    const use = hammer(caller);
    try {
      await new Promise((resolve) => setTimeout(resolve, 400));
      const started = Date.now();
      const revoke = revokeApiUserNow(db, admin, id).then(() => ({ openWhenDone: use.state.open }));
      const outcome = await Promise.race([revoke, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5_000))]);
      expect(outcome).toEqual({ openWhenDone: 0 });
      expect(Date.now() - started).toBeLessThan(3_000);
      await expect(db.transaction((tx) => confirmCaller(tx, caller))).rejects.toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(/revoked/) });
    } finally {
      await use.stop();
    }
    expect(use.state.refused).toBeGreaterThan(0);
  }, 30_000);

  it('a key in constant use is deleted at once (revoked first, both audited)', async () => {
    const { id, key } = await newKey({ username: 'race-delete-hammered' });
    const { caller } = await authenticateAndCount(db, `Bearer ${key}`);
    const use = hammer(caller);
    try {
      await new Promise((resolve) => setTimeout(resolve, 400));
      const remove = deleteApiUserNow(db, admin, id).then(() => 'deleted');
      expect(await Promise.race([remove, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5_000))])).toBe('deleted');
    } finally {
      await use.stop();
    }
    expect(await db.select().from(apiUsers).where(eq(apiUsers.id, id))).toEqual([]);
    const actions = await db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.targetId, id)).orderBy(auditEvents.id);
    expect(actions.map((a) => a.action)).toEqual(['api_user.created', 'api_user.revoked', 'api_user.deleted']);

    // A key already expired (or revoked) is not revoked again on its way out.
    const expired = await newKey({ username: 'race-delete-expired' });
    await db.update(apiUsers).set({ expiresAt: new Date(Date.now() - 60_000) }).where(eq(apiUsers.id, expired.id));
    await deleteApiUserNow(db, admin, expired.id);
    const expiredActions = await db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.targetId, expired.id)).orderBy(auditEvents.id);
    expect(expiredActions.map((a) => a.action)).toEqual(['api_user.created', 'api_user.deleted']);
  }, 30_000);

  it('a key in use when the hourly job runs is still warned about: the job skips only keys another job is warning about', async () => {
    const { id, key } = await newKey({ username: 'race-expiring-in-use', expiresAt: new Date(Date.now() + 5 * 86_400_000).toISOString() });
    const { caller } = await authenticateAndCount(db, `Bearer ${key}`);
    const other = openClient(process.env.DATABASE_URL, '');
    try {
      await other.db.transaction(async (tx) => {
        await confirmCaller(tx, caller);
        // A change by the key under way while the job runs on another instance.
        await warnExpiringApiUsers(db);
      });
    } finally {
      await other.close();
    }
    const [row] = await db.select({ warnedAt: apiUsers.expiryWarnedAt }).from(apiUsers).where(eq(apiUsers.id, id));
    expect(row!.warnedAt).not.toBeNull();
  }, 30_000);

  it('the hourly job on two instances at once warns about each key once', async () => {
    const { id } = await newKey({ username: 'race-expiring-twice', expiresAt: new Date(Date.now() + 5 * 86_400_000).toISOString() });
    const other = openClient(process.env.DATABASE_URL, '');
    try {
      await Promise.all([warnExpiringApiUsers(db), warnExpiringApiUsers(other.db), warnExpiringApiUsers(db), warnExpiringApiUsers(other.db)]);
    } finally {
      await other.close();
    }
    const warned = await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, id), eq(auditEvents.action, 'api_user.expiry_warned')));
    expect(warned).toHaveLength(1);
  }, 30_000);

  /**
   * Revokes the key on another instance while `request` is in its credential check (waiting on the API
   * user's row, whose last use it stamps), so the check reads the key as it was before the revoke.
   */
  async function revokedDuring<T>(apiUserId: string, request: () => Promise<T>): Promise<T> {
    await db.update(apiUsers).set({ lastUsedAt: null }).where(eq(apiUsers.id, apiUserId));
    const other = openClient(process.env.DATABASE_URL, '');
    let pending: Promise<T> | undefined;
    try {
      await other.db.transaction(async (tx) => {
        await tx.select({ id: apiUsers.id }).from(apiUsers).where(eq(apiUsers.id, apiUserId)).for('update');
        pending = request();
        await new Promise((resolve) => setTimeout(resolve, 400));
        await revokeApiUser(tx, admin, apiUserId);
      });
      return await pending!;
    } finally {
      await other.close();
    }
  }

  it('revoked while its request is being authenticated: neither REST nor SOAP changes anything after the revoke', async () => {
    const soap = (operation: string, inner: string) =>
      `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${operation} xmlns="${USERS_NS}">${inner}</${operation}></soap:Body></soap:Envelope>`;
    const soapCall = async (operation: string, inner: string) => {
      const { body } = await handleUsersRequest(db, { body: soap(operation, inner), soapAction: null, meta: { ip: null, userAgent: null } });
      return typeof body === 'string' ? body : new Response(body).text();
    };
    const [environment] = await db.execute(sql`select context_identifier from environments where id = ${production}`);
    const context = (environment as { context_identifier: string }).context_identifier;

    const rest = await newKey({ username: 'race-revoked-rest' });
    const restTarget = await insertUser(db, { email: 'race.rest.target@example.test', environmentId: production });
    const banned = await revokedDuring(rest.id, () => call('POST', `/users/${restTarget.id}/ban`, rest.key, { body: { reason: 'Left' } }));
    expect(banned.status).toBe(401);

    const viaSoap = await newKey({ username: 'race-revoked-soap' });
    const token = /AuthenticationToken="([^"]+)"/.exec(await soapCall('AuthenticateUser', `<AuthenticateUserRequest UserName="race-revoked-soap" Password="${viaSoap.key}" />`))![1]!;
    const soapTarget = await insertUser(db, { email: 'race.soap.target@example.test', environmentId: production });
    const deleted = await revokedDuring(viaSoap.id, () =>
      soapCall('DeleteUser', `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" UserName="${soapTarget.email}" />`),
    );
    expect(deleted).toMatch(/Success="false"/);

    const after = await db.select({ status: users.status }).from(users).where(sql`${users.id} in (${restTarget.id}, ${soapTarget.id})`);
    expect(after.map((u) => u.status)).toEqual(['active', 'active']);
    const actions = await db.select({ action: auditEvents.action }).from(auditEvents).where(sql`${auditEvents.actorId} in (${rest.id}, ${viaSoap.id})`);
    expect(actions.map((a) => a.action).filter((a) => a !== 'api_user.token_issued')).toEqual([]);
  }, 30_000);

  const exchange = (apiUsername: string, key: string) =>
    handleApiRequest(
      new Request('http://api.test/api/v1/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiUsername, key }) }),
    );

  it('an exchange that meets a revoke on another instance is refused, and no token of it is left', async () => {
    const { id, key } = await newKey({ username: 'race-exchange-revoked' });
    const response = await revokedDuring(id, () => exchange('race-exchange-revoked', key));
    expect(response.status).toBe(401);
    expect((await response.json()).detail).toMatch(/revoked/);
    expect(await db.select().from(apiTokens).where(eq(apiTokens.apiUserId, id))).toEqual([]);
    const actions = await db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.targetId, id)).orderBy(auditEvents.id);
    expect(actions.map((a) => a.action)).toEqual(['api_user.created', 'api_user.revoked']);
  }, 30_000);

  it('exchanges hammering a key while the portal revokes it: once the revoke returns, no token of the key is stored or works', async () => {
    const { id, key } = await newKey({ username: 'race-exchange-hammered', rateLimitPerMinute: 100_000 });
    let stopped = false;
    const issued: string[] = [];
    const work = async () => {
      while (!stopped) {
        const response = await exchange('race-exchange-hammered', key);
        if (response.status === 201) issued.push((await response.json()).token);
        else if (response.status === 401) return;
      }
    };
    const running = Promise.all([work(), work(), work(), work()]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      await revokeApiUserNow(db, admin, id);
      expect(Date.now() - started).toBeLessThan(3_000);
      const left = await db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.apiUserId, id));
      expect(left).toEqual([]);
      for (const token of issued.slice(-8)) expect((await call('GET', `/users?environment=${production}`, token)).status).toBe(401);
    } finally {
      stopped = true;
      await running;
    }
    expect(issued.length).toBeGreaterThan(0);
  }, 30_000);
});
