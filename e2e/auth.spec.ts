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
    // Announced once: no alert inside another live region.
    await expect(page.locator('[aria-live] [role="alert"], [role="alert"] [aria-live]')).toHaveCount(0);
  });

  test('an empty field is named and focused, not answered with "incorrect"', async ({ page, login }) => {
    await login.goto();
    await page.getByRole('button', { name: 'Sign in' }).click();
    const email = page.getByLabel('Email');
    await expect(email).toBeFocused();
    await expect(email).toHaveAttribute('aria-invalid', 'true');
    await expect(email).toHaveAccessibleDescription('Enter your email.');
    await email.fill(ACCOUNTS.manager.email);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const password = page.getByLabel('Password', { exact: true });
    await expect(password).toBeFocused();
    await expect(password).toHaveAccessibleDescription('Enter your password.');
    await expect(email).not.toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByText('The email or password is incorrect.')).toHaveCount(0);
    await password.fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).not.toHaveURL(/\/login/);
  });

  test('the password can be shown to check it before signing in, from the keyboard too', async ({ page, login }) => {
    await login.goto();
    const password = page.getByLabel('Password', { exact: true });
    await password.fill('Typed-On-A-Phone-1');
    await expect(password).toHaveAttribute('type', 'password');
    await page.keyboard.press('Tab');
    const show = page.getByRole('button', { name: 'Show' });
    await expect(show).toBeFocused();
    await expect(show).toHaveAttribute('aria-controls', (await password.getAttribute('id'))!);
    await page.keyboard.press('Enter');
    await expect(password).toHaveAttribute('type', 'text');
    await expect(password).toHaveValue('Typed-On-A-Phone-1');
    await expect(page.getByRole('button', { name: 'Hide' })).toBeFocused();
    await expectAccessible(page);
    await page.keyboard.press('Space');
    await expect(password).toHaveAttribute('type', 'password');
  });

  test('an Administrator signs in, sees the shell, and signs out', async ({ page, login }) => {
    await login.signInAs('admin');
    await expect(page).toHaveURL(/\/users$/);
    await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('button', { name: /^Environment: Production/ })).toBeVisible();
    await expectAccessible(page);
    // A copy of the session cookie, taken before signing out (another tab, or a stolen one).
    const copied = await page.context().cookies();
    await signOut(page);
    await page.goto('/users');
    await expect(page).toHaveURL(/\/login/);
    // Signing out ended the session on the server: the copy signs nobody in.
    const replay = await page.context().browser()!.newContext({ baseURL: new URL(page.url()).origin });
    await replay.addCookies(copied);
    const again = await replay.newPage();
    await again.goto('/users');
    await expect(again).toHaveURL(/\/login/);
    expect(await (await again.request.get('/api/auth/session')).json()).toEqual({});
    await replay.close();
  });

  test('on a phone the main navigation opens from a Menu button, every link in view; Escape or a choice closes it', async ({ page, login }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await login.signInAs('admin');
    const nav = page.getByRole('navigation', { name: 'Main' });
    const menu = nav.getByRole('button', { name: 'Menu' });
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await expect(nav.getByRole('link', { name: 'Audit log' })).toBeHidden();
    await menu.click();
    await expect(menu).toHaveAttribute('aria-expanded', 'true');
    for (const name of ['Users', 'Security settings', 'Roles', 'Environments', 'Audit log', 'Outbox', 'My profile']) {
      const box = await nav.getByRole('link', { name }).boundingBox();
      expect(box!.x, name).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, name).toBeLessThanOrEqual(390);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(page);
    await page.keyboard.press('Escape');
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await expect(menu).toBeFocused();
    // Focus or a tap going elsewhere closes it: the panel lies over the page.
    await menu.click();
    await nav.getByRole('link', { name: 'My profile' }).focus();
    await page.keyboard.press('Tab');
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await menu.click();
    await page.mouse.click(200, 800);
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await menu.press('Enter');
    await nav.getByRole('link', { name: 'Audit log' }).click();
    await expect(page).toHaveURL(/\/audit$/);
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await expect(nav.getByRole('link', { name: 'Audit log' })).toBeHidden();
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

    await page.getByRole('textbox', { name: 'Current password' }).fill('Wrong-Current-1');
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Confirm new password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByRole('textbox', { name: 'Current password' })).toHaveAccessibleDescription('The current password is incorrect.');

    await page.getByRole('textbox', { name: 'Current password' }).fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('weak');
    await page.getByLabel('Confirm new password').fill('weak');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByLabel('New password', { exact: true })).toHaveAccessibleDescription(/Use at least 12 characters\./);

    await page.getByRole('textbox', { name: 'Current password' }).fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Confirm new password').fill(newPassword);
    await page.getByRole('button', { name: 'Change password' }).click();
    // Announced once, by the form's live region (no role of its own inside it).
    await expect(page.getByRole('main').getByText('Your password has been changed.', { exact: true })).toBeVisible();
    await expect(page.getByRole('main').getByRole('status')).toHaveCount(0);
    await page.reload();
    await expect(page).toHaveURL(/\/profile$/);

    await signOut(page);
    await login.signIn(ACCOUNTS.passwordChanger.email, PASSWORD);
    await expect(page.getByRole('main').getByRole('alert')).toHaveText('The email or password is incorrect.');
    await login.signIn(ACCOUNTS.passwordChanger.email, newPassword);
    await expect(page).toHaveURL(/\/profile$/);
  });
});
