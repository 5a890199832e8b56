// On a phone (390 px) nothing a manager needs is cut off where no tooltip can show it.
import { writeFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, type LoginPage, test } from './fixtures';

test('audit log on a phone: changed values (a new user\'s email) wrap instead of being cut off', async ({ page, login }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await login.signInAs('admin');
  const email = `a.rather.long.address.${Date.now().toString(36)}@acme.test`;
  await page.goto('/users/new');
  await page.getByLabel('First name').fill('Wren');
  await page.getByLabel('Last name').fill('Wrap');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Add user and send invitation' }).click();
  await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}/);
  await page.goto('/audit');
  const cell = page.getByRole('cell', { name: email }).first();
  await expect(cell).toBeVisible();
  // Every character is shown: the cell's content is not wider than the cell.
  expect(await cell.evaluate((td) => td.scrollWidth <= td.clientWidth)).toBe(true);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

test('phone cards show a long email and a long API username in full', async ({ page, login }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await login.signInAs('admin');
  const stamp = Date.now().toString(36);
  const email = `a.very.long.mailbox.name.for.phone.cards.${stamp}@subsidiary.acme.test`;
  await page.goto('/users/new');
  await page.getByLabel('First name').fill('Cora');
  await page.getByLabel('Last name').fill('Card');
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Add user and send invitation' }).click();
  await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}/);
  await page.goto(`/users?q=${stamp}`);
  const card = page.getByRole('list', { name: 'Users' }).getByText(email, { exact: true });
  await expect(card).toBeVisible();
  expect(await card.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);

  const username = `nightly-invoice-sync-for-the-billing-department-${stamp}`;
  await page.goto('/users/api');
  await page.getByRole('button', { name: 'Add API User' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add API User' });
  await dialog.getByLabel('Username').fill(username);
  await dialog.getByRole('button', { name: 'Create API User' }).click();
  await page.getByRole('button', { name: 'I have copied the key' }).click();
  const name = page.getByRole('list', { name: 'API users' }).getByText(username, { exact: true });
  await expect(name).toBeVisible();
  expect(await name.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

/** Signed in as the admin on a phone, with a new role whose name is long (its name). */
async function longRoleOnAPhone(page: Page, login: LoginPage) {
  await page.setViewportSize({ width: 390, height: 844 });
  await login.signInAs('admin');
  const name = `Regional Customer Success Account Coordinator ${Date.now().toString(36)}`;
  await page.goto('/settings/roles/new');
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create role' }).click();
  await expect(page).toHaveURL(/\/settings\/roles(\?|$)/);
  return name;
}

test('Roles on a phone: a long role name wraps inside its card instead of running off the screen', async ({ page, login }) => {
  const name = await longRoleOnAPhone(page, login);
  const link = page.getByRole('link', { name, exact: true });
  await expect(link).toBeVisible();
  const card = page.getByRole('row').filter({ has: link });
  expect(await link.evaluate((a) => a.getBoundingClientRect().right)).toBeLessThanOrEqual(await card.evaluate((tr) => tr.getBoundingClientRect().right));
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  // Leave no long name behind for the other tests.
  await page.getByRole('button', { name: `Delete ${name}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete role' }).click();
  await expect(link).toHaveCount(0);
});

test('a long role name in a role picker (bulk Change role) is shown in full inside the screen on a phone', async ({ page, login }) => {
  const name = await longRoleOnAPhone(page, login);

  await page.goto('/users?q=pagefill');
  await page.getByRole('list', { name: 'Users' }).getByRole('checkbox').first().check();
  await page.getByRole('button', { name: 'Actions', exact: true }).click();
  await page.getByRole('menuitem', { name: 'Change role…' }).click();
  await page.getByRole('dialog').getByRole('combobox', { name: 'New role' }).click();
  const option = page.getByRole('option', { name, exact: true });
  await expect(option).toBeVisible();
  const box = (await page.getByRole('listbox').boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  expect(await option.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');

  await page.goto('/settings/roles');
  await page.getByRole('button', { name: `Delete ${name}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete role' }).click();
  await expect(page.getByRole('link', { name, exact: true })).toHaveCount(0);
});

test('an upload with a long file name: its check page and its Past imports card show the name in full on a phone', async ({ page, login }, testInfo) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await login.signInAs('admin');
  const stamp = Date.now().toString(36);
  const fileName = `Q3_onboarding_EMEA_subsidiaries_final_version_7_reviewed_${stamp}.csv`;
  const file = testInfo.outputPath(fileName);
  writeFileSync(file, `First name,Last name,Email,Role\nLong,Filename,long.filename.${stamp}@acme.test,User\n`);
  await page.goto('/users/import');
  await page.getByLabel('Choose a file').setInputFiles(file);
  await expect(page).toHaveURL(/\/users\/import\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  const description = page.getByRole('main').getByText(fileName);
  await expect(description).toBeVisible();
  expect(await description.evaluate((el) => el.getBoundingClientRect().right)).toBeLessThanOrEqual(390);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  await page.goto('/users/import');
  const card = page.getByRole('list', { name: 'Past imports' }).getByRole('link', { name: new RegExp(`^${fileName.replace(/\./g, '\\.')}`) });
  await expect(card).toHaveText(fileName);
  expect(await card.evaluate((el) => el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().right <= 390)).toBe(true);
});

test('audit log on a phone: an event\'s sentence naming a long one-word role wraps inside its card', async ({ page, login }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await login.signInAs('admin');
  const name = `CustomerSuccessAccountCoordinatorEMEA${Date.now().toString(36)}`;
  await page.goto('/settings/roles/new');
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create role' }).click();
  await expect(page).toHaveURL(/\/settings\/roles(\?|$)/);
  await page.goto('/audit');
  const sentence = page.getByRole('main').locator('li p').filter({ hasText: name }).first();
  await expect(sentence).toBeVisible();
  expect(await sentence.evaluate((p) => p.scrollWidth <= p.clientWidth)).toBe(true);

  await page.goto('/settings/roles');
  await page.getByRole('button', { name: `Delete ${name}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete role' }).click();
  await expect(page.getByRole('link', { name, exact: true })).toHaveCount(0);
});

test('Environments on a phone: a long one-word environment name wraps in its card and in the message that it was added', async ({ page, login }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await login.signInAs('admin');
  const name = `NortheasternRegionalPartnerIntegration${Date.now().toString(36)}`;
  await page.goto('/settings/environments');
  await page.getByLabel('New environment name').fill(name);
  await page.getByRole('button', { name: 'Add environment' }).click();
  const added = page.getByRole('main').getByText(`${name} was added.`);
  await expect(added).toBeVisible();
  expect(await added.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  const card = page.getByRole('row').filter({ has: page.getByRole('button', { name: `Rename ${name}` }) });
  const cell = card.getByRole('cell').first();
  await expect(cell).toHaveText(name);
  expect(await cell.evaluate((td) => td.scrollWidth <= td.clientWidth)).toBe(true);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  // Leave no extra environment behind for the other tests.
  await page.getByRole('button', { name: `Delete ${name}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(card).toHaveCount(0);
});
