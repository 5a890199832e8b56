// Security headers on every page, signed out and in, and the 1 MB form limit explained (issue 7, items 6 and 14c).
import { expect, test } from './fixtures';

const expectSecurityHeaders = (headers: Record<string, string>) => {
  const csp = headers['content-security-policy'] ?? '';
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).toContain("base-uri 'self'");
  expect(csp).toContain("default-src 'self'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  expect(headers['permissions-policy']).toContain('camera=()');
};

test('signed-out pages send the security headers, so no other site can frame /login', async ({ request }) => {
  for (const path of ['/login', '/forgot-password', '/set-password?token=x']) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    expectSecurityHeaders(response.headers());
  }
});

test('API responses send them too, problems and unknown endpoints included', async ({ request }) => {
  for (const [path, status] of [
    ['/api/v1/users', 401],
    ['/api/v1/no-such-endpoint', 404],
    ['/api/v1/openapi.json', 200],
    ['/api/auth/session', 200],
    ['/api/v1', 404],
  ] as const) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(status);
    expectSecurityHeaders(response.headers());
    if (path === '/api/v1/no-such-endpoint') expect(response.headers()['content-type']).toBe('application/problem+json');
  }
  // A method the endpoint does not take: problem+json with Allow, not Next.js's empty 405.
  const refused = await request.delete('/api/v1/users/00000000-0000-4000-8000-000000000000');
  expect([refused.status(), refused.headers()['allow'], refused.headers()['content-type']]).toEqual([405, 'GET, PATCH, HEAD, OPTIONS', 'application/problem+json']);
  expectSecurityHeaders(refused.headers());
});

test('portal pages send them too, and still work under the policy', async ({ page, login }) => {
  await login.signInAs('admin');
  const response = await page.goto('/users');
  expectSecurityHeaders(response!.headers());
  // Hydrated under the policy: a client-side control works.
  await page.goto('/users/new');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
});

test('a form over 1 MB is stopped in the browser with a clear message, and what was typed stays', async ({ page, login }) => {
  await login.signInAs('admin');
  await page.goto('/users/new');
  const huge = 'x'.repeat(1_200_000);
  await page.getByLabel('First name').fill(huge);
  await page.getByLabel('Last name').fill('Oversize');
  await page.getByLabel('Email').fill(`oversize-${Date.now()}@example.test`);
  await page.getByRole('button', { name: 'Add user and send invitation' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'This form is too large to send' })).toContainText('the limit is 1 MB');
  await expect(page).toHaveURL(/\/users\/new$/);
  expect(await page.getByLabel('First name').inputValue()).toHaveLength(huge.length);
});

test('redirect targets stay on this site after signing in (open-redirect probes)', async ({ page, login }) => {
  await login.signInAs('admin');
  for (const next of ['/.//evil.example/phish', '/..//evil.example/phish', '/%2e//evil.example/phish', '/\\evil.example', '//evil.example']) {
    const response = await page.request.get(`/after-sign-in?next=${encodeURIComponent(next)}`, { maxRedirects: 0 });
    expect(response.status(), next).toBe(303);
    expect(response.headers()['location'], next).toBe('/');
  }
  await page.goto(`/change-password?next=${encodeURIComponent('/.//evil.example/phish')}`);
  // Nobody asked this Administrator to change their password: the way back is Cancel (Skip for now when asked).
  await expect(page.getByRole('link', { name: 'Cancel' })).toHaveAttribute('href', '/');
});
