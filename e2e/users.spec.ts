import { ACCOUNTS, PASSWORD } from './accounts';
import { expect, expectAccessible, LoginPage, test } from './fixtures';

const main = (page: import('@playwright/test').Page) => page.getByRole('main');

test.describe('All Users', () => {
  test('search, filter and sort are in the URL and find the right people', async ({ page, login }) => {
    await login.signInAs('admin');
    await expect(page).toHaveURL(/\/users$/);
    await expectAccessible(page);
    await expect(page.getByRole('link', { name: 'All Users' })).toHaveAttribute('aria-current', 'page');

    await page.getByRole('searchbox', { name: 'Search' }).fill('BULK');
    await page.getByRole('searchbox', { name: 'Search' }).press('Enter');
    await expect(page).toHaveURL(/q=BULK/);
    const rows = page.getByRole('row');
    await expect(rows.filter({ hasText: 'acme.test' })).toHaveCount(2);
    await expect(page.locator('[data-focus-fallback]')).toContainText('2 users match the filters');

    // Accents are ignored: "Invitee" style searches find accented names and the other way round.
    await page.goto('/users?q=admin');
    await expect(page.getByRole('link', { name: 'Admin, Ada' })).toBeVisible();

    await page.goto('/users');
    await page.getByLabel('Role').selectOption({ label: 'Account Manager' });
    await expect(page).toHaveURL(/role=/);
    await expect(page.getByRole('link', { name: 'Manager, Mario' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Admin, Ada' })).toHaveCount(0);

    await page.goto('/users');
    await page.getByRole('link', { name: /^Email/ }).click();
    await expect(page).toHaveURL(/sort=email/);
    await expect(page.getByRole('columnheader', { name: /Email/ })).toHaveAttribute('aria-sort', 'ascending');
    const emails = await page.getByRole('row').locator('td:nth-child(3)').allTextContents();
    expect(emails).toEqual([...emails].sort((a, b) => a.localeCompare(b)));
  });

  test('an Account Manager does not see another environment\'s users, even by URL', async ({ page, login, browser }) => {
    await login.signInAs('admin');
    await page.goto(`/users?q=sandy`);
    await expect(page.getByText('No users match')).toBeVisible(); // Production is the current environment
    await page.getByRole('button', { name: /^Environment: / }).click();
    await page.getByRole('menuitemradio', { name: 'Sandbox' }).click();
    await expect(page.getByRole('link', { name: 'Sandbox, Sandy' })).toBeVisible();
    const sandyUrl = await page.getByRole('link', { name: 'Sandbox, Sandy' }).getAttribute('href');
    await page.getByRole('button', { name: /^Environment: / }).click();
    await page.getByRole('menuitemradio', { name: 'Production' }).click();
    await expect(page.getByRole('button', { name: 'Environment: Production. Change environment' })).toBeVisible();

    const context = await browser.newContext();
    const managerPage = await context.newPage();
    await new LoginPage(managerPage).signInAs('manager');
    const response = await managerPage.goto(sandyUrl!);
    expect(response?.status()).toBe(404);
    await context.close();
  });
});

test.describe('Add user', () => {
  test('adds an invited user, and refuses an email already in use on the Email field', async ({ page, login }) => {
    await login.signInAs('manager');
    await page.goto('/users');
    await page.getByRole('link', { name: 'Add' }).click();
    await expect(page).toHaveURL(/\/users\/new$/);
    await expectAccessible(page);
    await expect(page.getByLabel('Role').locator('option')).not.toContainText(['Administrator']);

    await page.getByLabel('First name').fill('Zoë');
    await page.getByLabel('Last name').fill('Ångström');
    await page.getByLabel('Email').fill('zoe.angstrom@acme.test');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByLabel('Tag 1 name').fill('ExternalUserId');
    await page.getByLabel('Tag 1 value').fill('123');
    await page.getByRole('button', { name: 'Add user and send invitation' }).click();
    await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}/);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Zoë Ångström');
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Invited');
    await expect(page.getByRole('button', { name: 'Resend invitation' })).toBeVisible();
    await expectAccessible(page);

    // Found without typing the accents.
    await page.goto('/users?q=angstrom');
    await expect(page.getByRole('link', { name: 'Ångström, Zoë' })).toBeVisible();
    await expect(page.getByRole('row', { name: /Ångström/ })).toContainText('ExternalUserId=123');

    await page.goto('/users/new');
    await page.getByLabel('First name').fill('Zed');
    await page.getByLabel('Last name').fill('Twin');
    await page.getByLabel('Email').fill('ZOE.ANGSTROM@acme.test');
    await page.getByRole('button', { name: 'Add user and send invitation' }).click();
    await expect(page.getByLabel('Email')).toHaveAccessibleDescription(/A user with this email already exists\./);
    await expect(page.getByLabel('First name')).toHaveValue('Zed');
  });

  test('an Account Manager granting Administrator is refused by the server', async ({ page, login }) => {
    await login.signInAs('admin');
    await page.goto('/users');
    const adminRoleId = await page.getByLabel('Role', { exact: true }).locator('option', { hasText: 'Administrator' }).getAttribute('value');

    const manager = new LoginPage(page);
    await page.context().clearCookies();
    await manager.signInAs('manager');
    await page.goto('/users/new');
    // Forge the choice the form does not offer.
    await page.getByLabel('Role').evaluate((select, id) => {
      const option = document.createElement('option');
      option.value = id!;
      option.textContent = 'Administrator';
      select.appendChild(option);
      (select as HTMLSelectElement).value = id!;
    }, adminRoleId);
    await page.getByLabel('First name').fill('Mallory');
    await page.getByLabel('Last name').fill('Escalate');
    await page.getByLabel('Email').fill('mallory@acme.test');
    await page.getByRole('button', { name: 'Add user and send invitation' }).click();
    await expect(page.getByRole('main').getByText('You cannot grant the Administrator role').first()).toBeVisible();
    await page.goto('/users?q=mallory');
    await expect(page.getByText('No users match')).toBeVisible();
  });
});

test.describe('User profile', () => {
  test('changes a role, and the change is in the user\'s history', async ({ page, login }) => {
    await login.signInAs('admin');
    await page.goto('/users?q=rosa');
    await page.getByRole('link', { name: 'Rollins, Rosa' }).click();
    await expectAccessible(page);
    await page.getByLabel('Role').selectOption({ label: 'Account Manager' });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(main(page).getByRole('status').filter({ hasText: 'Changes saved.' })).toBeVisible();
    await expect(page.getByText('Ada Admin changed the role from User to Account Manager')).toBeVisible();
    await expect(page.getByText('user.role_changed')).toHaveCount(0);
  });

  test('a ban with a reason refuses sign-in; Validate lets the user back in', async ({ page, login, browser }) => {
    await login.signInAs('admin');
    await page.goto('/users?q=bernd');
    await page.getByRole('link', { name: 'Bannister, Bernd' }).click();
    await page.waitForLoadState('networkidle'); // the dialog needs the page hydrated
    await page.getByRole('button', { name: 'Ban' }).click();
    const dialog = page.getByRole('dialog', { name: /Ban bernd.banned@acme.test/ });
    await dialog.getByRole('button', { name: 'Ban' }).click();
    await expect(dialog.getByLabel('Reason')).toHaveAccessibleDescription('Kept in their history. Give a reason: it is kept in their history.');
    await dialog.getByLabel('Reason').fill('Shared credentials with a contractor');
    await dialog.getByRole('button', { name: 'Ban' }).click();
    await expect(main(page).getByRole('status').filter({ hasText: 'Banned.' })).toBeVisible();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Banned');
    await expect(page.getByText('Banned: Shared credentials with a contractor')).toBeVisible();

    const context = await browser.newContext();
    const bernd = await context.newPage();
    const berndLogin = new LoginPage(bernd);
    await berndLogin.goto();
    await berndLogin.signIn(ACCOUNTS.banTarget.email, PASSWORD);
    await expect(bernd.getByRole('main').getByRole('alert')).toHaveText('Your account is not active. Contact your account manager.');

    await page.getByRole('button', { name: 'Validate' }).click();
    await page.getByRole('dialog', { name: /Validate bernd/ }).getByRole('button', { name: 'Validate' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Active');
    await berndLogin.signIn(ACCOUNTS.banTarget.email, PASSWORD);
    await expect(bernd).toHaveURL(/\/profile$/);
    await context.close();
  });

  test('a save over someone else\'s newer change is refused', async ({ page, login }) => {
    await login.signInAs('admin');
    await page.goto('/users?q=stan');
    await page.getByRole('link', { name: 'Stale, Stan' }).click();
    await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}$/);
    const second = await page.context().newPage();
    await second.goto(page.url());

    await page.getByLabel('Last name').fill('Stale-First');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(main(page).getByRole('status').filter({ hasText: 'Changes saved.' })).toBeVisible();

    await second.getByLabel('First name').fill('Stanley');
    await second.getByRole('button', { name: 'Save changes' }).click();
    await expect(second.getByRole('main').getByRole('alert')).toContainText('Someone else saved this user after you opened it.');
    await second.getByRole('button', { name: 'Discard mine and show theirs' }).click();
    await expect(second.getByLabel('Last name')).toHaveValue('Stale-First');
    await expect(second.getByLabel('First name')).toHaveValue('Stan');
  });
});
