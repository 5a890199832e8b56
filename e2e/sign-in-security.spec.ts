import type { Browser, Page } from '@playwright/test';
import { ACCOUNTS, PASSWORD } from './accounts';
import { expect, expectAccessible, LoginPage, signOut, test } from './fixtures';

const LOCKED_MESSAGE = 'Your account is locked. Contact your account manager to unlock it.';

/** The link in the newest outbox message to `email`, as the recipient would find it. */
async function linkFromOutbox(page: Page, email: string, subject: RegExp): Promise<string> {
  await page.goto('/outbox');
  const message = page.getByRole('article', { name: new RegExp(`${subject.source}.* to ${email}`) }).first();
  await message.getByText('Show message').click();
  return (await message.getByRole('link', { name: /set-password\?token=/ }).getAttribute('href'))!;
}

/** A separate browser session: the email's recipient, not the admin who sent it. */
async function asRecipient(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  return { page, login: new LoginPage(page), close: () => context.close() };
}

test.describe('lockout and unlock', () => {
  test('a user locked by wrong passwords is unlocked and signs in with the old password', async ({ page, login, browser }) => {
    const lars = await asRecipient(browser);
    await lars.login.goto();
    for (let i = 0; i < 10; i++) {
      await lars.login.signIn(ACCOUNTS.lockable.email, `Wrong-Guess-${i}-Xyz`);
      await expect(lars.page.getByRole('main').getByRole('alert')).toHaveText('The email or password is incorrect.');
    }
    await lars.login.signIn(ACCOUNTS.lockable.email, PASSWORD);
    await expect(lars.page.getByRole('main').getByRole('alert')).toHaveText(LOCKED_MESSAGE);

    await login.signInAs('admin');
    // A wide screen, where the list shows every column (the Reason too).
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto('/users/locked');
    await expect(page.getByRole('link', { name: 'Locked Users' })).toHaveAttribute('aria-current', 'page');
    await expectAccessible(page);
    const row = page.getByRole('row', { name: /Lars Lockable/ });
    await expect(row).toContainText('Too many failed attempts');
    await expect(row.getByRole('cell', { name: '10', exact: true })).toBeVisible();
    // The profile says why, counting the attempts once.
    await row.getByRole('link', { name: /Lars/ }).click();
    await expect(page.getByRole('main')).toContainText(/Locked after 10 failed sign-in attempts, since /);
    await page.goBack();
    await row.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('dialog', { name: `Unlock ${ACCOUNTS.lockable.email}?` }).getByRole('button', { name: 'Unlock' }).click();
    await expect(page.getByRole('main').getByRole('status')).toHaveText('1 user unlocked.');
    await expect(row).toHaveCount(0);

    await lars.login.signIn(ACCOUNTS.lockable.email, PASSWORD);
    await expect(lars.page).toHaveURL(/\/profile$/);
    await lars.close();
  });

  test('several locked users are unlocked at once', async ({ page, login }) => {
    await login.signInAs('admin');
    await page.goto('/users/locked');
    await page.getByRole('checkbox', { name: 'Select Bea Bulk' }).check();
    await page.getByRole('checkbox', { name: 'Select Bo Bulk' }).check();
    await page.getByRole('button', { name: 'Unlock selected' }).click();
    await page.getByRole('dialog', { name: 'Unlock 2 users?' }).getByRole('button', { name: 'Unlock 2 users' }).click();
    await expect(page.getByRole('main').getByRole('status')).toHaveText('2 users unlocked.');
    await expect(page.getByRole('row', { name: /Bulk/ })).toHaveCount(0);
  });

  test('several locked users are reset at once, after confirming', async ({ page, login }) => {
    await login.signInAs('admin');
    await page.goto('/users/locked');
    await page.getByRole('checkbox', { name: 'Select Rex Resetmany' }).check();
    await page.getByRole('checkbox', { name: 'Select Ria Resetmany' }).check();
    await page.getByRole('button', { name: 'Reset selected' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reset 2 users?' });
    await dialog.getByRole('button', { name: 'Reset' }).click();
    await expect(page.getByRole('main').getByRole('status')).toHaveText('2 users reset and emailed a link.');
    await expect(page.getByRole('row', { name: /Resetmany/ })).toHaveCount(0);
    await page.goto('/outbox');
    for (const email of [ACCOUNTS.bulkResetOne.email, ACCOUNTS.bulkResetTwo.email])
      await expect(page.getByRole('article', { name: new RegExp(`Reset your password.* to ${email}`) })).toHaveCount(1);
  });
});

test.describe('reset and emailed links', () => {
  test('a reset user follows the emailed link, sets a new password and signs in with it', async ({ page, login, browser }) => {
    await login.signInAs('admin');
    await page.goto('/users/locked');
    await page.getByRole('row', { name: /Rita Reset/ }).getByRole('button', { name: /^Reset/ }).click();
    const dialog = page.getByRole('dialog', { name: /Reset rita.reset@acme.test/ });
    await expect(dialog).toContainText('current password stops working');
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Reset' }).click();
    await expect(page.getByRole('main').getByRole('status')).toContainText('1 user reset and emailed a link');

    const link = await linkFromOutbox(page, ACCOUNTS.resettable.email, /Reset your password/);
    await expectAccessible(page);
    // Opened where someone else is signed in, the page says that their session gives way to Rita's.
    await page.goto(link);
    await expect(page.getByRole('main').getByRole('status').filter({ hasText: 'You are signed in as' })).toHaveText(
      `You are signed in as ${ACCOUNTS.admin.email}. Setting this password signs you out and signs you in as ${ACCOUNTS.resettable.email}.`,
    );
    await expectAccessible(page);

    const rita = await asRecipient(browser);
    // The old password no longer works.
    await rita.login.goto();
    await rita.login.signIn(ACCOUNTS.resettable.email, PASSWORD);
    await expect(rita.page.getByRole('main').getByRole('alert')).toHaveText('The email or password is incorrect.');

    await rita.page.goto(link);
    await expect(rita.page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
    await expect(rita.page).toHaveTitle('Choose a new password · Userdesk');
    await expect(rita.page.getByText('You are signed in as')).toHaveCount(0);
    await expectAccessible(rita.page);
    await rita.page.getByLabel('New password', { exact: true }).fill('Fresh-Start-Worked-2026');
    await rita.page.getByLabel('Confirm new password').fill('Fresh-Start-Worked-2026');
    await rita.page.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect(rita.page).toHaveURL(/\/profile$/);

    // The link works once.
    await rita.page.goto(link);
    await expect(rita.page.getByRole('heading', { name: 'Link not valid' })).toBeVisible();
    // The browser tab says so too, not "Choose your password".
    await expect(rita.page).toHaveTitle('Link not valid · Userdesk');

    await rita.page.goto('/profile');
    await signOut(rita.page);
    await rita.login.signIn(ACCOUNTS.resettable.email, 'Fresh-Start-Worked-2026');
    await expect(rita.page).toHaveURL(/\/profile$/);
    await rita.close();
  });

  test('an invited user sets a password from the invitation and is signed in', async ({ page, login, browser }) => {
    await login.signInAs('admin');
    const link = await linkFromOutbox(page, ACCOUNTS.invited.email, /You are invited/);
    const ivy = await asRecipient(browser);
    await ivy.page.goto(link);
    await expect(ivy.page.getByRole('heading', { name: 'Welcome! Choose your password' })).toBeVisible();
    await expect(ivy.page).toHaveTitle('Choose your password · Userdesk');
    await ivy.page.getByLabel('New password', { exact: true }).fill('short');
    await ivy.page.getByLabel('Confirm new password').fill('short');
    await ivy.page.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect(ivy.page.getByLabel('New password', { exact: true })).toHaveAccessibleDescription(/Use at least 12 characters\./);
    await ivy.page.getByLabel('New password', { exact: true }).fill('Ivy-Climbs-The-Wall-7');
    await ivy.page.getByLabel('Confirm new password').fill('Ivy-Climbs-The-Wall-7');
    await ivy.page.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect(ivy.page).toHaveURL(/\/profile$/);
    await expect(ivy.page.getByText(ACCOUNTS.invited.email)).toBeVisible();
    await ivy.close();
  });

  test('forgot password says the same thing whether or not the account exists', async ({ page }) => {
    await page.goto('/login');
    await page.getByRole('link', { name: 'Forgot password?' }).click();
    await expectAccessible(page);
    for (const email of [ACCOUNTS.member.email, 'nobody@acme.test']) {
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await expect(page.getByRole('main').getByText(/If an account uses this address/)).toBeVisible();
    }
  });
});

test.describe('forced password change', () => {
  test('a user who must change their password is held at /change-password until they do', async ({ page, login }) => {
    await login.goto();
    await login.signIn(ACCOUNTS.forced.email, PASSWORD);
    await expect(page).toHaveURL(/\/change-password/);
    await expect(page.getByText('You must choose a new password before you continue.')).toBeVisible();
    await expect(page.getByRole('link', { name: 'Skip for now' })).toHaveCount(0);
    // Ways out: a reset link for a forgotten current password, and signing out.
    await expect(page.getByRole('link', { name: 'Forgot your current password?' })).toHaveAttribute('href', '/forgot-password');
    await expectAccessible(page);
    await page.goto('/profile');
    await expect(page).toHaveURL(/\/change-password/);

    // No current password: an error summary takes focus, like Add user's.
    await page.getByLabel('New password', { exact: true }).fill('Happy-After-All-2026');
    await page.getByLabel('Confirm new password').fill('Happy-After-All-2026');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page.getByRole('main').getByRole('alert')).toBeFocused();
    await expect(page.getByLabel('Current password')).toHaveAttribute('aria-invalid', 'true');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login/);
    await login.signIn(ACCOUNTS.forced.email, PASSWORD);
    await expect(page).toHaveURL(/\/change-password/);

    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('Happy-After-All-2026');
    await page.getByLabel('Confirm new password').fill('Happy-After-All-2026');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page).toHaveURL(/\/profile$/);
  });
});

test.describe('forced password change, on the way somewhere', () => {
  test('a user held at /change-password on opening a page gets to that page once the password is changed, and never off the site', async ({ page, login }) => {
    await login.signInAs('forcedManager');
    await expect(page).toHaveURL(/\/change-password/);
    // A header of the client's own naming the way back is replaced by the page actually asked for.
    await page.setExtraHTTPHeaders({ 'x-userdesk-return-path': '/.//evil.example/phish' });
    await page.goto('/users?status=locked');
    await expect(page).toHaveURL(/\/change-password\?next=%2Fusers%3Fstatus%3Dlocked$/);
    await page.goto('/profile');
    await expect(page).toHaveURL(/\/change-password\?next=%2Fprofile$/);
    await page.setExtraHTTPHeaders({});

    await page.goto('/users?status=locked');
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('Lantern-Returns-Home-2026');
    await page.getByLabel('Confirm new password').fill('Lantern-Returns-Home-2026');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page).toHaveURL(/\/users\?status=locked$/);
    await expect(page.getByText('Status: Locked')).toBeVisible();
  });
});

test.describe('security settings', () => {
  test('a lower lockout threshold takes effect at once; bad values are refused by name', async ({ page, login, browser }) => {
    await login.signInAs('admin');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security settings' }).click();
    await expect(page.getByRole('heading', { name: 'Security settings' })).toBeVisible();
    await expectAccessible(page);
    const threshold = page.getByLabel('Failed attempts before lock');
    await expect(threshold).toHaveValue('10');

    await threshold.fill('2');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(threshold).toHaveAccessibleDescription(/Failed attempts before lock must be at least 3\./);
    // The answer comes where focus is, not at the top of a long form: a summary linking to the field.
    const summary = page.getByRole('alert').filter({ hasText: 'Failed attempts before lock' });
    await expect(summary).toBeFocused();
    await summary.getByRole('link', { name: /Failed attempts before lock/ }).click();
    await expect(threshold).toBeFocused();

    await threshold.fill('3');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByRole('main').getByRole('status')).toHaveText('Security settings saved (1 change).');
    // The toast is announced and never takes focus: it stays on Save.
    await expect(page.getByRole('button', { name: 'Save settings' })).toBeFocused();

    const theo = await asRecipient(browser);
    await theo.login.goto();
    for (let i = 0; i < 3; i++) {
      await theo.login.signIn(ACCOUNTS.thresholdTest.email, `Wrong-Guess-${i}-Xyz`);
      await expect(theo.page.getByRole('main').getByRole('alert')).toHaveText('The email or password is incorrect.');
    }
    await theo.login.signIn(ACCOUNTS.thresholdTest.email, PASSWORD);
    await expect(theo.page.getByRole('main').getByRole('alert')).toHaveText(LOCKED_MESSAGE);
    await theo.close();

    await page.reload();
    await threshold.fill('10');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByRole('main').getByRole('status')).toHaveText('Security settings saved (1 change).');
  });

  test('two Administrators saving at once: the other\'s change is kept, the same field is refused by name with what was typed kept', async ({ page, login, browser }) => {
    await login.signInAs('admin');
    await page.goto('/settings/security');
    const save = (on: Page) => on.getByRole('button', { name: 'Save settings' }).click();

    const other = await asRecipient(browser);
    await other.login.signInAs('admin');
    await other.page.goto('/settings/security');
    await other.page.getByLabel('Minimum password length').fill('14');
    await other.page.getByLabel('Failed attempts before lock').fill('8');
    await save(other.page);
    await expect(other.page.getByRole('main').getByRole('status')).toHaveText('Security settings saved (2 changes).');
    await other.close();

    // Opened before their save: ours changes the threshold too, and only it.
    const threshold = page.getByLabel('Failed attempts before lock');
    await threshold.fill('9');
    await save(page);
    const summary = page.getByRole('main').getByRole('alert');
    await expect(summary).toBeFocused();
    await expect(summary.getByRole('link')).toHaveText('Failed attempts before lock was changed to 8 by someone else after you opened this page. Save again to use 9.');
    await expect(page.getByLabel('Minimum password length')).toHaveValue('14');
    await expect(threshold).toHaveValue('9');

    await save(page);
    await expect(page.getByRole('main').getByRole('status')).toHaveText('Security settings saved (1 change).');
    await page.reload();
    await expect(threshold).toHaveValue('9');
    await expect(page.getByLabel('Minimum password length')).toHaveValue('14');

    await threshold.fill('10');
    await page.getByLabel('Minimum password length').fill('12');
    await save(page);
    await expect(page.getByRole('main').getByRole('status')).toHaveText('Security settings saved (2 changes).');
  });

  test('only Administrators reach the settings and the outbox', async ({ page, login }) => {
    await login.signInAs('manager');
    for (const path of ['/settings/security', '/outbox']) {
      const response = await page.goto(path);
      expect(response?.status()).toBe(403);
    }
  });
});
