// A bulk action on thousands of users (all matching the filters) runs in the background: its bar above
// the lists, read from the job row (so it survives a reload and shows in another tab), Cancel between
// whole batches, and the outcome said when it ends. The crowd lives in an environment of its own
// (e2e/seed.ts), so no other spec's lists change.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { CROWD, CROWDED_ENVIRONMENT } from './accounts';
import { expect, test } from './fixtures';

const WIDE = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

async function expectNoAxeViolations(page: Page, what: string) {
  await expect(page).toHaveTitle(/\S/);
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  expect(results.violations.map((v) => `${what}: ${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

test('a Ban of all users matching runs in the background: a bar that survives a reload and shows in every tab, then Cancel', async ({ page, login }) => {
  test.setTimeout(180_000);
  await page.setViewportSize(WIDE);
  await login.signInAs('admin');
  await page.getByRole('button', { name: /^Environment:/ }).click();
  await page.getByRole('menuitemradio', { name: CROWDED_ENVIRONMENT }).click();
  await expect(page.getByRole('button', { name: new RegExp(`^Environment: ${CROWDED_ENVIRONMENT}`) })).toBeVisible();

  await page.goto(`/users?q=${CROWD.lastName.toLowerCase()}&status=active`);
  await page.getByRole('checkbox', { name: 'Select every user on this page' }).check();
  await page.getByRole('button', { name: /^Select all .*matching/ }).click();
  await page.getByRole('button', { name: 'Actions', exact: true }).click();
  await page.getByRole('menuitem', { name: 'Ban…' }).click();
  const dialog = page.getByRole('dialog', { name: /^Ban all users matching/ });
  await dialog.getByLabel('Reason').fill('Season ended');
  await dialog.getByRole('button', { name: /^Ban/ }).click();

  // Too many to wait for: the answer says it has started, and the bar takes over.
  await expect(page.getByRole('status').filter({ hasText: /^Banning [\d,]+ users in the background/ })).toBeVisible({ timeout: 15_000 });
  const bar = page.getByRole('group', { name: /^Banning [\d,]+ users/ });
  await expect(bar.getByRole('progressbar')).toBeVisible();
  await expect(bar).toContainText(/of [\d,]+ users/);
  // The job row, not the page, holds it: a reload and another tab (Locked Users) show the same bar.
  await page.reload();
  await expect(bar).toBeVisible();
  const other = await page.context().newPage();
  await other.goto('/users/locked');
  await expect(other.getByRole('group', { name: /^Banning [\d,]+ users/ })).toBeVisible();
  await other.close();
  await expectNoAxeViolations(page, 'all users with a bulk action running');
  await page.setViewportSize(PHONE);
  await expectNoAxeViolations(page, 'all users with a bulk action running, on a phone');
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  await page.setViewportSize(WIDE);

  // Cancel, by keyboard: the batches under way finish, nothing after them starts.
  await bar.getByRole('button', { name: 'Cancel' }).focus();
  await page.keyboard.press('Enter');
  const outcome = page.getByRole('status').filter({ hasText: /Cancelled: the rest were left as they were\.$/ });
  await expect(outcome).toBeVisible({ timeout: 120_000 });
  await expect(bar).toHaveCount(0);
  const [, banned] = (await outcome.textContent())!.match(/^([\d,]+) users? banned\./) ?? [];
  expect(Number(banned!.replace(/,/g, ''))).toBeGreaterThan(0);
  // Those it did not reach are as they were.
  await page.goto(`/users?q=${CROWD.lastName.toLowerCase()}&status=active`);
  await expect(page.locator('table tbody tr').first()).toContainText('Active');
});
