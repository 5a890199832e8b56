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
  await expectEachMessageSaidOnce(page);
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

/**
 * No live region (a status, an alert, aria-live) inside another: a screen reader would say each message
 * it holds twice. (Written as a string: the test runner's transform would wrap a function in helpers
 * the page does not have.)
 */
export async function expectEachMessageSaidOnce(page: Page) {
  const nested = await page.evaluate(`(() => {
    const live = (e) => { const l = e.getAttribute('aria-live'); if (l) return l !== 'off'; return ['status', 'alert', 'log'].includes(e.getAttribute('role')); };
    const inLive = (e) => { for (let p = e.parentElement; p; p = p.parentElement) if (live(p)) return true; return false; };
    return [...document.querySelectorAll('*')].filter((e) => live(e) && inLive(e)).map((e) => e.outerHTML.slice(0, 120));
  })()`);
  expect(nested, 'live regions inside live regions').toEqual([]);
}

export const test = base.extend<{ login: LoginPage }>({
  login: async ({ page }, use) => use(new LoginPage(page)),
});
export { expect };
