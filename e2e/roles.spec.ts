import type { Page } from '@playwright/test';
import { expect, expectAccessible, test } from './fixtures';

async function accessibleAtBothWidths(page: Page) {
  for (const size of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
    await page.setViewportSize(size);
    await expectAccessible(page);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

test.describe('Roles', () => {
  test('a custom role with a permission and a required field; Add asks for it; deleting it in use offers the move', async ({ page, login }) => {
    const roleName = `Contractor ${Date.now()}`;
    const email = `contractor.${Date.now()}@acme.test`;
    await login.signInAs('admin');
    await page.getByRole('link', { name: 'Roles' }).click();
    await expect(page).toHaveURL(/\/settings\/roles$/);
    await expect(page.getByRole('heading', { name: 'Roles', level: 1 })).toBeVisible();
    await accessibleAtBothWidths(page);

    await page.getByRole('link', { name: 'Create role' }).click();
    await page.getByLabel('Name').fill(roleName);
    await page.getByRole('checkbox', { name: /See users/ }).check();
    // Named by its words alone, like Add tag (the plus is an icon, not read out as "plus").
    await page.getByRole('button', { name: 'Add required field', exact: true }).click();
    await expect(page.getByLabel('Field 1 label')).toBeFocused();
    await page.getByLabel('Field 1 label').fill('Employee number');
    // The key (the field's name in the APIs) is made from the label when left empty.
    await page.getByLabel('Field 1 label').press('Tab');
    await expect(page.getByLabel('Field 1 key')).toBeFocused();
    await expect(page.getByLabel('Field 1 key')).toHaveValue('employeeNumber');
    await page.getByLabel('Field 1 key').fill('employeeNo');
    const pattern = page.getByLabel('Field 1 pattern (optional)');
    await pattern.fill('E[0-9');
    await page.getByRole('button', { name: 'Create role' }).click();
    // The error is on the pattern input itself, and a summary linking to it takes focus.
    const summary = page.getByRole('alert').filter({ hasText: 'Check the highlighted fields' });
    await expect(summary).toBeFocused();
    await expect(pattern).toHaveAttribute('aria-invalid', 'true');
    await expect(pattern).toHaveAccessibleDescription(/This pattern is not valid: check brackets and parentheses/);
    await expect(page.getByText(/RE2/)).toHaveCount(0);
    await accessibleAtBothWidths(page);
    await summary.getByRole('link', { name: /Field 1 pattern/ }).click();
    await expect(pattern).toBeFocused();
    await pattern.fill('E[0-9]{4}');
    await page.getByLabel('Field 1 format hint (optional)').fill('E and 4 digits, like E1234');
    await page.getByRole('button', { name: 'Create role' }).click();
    await expect(page).toHaveURL(/\/settings\/roles\?saved=/);
    await expect(page.getByText(`The ${roleName} role was created.`)).toBeVisible();
    const row = page.getByRole('row').filter({ hasText: roleName });
    await expect(row).toContainText('See users');
    // The banner names only a role that exists: a URL written by someone else says nothing.
    await page.goto('/settings/roles?saved=Refund%20pending%3A%20call%20%2B1%20555%200100');
    await expect(page.getByRole('heading', { name: 'Roles', level: 1 })).toBeVisible();
    await expect(page.getByText(/Refund pending/)).toHaveCount(0);

    // Add: the role's field is required, and must match its pattern.
    await page.goto('/users/new');
    await page.getByLabel('First name').fill('Cora');
    await page.getByLabel('Last name').fill('Contractor');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Role').selectOption({ label: roleName });
    const field = page.getByLabel('Employee number');
    await expect(field).toBeVisible();
    await expect(field).toHaveAccessibleDescription('E and 4 digits, like E1234');
    await page.getByRole('button', { name: 'Add user and send invitation' }).click();
    await expect(page.locator('#user-profile-employeeNo-error')).toHaveText('Enter the Employee number.');
    await field.fill('E12');
    await page.getByRole('button', { name: 'Add user and send invitation' }).click();
    await expect(page.locator('#user-profile-employeeNo-error')).toHaveText('The Employee number does not have the expected format: E and 4 digits, like E1234.');
    await field.fill('E1234');
    await page.getByRole('button', { name: 'Add user and send invitation' }).click();
    await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}(\?added=1)?$/);

    // The profile shows the field with its value; it cannot be emptied, and a change is checked as on Add.
    const stored = page.getByLabel('Employee number');
    await expect(stored).toHaveValue('E1234');
    await stored.fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.locator('#user-profile-employeeNo-error')).toHaveText('Enter the Employee number.');
    await page.getByRole('alert').filter({ hasText: 'Employee number' }).getByRole('link', { name: /Employee number/ }).click();
    await expect(stored).toBeFocused();
    await stored.fill('E5678');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Changes saved.' })).toBeVisible();
    await page.reload();
    await expect(page.getByLabel('Employee number')).toHaveValue('E5678');
    await accessibleAtBothWidths(page);

    // Delete while in use: refused, with the move offered in the same dialog.
    await page.goto('/settings/roles');
    await page.getByRole('row').filter({ hasText: roleName }).getByRole('button', { name: `Delete ${roleName}` }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog).toContainText('held by 1 user');
    await dialog.getByRole('button', { name: 'Delete role' }).click();
    await expect(dialog.getByText('move them to another role before deleting it')).toBeVisible();
    await dialog.getByLabel('Move its 1 user to').selectOption({ label: 'User' });
    await dialog.getByRole('button', { name: 'Move 1 user' }).click();
    await expect(dialog.getByText(`1 user moved from ${roleName} to User`)).toBeVisible();
    // The move button is gone with the users: focus goes on to the next step, not to the dialog itself.
    await expect(dialog.getByRole('button', { name: 'Delete role' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('row').filter({ hasText: roleName })).toHaveCount(0);
    // The row is gone: the result is announced, and focus is on a control of the list, not the page body.
    await expect(page.getByRole('status').filter({ hasText: `The ${roleName} role was deleted.` })).toBeVisible();
    expect(await page.evaluate(() => document.activeElement?.closest('table') !== null)).toBe(true);
  });

  test('editing a role: saves twice in a row; a save from a page opened before someone else saved is refused, nothing typed lost', async ({ page, login, context }) => {
    const roleName = `Desk ${Date.now()}`;
    await login.signInAs('admin');
    await page.goto('/settings/roles/new');
    await page.getByLabel('Name').fill(roleName);
    await page.getByRole('checkbox', { name: /See users/ }).check();
    await page.getByRole('button', { name: 'Create role' }).click();
    await expect(page).toHaveURL(/\/settings\/roles\?saved=/);
    await page.getByRole('link', { name: `Edit ${roleName}` }).click();
    await expect(page).toHaveURL(/\/settings\/roles\/[0-9a-f-]{36}$/);
    const other = await context.newPage();
    await other.goto(page.url());

    await page.getByRole('checkbox', { name: /Unlock and reset/ }).check();
    await page.getByRole('button', { name: 'Save role' }).click();
    await expect(page.getByText(`The ${roleName} role was saved.`).first()).toBeVisible();
    await page.getByLabel('Name').fill(`${roleName} A`);
    await page.getByRole('button', { name: 'Save role' }).click();
    await expect(page.getByText(`The ${roleName} A role was saved.`).first()).toBeVisible();

    await other.getByLabel('Name').fill(`${roleName} B`);
    await other.getByRole('button', { name: 'Save role' }).click();
    await expect(other.getByText('Someone else changed this role after you opened it').first()).toBeVisible();
    await expect(other.getByLabel('Name')).toHaveValue(`${roleName} B`);
    await page.goto('/settings/roles');
    await expect(page.getByRole('row').filter({ hasText: `${roleName} A` })).toHaveCount(1);
    await other.close();
  });

  test('someone who manages roles but not users is not offered the move of a role in use they cannot make', async ({ page, login, browser }) => {
    const run = Date.now();
    await login.signInAs('admin');
    const createRole = async (name: string, permissions: RegExp[]) => {
      await page.goto('/settings/roles/new');
      await page.getByLabel('Name').fill(name);
      for (const permission of permissions) await page.getByRole('checkbox', { name: permission }).check();
      await page.getByRole('checkbox', { name: /^All environments Holders/ }).check();
      await page.getByRole('button', { name: 'Create role' }).click();
      await expect(page).toHaveURL(/\/settings\/roles\?saved=/);
    };
    const addUser = async (email: string, role: string) => {
      await page.goto('/users/new');
      await page.getByLabel('First name').fill('Rhea');
      await page.getByLabel('Last name').fill('Keeper');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Role').selectOption({ label: role });
      await page.getByRole('button', { name: 'Add user and send invitation' }).click();
      await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}/);
    };
    await createRole(`Role keeper ${run}`, [/Manage roles/]);
    await createRole(`Visitor ${run}`, []);
    const keeper = `rhea.keeper.${run}@acme.test`;
    await addUser(keeper, `Role keeper ${run}`);
    await addUser(`vic.visitor.${run}@acme.test`, `Visitor ${run}`);
    await page.goto('/outbox');
    const message = page.getByRole('article', { name: new RegExp(`You are invited to Userdesk.* to ${keeper}`) }).first();
    await message.getByText('Show message').click();
    const link = (await message.getByRole('link', { name: /set-password\?token=/ }).getAttribute('href'))!;

    const context = await browser.newContext();
    const rhea = await context.newPage();
    await rhea.goto(link);
    await rhea.getByLabel('New password', { exact: true }).fill('Keeps-The-Roles-42');
    await rhea.getByLabel('Confirm new password').fill('Keeps-The-Roles-42');
    await rhea.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect(rhea).toHaveURL(/\/profile$/);
    await rhea.goto('/settings/roles');
    await rhea.getByRole('button', { name: `Delete Visitor ${run}` }).click();
    const dialog = rhea.getByRole('dialog');
    await expect(dialog).toContainText("Moving its users changes each one's role, which needs permission to edit users");
    await expect(dialog.getByRole('combobox')).toHaveCount(0);
    await expect(dialog.getByRole('button', { name: /^Move/ })).toHaveCount(0);
    await context.close();
  });

  test('an Account Manager cannot open the roles screen', async ({ page, login }) => {
    await login.signInAs('manager');
    const response = await page.goto('/settings/roles');
    expect(response?.status()).toBe(403);
    await expect(page.getByRole('link', { name: 'Roles' })).toHaveCount(0);
  });
});
