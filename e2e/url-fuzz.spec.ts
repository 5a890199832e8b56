// Property-based: whatever a URL's query holds (NUL bytes, impossible dates, numbers past bigint,
// broken percent-encoding, repeated keys, forged cursors), no page answers with a 5xx. Fuzzed with
// fast-check, signed in as the seeded Administrator and Account Manager, with a bounded number of runs.
import { request as playwrightRequest, type APIRequestContext } from '@playwright/test';
import fc from 'fast-check';
import { ACCOUNTS, PASSWORD } from './accounts';
import { expect, test } from './fixtures';

const cursor = (values: unknown) => Buffer.from(JSON.stringify(values)).toString('base64url');
const UUID = '00000000-0000-4000-8000-000000000000';

// Values known to have broken pages, already percent-encoded (so broken encodings reach the server as they are).
const HOSTILE = [
  '%00', 'a%00b', '1', '2024-02-30', '0000-01-01', '-0001-12-31', '%2B275760-09-13T00%3A00%3A00.000Z', '99999999999999999999', '-1', '1e309', 'NaN',
  '%FF', '%C0%80', '%ED%A0%80', '%', '%zz', '%E2%80%AE', '..%2F..%2F', '%2F%2Fevil.example', '%5C%5Cevil.example', 'javascript%3Aalert(1)',
  cursor(['1', UUID]), cursor(['2024-02-30', UUID]), cursor(['+275760-09-13T00:00:00.000Z', UUID]), cursor(['\u0000', 'a', UUID]),
  cursor(['a', 'b', 'not-a-uuid']), cursor([null]), cursor({}), cursor('x'.repeat(3000)), `${UUID}%00`, UUID,
  // Names every object inherits: a lookup table indexed by a parameter found a function, not a message.
  'constructor', '__proto__', 'toString', 'hasOwnProperty',
  // Year 0000: a JavaScript Date holds it, PostgreSQL refuses it (newest-first list cursors).
  `0000-01-01T00%3A00%3A00.000000Z_${UUID}`,
].map((raw) => ({ raw }));

// Any text (lone surrogates included), encoded by URLSearchParams; or one of the hostile values as is.
const value = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => ({ raw: encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd')) })),
  fc.array(fc.constantFrom('\u0000', '1', '2024-02-30', 'é', '+', ' ', '-', ':', 'T', 'Z', '9'), { maxLength: 30 }).map((a) => ({ raw: encodeURIComponent(a.join('')) })),
  fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }).map((n) => ({ raw: String(n) })),
  fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 }).map((a) => ({ raw: cursor(a) })),
);

const LIST_KEYS = ['q', 'status', 'role', 'env', 'tag', 'idle', 'sort', 'dir', 'after', 'before'];
const PAGES: { path: string | ((id: string) => string); keys: string[] }[] = [
  { path: '/users', keys: LIST_KEYS },
  { path: '/users/locked', keys: LIST_KEYS },
  { path: (id) => `/users/${id}`, keys: ['before', 'added'] },
  { path: '/users/new', keys: ['q', 'role'] },
  { path: '/set-password', keys: ['token'] },
  { path: '/login', keys: ['callbackUrl', 'error'] },
  { path: '/change-password', keys: ['next'] },
  { path: '/after-sign-in', keys: ['next'] },
  { path: '/settings/security', keys: ['q', 'tab'] },
  { path: '/profile', keys: ['q', 'next'] },
  { path: '/audit', keys: ['actor', 'target', 'action', 'env', 'from', 'to', 'after'] },
  { path: '/audit/export', keys: ['actor', 'target', 'action', 'env', 'from', 'to', 'after'] },
  { path: '/users/export', keys: LIST_KEYS },
  { path: '/outbox', keys: ['before', 'status'] },
  { path: '/users/api', keys: ['show'] },
  { path: '/users/import', keys: ['from'] },
  { path: '/settings/roles', keys: ['saved'] },
];

/** A request context signed in through next-auth's Credentials endpoint. */
async function signedIn(baseURL: string, email: string): Promise<APIRequestContext> {
  const context = await playwrightRequest.newContext({ baseURL });
  const { csrfToken } = (await (await context.get('/api/auth/csrf')).json()) as { csrfToken: string };
  const response = await context.post('/api/auth/callback/credentials', { form: { csrfToken, email, password: PASSWORD, json: 'true' }, maxRedirects: 0 });
  expect(response.status()).toBeLessThan(400);
  return context;
}

for (const account of ['admin', 'manager'] as const) {
  test(`no query string gives a 5xx, signed in as ${ACCOUNTS[account].role}`, async ({ baseURL }) => {
    test.setTimeout(90_000);
    const context = await signedIn(baseURL!, ACCOUNTS[account].email);
    const home = await context.get(`/users?q=${encodeURIComponent(ACCOUNTS.member.email)}`);
    const memberId = /\/users\/([0-9a-f-]{36})/.exec(await home.text())?.[1];
    expect(memberId, 'the seeded user is listed').toBeTruthy();
    const ids = fc.oneof(fc.constant(memberId!), fc.constant(UUID), fc.constantFrom('not-a-uuid', '%00', '1', `${memberId}%00`, 'x'.repeat(300)));

    const answers: string[] = [];
    const check = async (url: string) => {
      const response = await context.get(url, { maxRedirects: 0 });
      answers.push(`${response.status()} ${url}`);
      expect(response.status(), url).toBeLessThan(500);
    };

    // Every hostile value in every parameter of every page (all of a page's parameters at once).
    if (account === 'admin')
      for (const page of PAGES) {
        const path = typeof page.path === 'string' ? page.path : page.path(memberId!);
        for (const { raw } of HOSTILE) await check(`${path}?${page.keys.map((key) => `${key}=${raw}`).join('&')}`);
      }
    // Then random combinations: several parameters at once, repeated keys, random ids.
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PAGES),
        ids,
        fc.array(fc.tuple(fc.nat(), value), { minLength: 1, maxLength: 4 }),
        async (page, id, pairs) => {
          const path = typeof page.path === 'string' ? page.path : page.path(id);
          await check(`${path}?${pairs.map(([k, v]) => `${page.keys[k % page.keys.length]}=${v.raw}`).join('&')}`);
        },
      ),
      { numRuns: 80, seed: account === 'admin' ? 7 : 13 },
    );
    // The lists still work afterwards, and a bad value leaves the page usable.
    const list = await context.get(`/users?q=%00${encodeURIComponent(ACCOUNTS.member.email)}%00&after=garbage&before=${HOSTILE[5]!.raw}`);
    expect(list.status()).toBe(200);
    expect(await list.text()).toContain(ACCOUNTS.member.email);
    expect(answers.length).toBeGreaterThanOrEqual(80);
    await context.dispose();
  });
}

test('no query string gives a 5xx on the signed-out pages', async ({ baseURL }) => {
  const context = await playwrightRequest.newContext({ baseURL });
  for (const path of ['/login', '/set-password', '/forgot-password', '/after-sign-in', '/change-password'])
    for (const { raw } of HOSTILE) {
      const url = `${path}?callbackUrl=${raw}&error=${raw}&token=${raw}&next=${raw}`;
      const response = await context.get(url, { maxRedirects: 0 });
      expect(response.status(), url).toBeLessThan(500);
    }
  // Broken escapes in the path itself (Next.js fails to decode them before any of our code runs).
  for (const path of ['/users/%E0%A4%A', '/users/%zz', '/%', '/audit/%C0', '/api/v1/users/%ZZ', '/set-password%']) {
    const response = await context.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(400);
  }
  await context.dispose();
});
