// Page objects and checks shared by the browser tests.
import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type Page } from '@playwright/test';
import { ACCOUNTS, PASSWORD, type AccountName } from './accounts';

export class LoginPage {
  constructor(private readonly page: Page) {}

  async goto() {
    await this.page.goto('/login');
  }

  async signIn(email: string, password: string) {
    await this.page.getByLabel('Email').fill(email);
    await this.page.getByLabel('Password', { exact: true }).fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  async signInAs(account: AccountName, password = PASSWORD) {
    await this.goto();
    await this.signIn(ACCOUNTS[account].email, password);
    await expect(this.page).not.toHaveURL(/\/login/);
  }
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: /Account menu/ }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
}

/**
 * No serious or critical axe-core violations on the page once it has loaded. Next.js streams a
 * page's generateMetadata (the profile's "<name> · Users" title) after its body, so the check waits
 * for the title first: every page here has one, and axe would otherwise catch the stream half-way.
 */
export async function expectAccessible(page: Page) {
  await expect(page).toHaveTitle(/\S/);
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

export const test = base.extend<{ login: LoginPage }>({
  login: async ({ page }, use) => use(new LoginPage(page)),
});
export { expect };
