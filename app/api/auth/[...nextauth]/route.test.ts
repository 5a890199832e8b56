// /api/auth/error called with a hostile ?error=: a redirect to /login on this site, never a 500.
import { createRequire } from 'node:module';
import path from 'node:path';
import { NextRequest } from 'next/server';
import { describe, expect, it, vi } from 'vitest';

// Anything that reaches next-auth itself fails here (no request scope): the error page must not.
vi.mock('next-auth', () => ({ default: () => () => { throw new Error('next-auth reached'); } }));
const { GET } = await import('./route');

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
