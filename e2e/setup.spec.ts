import { expect, expectAccessible, signOut, test } from './fixtures';

// Runs against a server with an empty database: the first-run experience.
// A long name, as many a company's legal name is: the top bar must not cut it off on a phone.
const ORGANIZATION = 'Globex Internationale Versicherungsgesellschaft AG';

test('first run: create the organization and its first Administrator, then sign in again', async ({ page, login }) => {
  await page.goto('/users');
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole('heading', { name: 'Set up Userdesk' })).toBeVisible();
  // The browser tab names the product once, not "Set up Userdesk · Userdesk".
  await expect(page).toHaveTitle('Set up Userdesk');
  await expectAccessible(page);

  await page.getByLabel('Organization name').fill(ORGANIZATION);
  await page.getByLabel('First name').fill('Hank');
  await page.getByLabel('Last name').fill('Scorpio');
  await page.getByLabel('Email').fill('hank@globex.test');
  await page.getByLabel('Password', { exact: true }).fill('password');
  await page.getByLabel('Confirm password').fill('password');
  await page.getByRole('button', { name: 'Create organization' }).click();
  // Like Add user: an error summary takes focus and links the field; it is announced once (no alert
  // inside another live region).
  const summary = page.getByRole('main').getByRole('alert');
  await expect(summary).toContainText('Choose a stronger password.');
  await expect(summary).toBeFocused();
  await expect(page.locator('[aria-live] [role="alert"], [role="alert"] [aria-live]')).toHaveCount(0);
  await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Password', { exact: true })).toHaveAccessibleDescription(/Use at least 12 characters\./);
  // Nothing typed is lost on an error.
  await expect(page.getByLabel('Organization name')).toHaveValue(ORGANIZATION);

  // A bad email beside a weak, mistyped password: all three are said in one try, not the email first.
  await page.getByLabel('Email').fill('hank-at-globex');
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Confirm password').fill('shorter');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(summary).toContainText('Email: Enter a valid email address');
  await expect(summary).toContainText('Password: Use at least 12 characters.');
  await expect(summary).toContainText('Confirm password: The passwords do not match.');
  await expect(summary).toBeFocused();
  await page.getByLabel('Email').fill('hank@globex.test');

  // Weak and mistyped at once: both are said in one try.
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Confirm password').fill('shorter');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(summary).toContainText('Confirm password: The passwords do not match.');
  await expect(page.getByLabel('Password', { exact: true })).toHaveAccessibleDescription(/Use at least 12 characters\./);

  // The only account's password is typed twice: a typo would lock everyone out of a new organization.
  await page.getByLabel('Password', { exact: true }).fill('Volcano-Lair-Hammock-9');
  await page.getByLabel('Confirm password').fill('Volcano-Lair-Hammok-9');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(summary).toContainText('Confirm password: The passwords do not match.');
  await expect(summary).toBeFocused();
  await expect(page.getByLabel('Confirm password')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Confirm password')).toHaveAccessibleDescription('The passwords do not match.');
  await expect(page).toHaveURL(/\/setup$/);

  await page.getByLabel('Confirm password').fill('Volcano-Lair-Hammock-9');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByRole('banner')).toContainText(ORGANIZATION);
  // On a phone the name wraps in the top bar instead of ending in "…", and the account menu says it too.
  await page.setViewportSize({ width: 390, height: 844 });
  const organization = page.getByRole('banner').getByText(ORGANIZATION);
  expect(await organization.evaluate((el) => el.scrollWidth <= el.clientWidth && el.scrollHeight <= el.clientHeight)).toBe(true);
  await page.getByRole('button', { name: /Account menu/ }).click();
  await expect(page.getByRole('menu')).toContainText(ORGANIZATION);
  await page.keyboard.press('Escape');
  await page.setViewportSize({ width: 1280, height: 720 });
  await expect(page.getByRole('cell', { name: 'hank@globex.test', exact: true })).toBeVisible();

  // Setup is over: it cannot be run again.
  await page.goto('/setup');
  await expect(page).toHaveURL(/\/(users|login)/);

  await signOut(page);
  await login.signIn('hank@globex.test', 'Volcano-Lair-Hammock-9');
  await expect(page).toHaveURL(/\/users$/);
});
