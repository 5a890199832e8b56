// /api/auth/error called with a hostile ?error=: a redirect to /login on this site, never a 500.
import { createRequire } from 'node:module';
import path from 'node:path';
import { NextRequest } from 'next/server';
import { describe, expect, it, vi } from 'vitest';

// Anything that reaches next-auth itself fails here (no request scope): the error page must not.
vi.mock('next-auth', () => ({ default: () => () => { throw new Error('next-auth reached'); } }));
const { GET, POST } = await import('./route');

const get = (path: string, nextauth: string[]) => GET(new NextRequest(`http://localhost:3000${path}`), { params: Promise.resolve({ nextauth }) });

describe('/api/auth/error', () => {
  it("is not left to next-auth, whose redirect for it makes no valid response of such an error", async () => {
    process.env.NEXTAUTH_URL = 'http://localhost:3000';
    const load = createRequire(import.meta.url);
    const { AuthHandler } = load(path.resolve('node_modules/next-auth/core/index.js'));
    const { toResponse } = load(path.resolve('node_modules/next-auth/next/utils.js'));
    const { authOptions } = await import('@/lib/auth/options');
    const answer = await AuthHandler({
      options: { ...authOptions, secret: 'route-test-secret-route-test-secret-0123456' },
      req: { action: 'error', method: 'GET', error: 'x\r\nSet-Cookie: x=1', query: {}, cookies: {}, headers: { host: 'localhost:3000' } },
    });
    expect(answer.redirect).toBe('/login?error=x\r\nSet-Cookie: x=1');
    expect(() => toResponse(answer)).toThrow();
  });

  it.each([
    ['%0d%0aSet-Cookie:%20x=1', 'Configuration'],
    ['%E4%B8%AD', 'Configuration'],
    ['x%00y', 'Configuration'],
    ['//evil.example', 'Configuration'],
    ['locked', 'locked'],
    ['CredentialsSignin', 'CredentialsSignin'],
  ])('answers ?error=%s with a redirect to /login?error=%s', async (error, code) => {
    const response = await get(`/api/auth/error?error=${error}`, ['error']);
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!, 'http://localhost:3000');
    expect([location.origin, location.pathname, location.searchParams.get('error')]).toEqual(['http://localhost:3000', '/login', code]);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('takes the error from the path too (/api/auth/error/<code>)', async () => {
    expect((await get('/api/auth/error/expired', ['error', 'expired'])).headers.get('location')).toBe('/login?error=expired');
  });
});

describe('next-auth endpoints the portal does not use', () => {
  const call = (method: 'GET' | 'POST', path: string, body?: string) =>
    (method === 'GET' ? GET : POST)(
      new NextRequest(`http://localhost:3000/api/auth/${path}`, { method, body, headers: body ? { 'content-type': 'application/x-www-form-urlencoded' } : {} }),
      { params: Promise.resolve({ nextauth: path.split('/') }) },
    );

  // next-auth writes whatever is posted to _log into the server's log, for anyone: forged lines included.
  it.each([
    ['POST', '_log', 'level=error&code=FORGED%0A%5Bnext-auth%5D%5Berror%5D%5BADMIN%5D&message=x'],
    ['GET', '_log', undefined],
    // next-auth answers a GET of the credentials callback with a 500.
    ['GET', 'callback/credentials', undefined],
    // The email provider's "Check your email" page: there is no such sign-in here.
    ['GET', 'verify-request', undefined],
  ] as const)('answers %s /api/auth/%s with 404, without reaching next-auth', async (method, path, body) => {
    const response = await call(method, path, body);
    expect(response.status).toBe(404);
  });
});
