import { ACCOUNTS, PASSWORD } from './accounts';
import { expect, expectAccessible, signOut, test } from './fixtures';

test.describe('sign-in', () => {
  test('the login page is accessible and signed-out visitors are sent to it', async ({ page }) => {
    await page.goto('/profile');
    await expect(page).toHaveURL(/\/login\?callbackUrl=/);
    await expectAccessible(page);
  });

  test('a wrong password is refused with a message that reveals nothing', async ({ page, login }) => {
    await login.goto();
    await login.signIn(ACCOUNTS.manager.email, 'Not-The-Password-1');
    await expect(page.getByRole('main').getByRole('alert')).toHaveText('The email or password is incorrect.');
    await login.signIn('nobody@acme.test', 'Not-The-Password-1');
    await expect(page.getByRole('main').getByRole('alert')).toHaveText('The email or password is incorrect.');
    await expect(page).toHaveURL(/\/login/);
  });

  test('an Administrator signs in, sees the shell, and signs out', async ({ page, login }) => {
    await login.signInAs('admin');
    await expect(page).toHaveURL(/\/users$/);
    await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('button', { name: /^Environment: Production/ })).toBeVisible();
    await expectAccessible(page);
    await signOut(page);
    await page.goto('/users');
    await expect(page).toHaveURL(/\/login/);
  });

  test('returns to the page that was asked for after signing in', async ({ page, login }) => {
    await page.goto('/profile');
    await login.signIn(ACCOUNTS.admin.email, PASSWORD);
    await expect(page).toHaveURL(/\/profile$/);
  });
});

test.describe('a User-role account', () => {
  test('sees only its profile and is refused the admin areas on the server', async ({ page, login }) => {
    await login.signInAs('member');
    await expect(page).toHaveURL(/\/profile$/);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link')).toHaveText(['My profile']);
    await expectAccessible(page);

    const response = await page.goto('/users');
    expect(response?.status()).toBe(403);
    await expect(page.getByRole('heading', { name: 'You do not have access to this page' })).toBeVisible();
    await expectAccessible(page);
  });
});

test.describe('profile', () => {
  test('changing one\'s own password keeps this session and takes effect at the next sign-in', async ({ page, login }) => {
    await login.signInAs('passwordChanger');
    await expectAccessible(page);
    const newPassword = 'Brand-New-Passphrase-77';

    await page.getByLabel('Current password').fill('Wrong-Current-1');
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Confirm new password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByLabel('Current password')).toHaveAccessibleDescription('The current password is incorrect.');

    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('weak');
    await page.getByLabel('Confirm new password').fill('weak');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByLabel('New password', { exact: true })).toHaveAccessibleDescription(/Use at least 12 characters\./);

    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Confirm new password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByRole('main').getByRole('status')).toHaveText('Your password has been changed.');
    await page.reload();
    await expect(page).toHaveURL(/\/profile$/);

    await signOut(page);
    await login.signIn(ACCOUNTS.passwordChanger.email, PASSWORD);
    await expect(page.getByRole('main').getByRole('alert')).toHaveText('The email or password is incorrect.');
    await login.signIn(ACCOUNTS.passwordChanger.email, newPassword);
    await expect(page).toHaveURL(/\/profile$/);
  });
});
