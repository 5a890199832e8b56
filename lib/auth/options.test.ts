// /api/auth/session must apply the same status and session-version check as pages (issue 7, item 8).
import { eq, sql } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { encode } from 'next-auth/jwt';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { endedSessions, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';

const secret = 'options-test-secret-options-test-secret-0123';
process.env.NEXTAUTH_SECRET = secret;
process.env.NEXTAUTH_URL = 'http://localhost:3000';
const { authOptions, newSessionId } = await import('./options');
const { purgeEndedSessions } = await import('./ended-sessions');
// next-auth's core (what its route handler runs), loaded by file: the package does not export it, and
// the route handler itself needs a Next.js request context.
const { AuthHandler } = createRequire(import.meta.url)(path.resolve('node_modules/next-auth/core/index.js')) as {
  AuthHandler: (params: { options: unknown; req: Record<string, unknown> }) => Promise<{ body?: unknown; cookies?: { name: string; value: string; options?: { maxAge?: number } }[] }>;
};

let db: Db;
beforeAll(async () => {
  db = await testDb();
  await setUpOrganization(db);
});

const nowSeconds = () => Math.floor(Date.now() / 1000);
const sessionToken = (user: { id: string; email: string }, sessionVersion: number, signedInAt = nowSeconds()) =>
  encode({ token: { sub: user.id, sv: sessionVersion, sid: newSessionId(), at: signedInAt, email: user.email, name: 'Test User' }, secret });

/** GET /api/auth/session with the user's session cookie, as next-auth's route handler runs it. */
async function sessionEndpoint(user: { id: string; email: string }, sessionVersion: number, token?: string) {
  token ??= await sessionToken(user, sessionVersion);
  return AuthHandler({
    options: authOptions,
    req: { action: 'session', method: 'GET', cookies: { 'next-auth.session-token': token }, headers: { host: 'localhost:3000' } },
  });
}
const clearsCookie = (cookies: { name: string; value: string; options?: { maxAge?: number } }[] | undefined) =>
  (cookies ?? []).some((c) => c.name === 'next-auth.session-token' && c.value === '' && c.options?.maxAge === 0);

describe('/api/auth/session', () => {
  it('returns the session of an active user at the current session version', async () => {
    const user = await insertUser(db, { email: 'live@example.test' });
    const response = await sessionEndpoint(user, user.sessionVersion);
    expect(response.body).toMatchObject({ user: { email: 'live@example.test' }, userId: user.id });
  });

  it.each(['banned', 'locked', 'inactive'] as const)('returns no user when the user is %s, and clears the cookie', async (status) => {
    const user = await insertUser(db, { email: `gone-${status}@example.test` });
    await db.update(users).set({ status }).where(eq(users.id, user.id));
    const response = await sessionEndpoint(user, user.sessionVersion);
    expect(response.body).toEqual({});
    expect(JSON.stringify(response.body)).not.toContain(user.email);
    expect(clearsCookie(response.cookies)).toBe(true);
  });

  it('ends a session 12 hours after its sign-in, however often its cookie was renewed since', async () => {
    const user = await insertUser(db, { email: 'kept-alive@example.test' });
    // Every read of /api/auth/session hands back the cookie with 12 more hours: one read an hour kept a
    // copy of it (a stolen one too) working for good, and its holder never signed in again.
    const renewed = await sessionEndpoint(user, user.sessionVersion, await sessionToken(user, user.sessionVersion, nowSeconds() - 11 * 3600));
    expect(renewed.body).toMatchObject({ userId: user.id });
    const next = renewed.cookies!.find((c) => c.name === 'next-auth.session-token')!.value;
    expect((await sessionEndpoint(user, user.sessionVersion, next)).body).toMatchObject({ userId: user.id });
    const old = await sessionEndpoint(user, user.sessionVersion, await sessionToken(user, user.sessionVersion, nowSeconds() - 12 * 3600 - 1));
    expect(old.body).toEqual({});
    expect(clearsCookie(old.cookies)).toBe(true);
    // A token that does not say when its session began is no session.
    const undated = await encode({ token: { sub: user.id, sv: user.sessionVersion, sid: newSessionId(), email: user.email }, secret });
    expect((await sessionEndpoint(user, user.sessionVersion, undated)).body).toEqual({});
  });

  it('returns no user for a stale session version', async () => {
    const user = await insertUser(db, { email: 'stale-sv@example.test' });
    await db.update(users).set({ sessionVersion: sql`${users.sessionVersion} + 1` }).where(eq(users.id, user.id));
    const response = await sessionEndpoint(user, user.sessionVersion);
    expect(response.body).toEqual({});
    expect(clearsCookie(response.cookies)).toBe(true);
  });
});

/** POST /api/auth/signout with the session cookie and a valid CSRF token, as the Sign out menu item sends it. */
async function signOutEndpoint(token: string) {
  const csrf = 'csrf-token-of-this-browser';
  const hash = createHash('sha256').update(`${csrf}${secret}`).digest('hex');
  return AuthHandler({
    options: authOptions,
    req: {
      action: 'signout',
      method: 'POST',
      body: { csrfToken: csrf },
      cookies: { 'next-auth.session-token': token, 'next-auth.csrf-token': `${csrf}|${hash}` },
      headers: { host: 'localhost:3000' },
    },
  });
}

describe('signing out', () => {
  it('ends the session on the server: a copy of its cookie taken before gets no user, on any instance', async () => {
    const user = await insertUser(db, { email: 'signs-out@example.test' });
    const token = await sessionToken(user, user.sessionVersion);
    const other = await sessionToken(user, user.sessionVersion); // the same user in another browser
    expect((await sessionEndpoint(user, user.sessionVersion, token)).body).toMatchObject({ userId: user.id });

    expect(clearsCookie((await signOutEndpoint(token)).cookies)).toBe(true);
    const replayed = await sessionEndpoint(user, user.sessionVersion, token);
    expect(replayed.body).toEqual({});
    expect(clearsCookie(replayed.cookies)).toBe(true);
    // Only that session ended: the user's other browser is still signed in.
    expect((await sessionEndpoint(user, user.sessionVersion, other)).body).toMatchObject({ userId: user.id });
    // Signing out twice (a second tab) is harmless.
    expect(clearsCookie((await signOutEndpoint(token)).cookies)).toBe(true);
  });

  it('a sign-out without a valid CSRF token ends nothing', async () => {
    const user = await insertUser(db, { email: 'csrf-signout@example.test' });
    const token = await sessionToken(user, user.sessionVersion);
    await AuthHandler({
      options: authOptions,
      req: { action: 'signout', method: 'POST', body: { csrfToken: 'forged' }, cookies: { 'next-auth.session-token': token }, headers: { host: 'localhost:3000' } },
    });
    expect((await sessionEndpoint(user, user.sessionVersion, token)).body).toMatchObject({ userId: user.id });
  });

  it('a token without a session id (or with a forged empty one) is no session', async () => {
    const user = await insertUser(db, { email: 'no-sid@example.test' });
    const base = { sub: user.id, sv: user.sessionVersion, email: user.email, name: 'Test User' };
    for (const token of [base, { ...base, sid: '' }])
      expect((await sessionEndpoint(user, user.sessionVersion, await encode({ token, secret }))).body).toEqual({});
  });

  it('forgets ended sessions once they would have expired anyway', async () => {
    await db.insert(endedSessions).values([
      { sessionId: 'long-gone', expiresAt: new Date(Date.now() - 1000) },
      { sessionId: 'still-running', expiresAt: new Date(Date.now() + 3_600_000) },
    ]);
    await purgeEndedSessions(db);
    const left = (await db.select({ id: endedSessions.sessionId }).from(endedSessions)).map((r) => r.id);
    expect(left).toContain('still-running');
    expect(left).not.toContain('long-gone');
  });
});

describe("next-auth's own redirects (callbackUrl as a parameter or in its cookie)", () => {
  const hostile = [
    'https://evil.example/',
    '//evil.example',
    '/.//evil.example',
    '/%5cevil.example',
    '//%09/evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    'http://localhost:3000//evil.example',
    'http://localhost:3000.evil.example/',
    `/${'a'.repeat(3000)}`,
  ];

  it.each(hostile)('stay on this site for %j', async (callbackUrl) => {
    const asParameter = await AuthHandler({
      options: authOptions,
      req: { action: 'signin', method: 'GET', query: { callbackUrl }, cookies: {}, headers: { host: 'localhost:3000' } },
    });
    const asCookie = await AuthHandler({
      options: authOptions,
      req: { action: 'signin', method: 'GET', query: {}, cookies: { 'next-auth.callback-url': callbackUrl }, headers: { host: 'localhost:3000' } },
    });
    for (const response of [asParameter, asCookie] as { redirect?: string; cookies?: { name: string; value: string }[] }[]) {
      const location = new URL(response.redirect!, 'http://localhost:3000');
      expect(location.origin).toBe('http://localhost:3000');
      // The way back it carries to /login, and the one it remembers, are this site's root (or, for a
      // value next-auth cannot parse at all, none: it answers with its configuration error).
      expect(location.pathname).toBe('/login');
      expect([location.searchParams.get('callbackUrl') ?? location.searchParams.get('error')]).toEqual([expect.stringMatching(/^(http:\/\/localhost:3000\/|Configuration)$/)]);
      const remembered = response.cookies?.find((c) => c.name === 'next-auth.callback-url')?.value;
      if (remembered !== undefined) expect(remembered).toBe('http://localhost:3000/');
    }
  });
});
