// The API Users tab and the REST API against the running production server: create an API user in the browser,
// copy its key, call the API with it, revoke it, show revoked ones, delete; keys never open the portal.
import type { APIRequestContext, Page } from '@playwright/test';
import { ACCOUNTS } from './accounts';
import { expect, expectAccessible, test } from './fixtures';

const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

async function createApiUser(page: Page, username: string, scope: 'Environment' | 'Organization (All Environments)', perMinute?: string, description = 'Browser test integration') {
  await page.goto('/users/api');
  await page.getByRole('button', { name: 'Add API User' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add API User' });
  await dialog.getByLabel('Username').fill(username);
  await expect(dialog.getByText('This username is available.')).toBeVisible();
  await dialog.getByLabel('Description').fill(description);
  await dialog.getByRole('radio', { name: new RegExp(`^${scope.replace(/[()]/g, '\\$&')}`) }).check();
  if (scope === 'Environment') {
    await dialog.getByRole('checkbox', { name: 'Production' }).uncheck();
    await dialog.getByRole('checkbox', { name: 'Sandbox' }).check();
  }
  if (perMinute) await dialog.getByLabel('Requests per minute').fill(perMinute);
  await dialog.getByRole('button', { name: 'Create API User' }).click();
  const keyDialog = page.getByRole('dialog', { name: `Key for ${username}` });
  await expect(keyDialog).toBeVisible();
  return keyDialog;
}

const get = (request: APIRequestContext, path: string, key: string) => request.get(path, { headers: { authorization: `Bearer ${key}` } });

test.describe('API Users tab', () => {
  test('create, copy the key, call the API, revoke (the call fails), show revoked, delete', async ({ page, login, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await login.signInAs('admin');
    await page.goto('/users/api');
    await expect(page.getByRole('link', { name: 'API Users' })).toHaveAttribute('aria-current', 'page');
    await expectAccessible(page);

    const username = unique('crm-sync');
    await page.getByRole('button', { name: 'Add API User' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add API User' });
    await expectAccessible(page);
    // What a username may hold is said before a refusal does.
    await expect(dialog.getByLabel('Username')).toHaveAccessibleDescription(/^3 to 100 characters: letters, digits and \. _ @ \+ -\./);
    await dialog.getByRole('button', { name: 'Create API User' }).click();
    await expect(dialog.getByText('Enter a username.')).toBeVisible();
    await expect(dialog.getByText('Use letters, digits')).toHaveCount(0);
    // The environment the portal shows is ticked at first. A username but no environment: focus goes to
    // the environments, each read with the error.
    await expect(dialog.getByRole('checkbox', { name: 'Production' })).toBeChecked();
    await expect(dialog.getByRole('checkbox', { name: 'Sandbox' })).not.toBeChecked();
    await dialog.getByRole('checkbox', { name: 'Production' }).uncheck();
    await dialog.getByLabel('Username').fill(unique('no-env'));
    await dialog.getByRole('button', { name: 'Create API User' }).click();
    const firstEnvironment = dialog.getByRole('group', { name: 'Environments' }).getByRole('checkbox').first();
    await expect(firstEnvironment).toBeFocused();
    await expect(firstEnvironment).toHaveAttribute('aria-invalid', 'true');
    await expect(firstEnvironment).toHaveAccessibleDescription('Choose at least one environment.');
    await page.keyboard.press('Escape');

    const keyDialog = await createApiUser(page, username, 'Environment', '120');
    await expect(keyDialog.getByText('It cannot be shown again')).toBeVisible();
    await expectAccessible(page);
    await keyDialog.getByRole('button', { name: 'Copy' }).click();
    await expect(keyDialog.getByText('Copied to the clipboard.')).toBeVisible();
    const key = await page.evaluate(() => navigator.clipboard.readText());
    expect(key).toMatch(/^udk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    // Shown once: Escape or a click outside does not close it by accident; only the button does.
    await page.keyboard.press('Escape');
    await page.mouse.click(5, 5);
    await expect(keyDialog).toBeVisible();
    await keyDialog.getByRole('button', { name: 'I have copied the key' }).click();
    await expect(keyDialog).toBeHidden();

    // The same username again, in another case: refused while typing.
    await page.getByRole('button', { name: 'Add API User' }).click();
    await page.getByRole('dialog', { name: 'Add API User' }).getByLabel('Username').fill(username.toUpperCase());
    await expect(page.getByText('An API user with this username already exists.')).toBeVisible();
    await page.keyboard.press('Escape');

    const row = page.getByRole('row').filter({ hasText: username });
    await expect(row).toContainText('Environment');
    await expect(row).toContainText('Sandbox');
    await expect(row).toContainText('120 a minute');
    await expect(row).toContainText('Active');

    // The key works on the API, within its environment only.
    const listed = await get(page.request, '/api/v1/users', key);
    expect(listed.status()).toBe(200);
    const emails = ((await listed.json()) as { users: { email: string }[] }).users.map((u) => u.email);
    expect(emails).toContain(ACCOUNTS.sandboxOnly.email);
    expect(emails).not.toContain(ACCOUNTS.member.email);

    await row.getByRole('button', { name: `Revoke ${username}` }).click();
    const confirm = page.getByRole('dialog', { name: `Revoke ${username}?` });
    await expectAccessible(page);
    await confirm.getByRole('button', { name: 'Revoke API user' }).click();
    await expect(page.getByText(`${username} is revoked`)).toBeVisible();
    // A toast, as everywhere: not a banner that pushes the rows down and stays after the view changes.
    await expect(page.getByTestId('toast').filter({ hasText: `${username} is revoked` })).toBeVisible();
    await expect(page.getByRole('row').filter({ hasText: username })).toHaveCount(0);
    // The row is gone: focus goes to the same button of the next row (or, with none left, the new count), never the body.
    await expect
      .poll(() => page.evaluate(() => { const a = document.activeElement; return a?.matches('table button, [data-focus-fallback]') ? (a.getAttribute('aria-label') ?? a.textContent) : null; }))
      .toMatch(/^(Revoke|Delete) |^\d+ active API users? · REST API reference$/);

    const refused = await get(page.request, '/api/v1/users', key);
    expect(refused.status()).toBe(401);
    expect(refused.headers()['content-type']).toBe('application/problem+json');
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/revoked/);

    const toggle = page.getByRole('switch', { name: 'Show Revoked and Expired API Users' });
    await toggle.focus();
    await page.keyboard.press('Space');
    await expect(page).toHaveURL(/\/users\/api\?show=all$/);
    await expect(toggle).toHaveAttribute('aria-checked', 'true');
    await expect(toggle).toBeFocused();
    const revokedRow = page.getByRole('row').filter({ hasText: username });
    await expect(revokedRow).toContainText('Revoked');
    await revokedRow.getByRole('button', { name: `Delete ${username}` }).click();
    await page.getByRole('dialog', { name: `Delete ${username}?` }).getByRole('button', { name: 'Delete API user' }).click();
    await expect(page.getByText(`${username} is deleted.`)).toBeVisible();
    await expect(page.getByRole('row').filter({ hasText: username })).toHaveCount(0);
  });

  test('each API user\'s Revoke and Delete are whole on screen at every width, never cut off at the table\'s edge', async ({ page, login }) => {
    await login.signInAs('admin');
    const username = unique('widths');
    const keyDialog = await createApiUser(page, username, 'Environment');
    await keyDialog.getByRole('button', { name: 'I have copied the key' }).click();
    for (const width of [390, 800, 1100, 1280, 1440, 1920]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/users/api');
      for (const action of ['Revoke', 'Delete']) {
        const button = page.getByRole('button', { name: `${action} ${username}` });
        // Only the page scrolls to it (scrollIntoView would scroll a clipping frame sideways and hide the fault).
        await button.evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 200));
        await expect(button, `${width}: ${action} whole on screen`).toBeInViewport({ ratio: 1 });
      }
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), `${width}: the page does not scroll sideways`).toBeLessThanOrEqual(0);
    }
  });

  test('a very long username wraps in its cell: the table fits its list and does not scroll sideways unannounced', async ({ page, login }) => {
    await login.signInAs('admin');
    // 100 characters, the most a username may have, with hardly anywhere a line could break by itself.
    const username = unique('quillfeather.zephyrine.').padEnd(100, '.xq7');
    const keyDialog = await createApiUser(page, username, 'Organization (All Environments)', undefined, 'Nightly sync of the CRM accounts into the warehouse, owned by the data team');
    await keyDialog.getByRole('button', { name: 'I have copied the key' }).click();
    for (const width of [1280, 1320, 1370, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/users/api');
      const table = page.getByRole('table', { name: 'API users' });
      await expect(table).toBeVisible();
      expect(await table.evaluate((el) => el.parentElement!.scrollWidth - el.parentElement!.clientWidth), `${width}: the table fits its frame`).toBeLessThanOrEqual(0);
      // The whole username is there to read, over several lines, not cut off.
      const name = table.getByRole('row').filter({ hasText: username.slice(0, 30) }).getByText(username.slice(0, 30));
      expect(await name.evaluate((el) => el.scrollWidth - el.clientWidth), `${width}: the username is whole`).toBeLessThanOrEqual(0);
      await expect(table.getByRole('button', { name: `Delete ${username}` })).toBeInViewport({ ratio: 1 });
    }
  });

  test('is accessible on a phone, and closed to an Account Manager', async ({ page, login, browser }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await login.signInAs('admin');
    await page.goto('/users/api');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Add API User' }).click();
    await expectAccessible(page);
    await page.keyboard.press('Escape');
    await page.goto('/docs/api');
    await expect(page.getByRole('heading', { name: 'REST API reference' })).toBeVisible();
    await expectAccessible(page);

    const context = await browser.newContext();
    const managerPage = await context.newPage();
    const { LoginPage } = await import('./fixtures');
    await new LoginPage(managerPage).signInAs('manager');
    const response = await managerPage.goto('/users/api');
    expect(response?.status()).toBe(403);
    await context.close();
  });

  test('an API user’s username and key never open a portal session', async ({ page, login }) => {
    await login.signInAs('admin');
    const username = unique('no-portal');
    const keyDialog = await createApiUser(page, username, 'Organization (All Environments)');
    const key = await keyDialog.getByLabel('API key').inputValue();
    await keyDialog.getByRole('button', { name: 'I have copied the key' }).click();

    const fresh = await page.context().browser()!.newContext();
    const visitor = await fresh.newPage();
    await visitor.goto('/login');
    await visitor.getByLabel('Email').fill(username);
    await visitor.getByLabel('Password', { exact: true }).fill(key);
    await visitor.getByRole('button', { name: 'Sign in' }).click();
    await expect(visitor.getByRole('alert')).toBeVisible();
    await expect(visitor).toHaveURL(/\/login/);
    // The key as a bearer on a portal page opens nothing either.
    const portal = await visitor.request.get('/users/api', { headers: { authorization: `Bearer ${key}` }, maxRedirects: 0 });
    expect([302, 303, 307, 308]).toContain(portal.status());
    await fresh.close();
  });
});

test.describe('REST API on the running server', () => {
  let key = '';
  let username = '';

  test.beforeEach(async ({ page, login }) => {
    await login.signInAs('admin');
    username = unique('api-e2e');
    const keyDialog = await createApiUser(page, username, 'Environment');
    key = await keyDialog.getByLabel('API key').inputValue();
  });

  test('malformed and unknown keys, token exchange, a user round trip with ETags, problem bodies', async ({ request }) => {
    const malformed = await request.get('/api/v1/users', { headers: { authorization: 'Bearer not-a-key' } });
    expect(malformed.status()).toBe(401);
    expect(await malformed.json()).toMatchObject({ status: 401, detail: expect.stringContaining('malformed') });
    const unknown = await get(request, '/api/v1/users', `${key.slice(0, 21)}${'Z'.repeat(43)}`);
    expect(((await unknown.json()) as { detail: string }).detail).toBe('The API key is not valid.');

    const exchanged = await request.post('/api/v1/auth/token', { data: { apiUsername: username, key, sessionLengthInMinutes: 5 } });
    expect(exchanged.status()).toBe(201);
    const { token } = (await exchanged.json()) as { token: string };

    const listed = await get(request, `/api/v1/users?q=${encodeURIComponent('sandy')}`, token);
    const sandy = ((await listed.json()) as { users: { id: string; email: string }[] }).users.find((u) => u.email === ACCOUNTS.sandboxOnly.email)!;
    const one = await get(request, `/api/v1/users/${sandy.id}`, token);
    const etag = one.headers()['etag']!;
    expect(etag).toMatch(/^"v\d+"$/);
    // A change to a throwaway field (a tag) and back; If-Match makes the stale second write fail.
    const body = (await one.json()) as { tags: { name: string; value: string }[] };
    const changed = await request.patch(`/api/v1/users/${sandy.id}`, { headers: { authorization: `Bearer ${token}`, 'if-match': etag }, data: { tags: [...body.tags, { name: 'e2e', value: username }] } });
    expect(changed.status()).toBe(200);
    const stale = await request.patch(`/api/v1/users/${sandy.id}`, { headers: { authorization: `Bearer ${token}`, 'if-match': etag }, data: { tags: body.tags } });
    expect(stale.status()).toBe(412);
    const restored = await request.patch(`/api/v1/users/${sandy.id}`, { headers: { authorization: `Bearer ${token}`, 'if-match': changed.headers()['etag']! }, data: { tags: body.tags } });
    expect(restored.status()).toBe(200);

    const invalid = await request.post('/api/v1/users', { headers: { authorization: `Bearer ${key}` }, data: { email: 'nope' } });
    expect(invalid.status()).toBe(400);
    expect(invalid.headers()['content-type']).toBe('application/problem+json');
    expect(Object.keys(((await invalid.json()) as { errors: Record<string, string[]> }).errors)).toEqual(expect.arrayContaining(['email', 'firstName', 'roleId']));

    // A user unknown to this Sandbox key: 404, never a hint.
    expect((await get(request, '/api/v1/users/00000000-0000-4000-8000-000000000000', key)).status()).toBe(404);
    const spec = await request.get('/api/v1/openapi.json');
    expect(((await spec.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });

  test('a concurrent burst gets the budget of 600 through, and past it only what drains meanwhile (a sliding minute): then 429 with Retry-After', async ({ request }) => {
    test.setTimeout(120_000);
    const started = Date.now();
    const burst = async (size: number) => Promise.all(Array.from({ length: size }, () => get(request, '/api/v1/users/00000000-0000-4000-8000-000000000000', key)));
    for (let batch = 0; batch < 12; batch++) expect((await burst(50)).filter((r) => r.status() === 429)).toHaveLength(0);
    // Past the budget, one request a tenth of a second drains back in: far fewer than the 100 of each burst.
    let through = 0;
    let refused: Awaited<ReturnType<typeof burst>> = [];
    for (let batch = 0; batch < 5 && refused.length === 0; batch++) {
      const responses = await burst(100);
      through += responses.filter((r) => r.status() !== 429).length;
      refused = responses.filter((r) => r.status() === 429);
    }
    expect(refused.length).toBeGreaterThan(0);
    expect(through).toBeLessThanOrEqual(Math.ceil(((Date.now() - started) / 1000) * 10) + 1);
    expect(Number(refused[0]!.headers()['retry-after'])).toBeGreaterThan(0);
  });
});
