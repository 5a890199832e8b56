import type { Page } from '@playwright/test';
import { expect, expectAccessible, test } from './fixtures';

/** The environments the switcher offers (a menu: opened, read, closed again). */
async function switcherOffers(page: Page): Promise<string[]> {
  await page.getByRole('button', { name: /^Environment: / }).click();
  const items = await page.getByRole('menuitemradio').allTextContents();
  await page.keyboard.press('Escape');
  return items.map((t) => t.trim());
}

async function accessibleAtBothWidths(page: Page) {
  for (const size of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
    await page.setViewportSize(size);
    await expectAccessible(page);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

test('add, rename, copy the identifier of, and archive an environment: it leaves the switcher', async ({ page, login, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const name = `Env ${Date.now()}`;
  await login.signInAs('admin');
  await page.getByRole('link', { name: 'Environments' }).click();
  await expect(page).toHaveURL(/\/settings\/environments$/);
  await accessibleAtBothWidths(page);

  // An empty name: an error summary takes focus, as on Add user.
  await page.getByRole('button', { name: 'Add environment' }).click();
  await expect(page.getByRole('main').getByRole('alert')).toBeFocused();
  await expect(page.getByLabel('New environment name')).toHaveAttribute('aria-invalid', 'true');
  // The button stays level with the input while the error shows under it.
  const inputTop = (await page.getByLabel('New environment name').boundingBox())!.y;
  const buttonTop = (await page.getByRole('button', { name: 'Add environment' }).boundingBox())!.y;
  expect(Math.abs(buttonTop - inputTop)).toBeLessThanOrEqual(2);
  await page.getByLabel('New environment name').fill(name);
  await page.getByRole('button', { name: 'Add environment' }).click();
  await expect(page.getByRole('main').getByText(`${name} was added.`)).toBeVisible();
  // The field is ready for the next one, not holding a name that is now taken.
  await expect(page.getByLabel('New environment name')).toHaveValue('');
  await expect.poll(() => switcherOffers(page)).toContain(name);

  await page.getByRole('button', { name: `Rename ${name}` }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill(`${name} renamed`);
  // Enter in the field renames, as in any form.
  await dialog.getByLabel('Name').press('Enter');
  await expect(dialog).toBeHidden();
  const row = page.getByRole('row').filter({ hasText: `${name} renamed` });
  await expect(row).toBeVisible();
  await expect.poll(() => switcherOffers(page)).toContain(`${name} renamed`);

  const identifier = (await row.locator('code').textContent())!.trim();
  expect(identifier).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  await row.getByRole('button', { name: `Copy the context identifier of ${name} renamed` }).click();
  await expect(row.getByRole('button', { name: /Copy the context identifier/ })).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(identifier);

  await row.getByRole('button', { name: `Archive ${name} renamed` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Archive' }).click();
  await expect(row).toContainText('Archived');
  await expect.poll(async () => (await switcherOffers(page)).some((item) => item.includes(name))).toBe(false);
  await page.goto('/users/new');
  await expect(page.getByRole('checkbox', { name: `${name} renamed` })).toHaveCount(0);

  // Restore from the keyboard: focus stays on the button (now Archive), the result is a toast, not text in the row.
  await page.goto('/settings/environments');
  await row.getByRole('button', { name: `Restore ${name} renamed` }).focus();
  await page.keyboard.press('Enter');
  await expect(row).not.toContainText('Archived');
  await expect(row.getByRole('button', { name: `Archive ${name} renamed` })).toBeFocused();
  await expect(page.getByTestId('toast')).toContainText('The environment was restored.');
  await expect(row).not.toContainText('restored');
});

test('an Account Manager cannot open environments', async ({ page, login }) => {
  await login.signInAs('manager');
  const response = await page.goto('/settings/environments');
  expect(response?.status()).toBe(403);
});
