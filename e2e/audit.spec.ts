import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { ACCOUNTS } from './accounts';
import { expect, expectAccessible, test } from './fixtures';

async function accessibleAtBothWidths(page: Page) {
  for (const size of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
    await page.setViewportSize(size);
    await expectAccessible(page);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

test('filter the audit log by actor and date, then export the filtered view as CSV', async ({ page, login }) => {
  const name = `Audited ${Date.now()}`;
  await login.signInAs('admin');
  // Something to find: an environment added now by the admin.
  await page.goto('/settings/environments');
  await page.getByLabel('New environment name').fill(name);
  await page.getByRole('button', { name: 'Add environment' }).click();
  await expect(page.getByRole('main').getByText(`${name} was added.`)).toBeVisible();

  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await accessibleAtBothWidths(page);

  const today = new Date().toISOString().slice(0, 10);
  await page.getByLabel('Actor').fill(ACCOUNTS.admin.email);
  await page.getByLabel('From (UTC date)').fill(today);
  await page.getByLabel('To (UTC date)').fill(today);
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(new RegExp(`actor=${encodeURIComponent(ACCOUNTS.admin.email)}.*from=${today}.*to=${today}`));
  await expect(page.getByText(`Ada Admin added the environment ${name}`)).toBeVisible();
  await expect(page.getByRole('list', { name: 'Active filters' }).getByRole('link')).toHaveCount(3);
  await accessibleAtBothWidths(page);

  // A date range with nothing in it.
  await page.goto(`/audit?actor=${encodeURIComponent(ACCOUNTS.admin.email)}&to=2000-01-01`);
  await expect(page.getByText('No events match these filters.')).toBeVisible();

  // From after To: said plainly, inside the page, with the From field marked.
  const backwards = await page.goto('/audit?from=2025-03-10&to=2025-03-01');
  expect(backwards?.status()).toBe(200);
  await expect(page.getByText('From (2025-03-10) is after To (2025-03-01)')).toBeVisible();
  await expect(page.getByText('No events match these filters.')).toHaveCount(0);
  await expect(page.getByLabel('From (UTC date)')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('From (UTC date)')).toHaveAccessibleDescription(/is after To/);

  await page.goto(`/audit?actor=${encodeURIComponent(ACCOUNTS.admin.email)}&from=${today}&to=${today}&action=environment.created`);
  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/^audit-log-.*\.csv$/);
  const csv = (await readFile((await download.path())!, 'utf8')).replace(/^\uFEFF/, '');
  const lines = csv.trim().split('\r\n');
  // Every cell quoted (lib/spreadsheet-safety.ts), as in the users export.
  expect(lines[0]).toBe(
    ['Event', 'Time (UTC)', 'Actor type', 'Actor', 'Actor id', 'Action', 'Sentence', 'Target', 'Target id', 'Environment id', 'Changes', 'Detail', 'IP', 'User agent'].map((h) => `"${h}"`).join(','),
  );
  const mine = lines.filter((l) => l.includes(name));
  expect(mine).toHaveLength(1);
  expect(mine[0]).toContain('environment.created');
  expect(mine[0]).toContain('Ada Admin');
  expect(lines.slice(1).every((l) => l.includes('environment.created'))).toBe(true);
});

test('the audit log and its export are closed to those without audit.read', async ({ page, login }) => {
  await login.signInAs('manager');
  expect((await page.goto('/audit'))?.status()).toBe(403);
  const response = await page.request.get('/audit/export');
  expect(response.status()).toBe(403);
});

test('keyboard: removing a filter chip, Events by someone and the page links put focus on the line that says what the list now shows', async ({ page, login }) => {
  await login.signInAs('admin');
  const results = page.locator('#audit-results');

  // A chip goes away with its filter: focus must not fall to the page body.
  await page.goto('/audit?action=auth.sign_in&from=2000-01-01');
  await page.getByRole('link', { name: /From 2000-01-01/ }).press('Enter');
  await expect(page).not.toHaveURL(/from=/);
  await expect(results).toBeFocused();
  await expect(results).toContainText(/events? match the filters/);

  await page.getByRole('link', { name: /^Events by Ada Admin/ }).first().press('Enter');
  await expect(page).toHaveURL(/actor=/);
  await expect(results).toBeFocused();

  // A page far back in time (a cursor in the future shows every event): Newest events goes away on the first page.
  await page.goto('/audit?after=2100-01-01T00:00:00.000000Z_999999999');
  await page.getByRole('link', { name: 'Newest events' }).press('Enter');
  await expect(page).not.toHaveURL(/after=/);
  await expect(results).toBeFocused();
  await expect(page.locator(':focus-visible')).toHaveCount(1);
  await expectAccessible(page);
});
