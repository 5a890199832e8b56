// What an error summary says: each problem once, each field named once.
import { expect, test } from './fixtures';

test('a name already taken is said once in the summary, under a "Check the highlighted fields." title', async ({ page, login }) => {
  await login.signInAs('admin');
  await page.goto('/settings/environments');
  await page.getByLabel('New environment name').fill('Production');
  await page.getByRole('button', { name: 'Add environment' }).click();
  const summary = page.getByRole('main').getByRole('alert');
  await expect(summary).toBeFocused();
  await expect(summary.locator('#error-summary-title')).toHaveText('Check the highlighted fields.');
  await expect(summary.getByRole('link')).toHaveText('New environment name: An environment with this name already exists.');
});

test('a message that names its field is not prefixed with the label again', async ({ page, login }) => {
  await login.signInAs('admin');
  await page.goto('/settings/security');
  await page.getByLabel('Minimum password length').fill('200');
  await page.getByRole('button', { name: 'Save settings' }).click();
  const summary = page.getByRole('main').getByRole('alert');
  await expect(summary).toBeFocused();
  await expect(summary.getByRole('link')).toHaveText('Minimum password length must be at most 72.');
});

test('a wrong current password is said once, not after its own label', async ({ page, login }) => {
  await login.signInAs('member');
  await page.goto('/profile');
  await page.getByLabel('Current password').fill('Not-The-Password-1');
  await page.getByLabel('New password', { exact: true }).fill('Uma-Changes-Garden-77');
  await page.getByLabel('Confirm new password').fill('Uma-Changes-Garden-77');
  await page.getByRole('button', { name: 'Change password' }).click();
  const summary = page.getByRole('main').getByRole('alert');
  await expect(summary).toBeFocused();
  await expect(summary.getByRole('link')).toHaveText('The current password is incorrect.');
});

test('Forgot password with no email: the summary that takes focus names the field and leads to it', async ({ page }) => {
  await page.goto('/forgot-password');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  const summary = page.getByRole('main').getByRole('alert');
  await expect(summary).toBeFocused();
  await expect(summary.getByRole('link')).toHaveText('Email: Enter an email address.');
  await summary.getByRole('link').press('Enter');
  await expect(page.getByLabel('Email')).toBeFocused();
});

test('a bad audit retention: the summary that takes focus names the field and leads to it', async ({ page, login }) => {
  await login.signInAs('admin');
  await page.goto('/audit');
  const days = page.getByLabel('Keep events for (days)');
  await days.fill('-5');
  await page.getByRole('button', { name: 'Save retention' }).click();
  const summary = page.getByRole('region', { name: 'Retention' }).getByRole('alert');
  await expect(summary).toBeFocused();
  await expect(summary.getByRole('link')).toHaveText('Keep events for (days): Enter 0 (keep forever) or more days.');
  await summary.getByRole('link').press('Enter');
  await expect(days).toBeFocused();
});
