// The Users screens as a manager meets them (issue 8): density and sticky header, phone layout, focus
// after every action, keyboard-only use, readable history, titles, bulk actions, CSV export, Last
// sign-in after an invitation link, and axe-core with the WCAG 2.2 AA tags at both widths.
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Locator, Page } from '@playwright/test';
import { expect, expectEachMessageSaidOnce, LoginPage, test } from './fixtures';

const WIDE = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const run = `${Date.now().toString(36)}`;

/** As expectAccessible (fixtures.ts), with the WCAG tags: after the streamed title (a refresh after an action re-streams it). */
async function expectNoAxeViolations(page: Page, what: string) {
  await expect(page).toHaveTitle(/\S/);
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  expect(results.violations.map((v) => `${what}: ${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

/** Someone else (another tab of the same session) bans the user whose profile is at url; that tab, still open. */
async function banInAnotherTab(page: Page, url: string, reason: string): Promise<Page> {
  const other = await page.context().newPage();
  await other.goto(url);
  await other.getByRole('button', { name: 'Ban' }).click();
  await other.getByRole('dialog').getByLabel('Reason').fill(reason);
  await other.getByRole('dialog').getByRole('button', { name: 'Ban' }).click();
  await expect(other.getByRole('heading', { level: 1 })).toContainText('Banned');
  return other;
}

/** Checks the page at both widths. */
async function expectAccessibleAtBothWidths(page: Page, what: string) {
  for (const size of [WIDE, PHONE]) {
    await page.setViewportSize(size);
    await expectNoAxeViolations(page, `${what} at ${size.width}`);
  }
  await page.setViewportSize(WIDE);
}

const focusIsOnBody = (page: Page) => page.evaluate(() => document.activeElement === document.body || document.activeElement === null);
/** Focus is on the list's results summary ("3 users match the filters"): where it goes when no row is left to return to. */
const focusIsOnResultsSummary = (page: Page) => page.evaluate(() => document.activeElement?.hasAttribute('data-focus-fallback') ?? false);

/** Adds a user through the Add form (keyboard only); returns the profile URL. */
async function addUser(page: Page, first: string, last: string, email: string) {
  await page.goto('/users/new');
  await page.getByLabel('First name').focus();
  await page.keyboard.type(first);
  await page.keyboard.press('Tab');
  await page.keyboard.type(last);
  await page.keyboard.press('Tab');
  await page.keyboard.type(email);
  await page.getByRole('button', { name: 'Add user and send invitation' }).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`${first} ${last}`);
  return page.url().replace(/\?.*$/, '');
}

async function linkFromOutbox(page: Page, email: string, subject: RegExp): Promise<string> {
  await page.goto('/outbox');
  const message = page.getByRole('article', { name: new RegExp(`${subject.source}.* to ${email}`) }).first();
  await message.getByText('Show message').click();
  return (await message.getByRole('link', { name: /set-password\?token=/ }).getAttribute('href'))!;
}

async function otherSession(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  return { page, login: new LoginPage(page), close: () => context.close() };
}

test.describe('All Users: density, sticky header, phone', () => {
  test('rows are one line at most 48 px, the header and sidebar stay in view, nothing scrolls sideways on a phone', async ({ page, login }) => {
    await page.setViewportSize({ width: 1440, height: 600 });
    await login.signInAs('admin');
    await page.goto('/users');
    const rows = page.locator('table tbody tr');
    await expect(rows.first()).toBeVisible();
    for (const box of await rows.evaluateAll((trs) => trs.map((tr) => tr.getBoundingClientRect().height))) expect(box).toBeLessThanOrEqual(48);

    await page.mouse.wheel(0, 400);
    await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(100);
    const header = await page.getByRole('columnheader', { name: /Name/ }).boundingBox();
    expect(header!.y).toBeGreaterThanOrEqual(0);
    expect(header!.y).toBeLessThan(120);
    const nav = await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).boundingBox();
    expect(nav!.y).toBeGreaterThanOrEqual(0);
    expect(nav!.y).toBeLessThan(600);

    await page.setViewportSize(PHONE);
    await page.goto('/users');
    const card = page.getByRole('list', { name: 'Users' }).getByRole('listitem').first();
    await expect(card).toBeVisible();
    const cardBox = await card.boundingBox();
    expect(cardBox!.y + cardBox!.height).toBeLessThanOrEqual(PHONE.height);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    // Filters wait behind a button.
    await expect(page.getByLabel('Status')).toBeHidden();
    await page.getByRole('button', { name: /Filters/ }).click();
    await expect(page.getByLabel('Status')).toBeVisible();
    // Choosing one keeps the panel open for the next.
    await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Active' });
    await expect(page).toHaveURL(/status=active/);
    await expect(page.getByLabel('Role')).toBeVisible();
    // The cards have no column headers: the phone sorts with a select, keeping the filters.
    await page.getByLabel('Sort by').selectOption({ label: 'Email, Z to A' });
    await expect(page).toHaveURL(/status=active.*sort=email&dir=desc/);
    await expect(page.getByLabel('Sort by')).toHaveValue('email:desc');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  });

  test('between phone and wide screen (a tablet, a zoomed window) each row shows whom it is about and nothing scrolls sideways', async ({ page, login }) => {
    test.setTimeout(120_000);
    await login.signInAs('admin');
    // 700: cards; 820: a tablet, or 1640 px at 200%; 1024: 1280 px at 125%. The sidebar shows from 768 px on.
    for (const width of [700, 820, 1024]) {
      await page.setViewportSize({ width, height: 800 });
      for (const path of ['/users', '/users/locked']) {
        await page.goto(path);
        // The first row's name and email: as table cells or a card, wide enough to read them.
        const rooms = await page.locator('main tbody tr, main ul[aria-label] > li').filter({ visible: true }).first().evaluate((row) => {
          const name = row.querySelector('a[href^="/users/"]')!.closest('td, li')!;
          return [name, name.tagName === 'TD' ? name.nextElementSibling! : name].map((el) => el.getBoundingClientRect().width);
        });
        for (const room of rooms) expect(room, `${path} at ${width}`).toBeGreaterThanOrEqual(150);
        // Cards wherever the table has no room: they still sort.
        if (await page.getByRole('columnheader', { name: /Name/ }).isHidden()) await expect(page.getByLabel('Sort by')).toBeVisible();
        expect(await page.evaluate(() => document.documentElement.scrollWidth), `${path} at ${width}`).toBeLessThanOrEqual(width);
      }
      for (const path of ['/settings/roles', '/settings/environments']) {
        await page.goto(path);
        await expect(page.getByRole('table')).toBeVisible();
        expect(await page.evaluate(() => document.documentElement.scrollWidth), `${path} at ${width}`).toBeLessThanOrEqual(width);
      }
    }
  });

  test('short role names fit at 1440; the search button shows on focus without moving anything', async ({ page, login }) => {
    await page.setViewportSize(WIDE);
    await login.signInAs('admin');
    await page.goto('/users?q=mario.manager');
    const role = page.locator('table tbody tr').first().getByRole('cell', { name: 'Account Manager' });
    await expect(role).toBeVisible();
    expect(await role.evaluate((td) => td.scrollWidth <= td.clientWidth)).toBe(true);

    const status = page.getByLabel('Status', { exact: true });
    const before = await status.boundingBox();
    await page.getByRole('searchbox', { name: 'Search' }).focus();
    await page.keyboard.press('Tab');
    const search = page.getByRole('button', { name: 'Search', exact: true });
    await expect(search).toBeFocused();
    await expect(search).toHaveCSS('opacity', '1');
    const box = (await search.boundingBox())!;
    const field = (await page.getByRole('searchbox', { name: 'Search' }).boundingBox())!;
    expect(box.height).toBeGreaterThan(20);
    expect(box.y).toBeGreaterThanOrEqual(field.y);
    expect(box.y + box.height).toBeLessThanOrEqual(field.y + field.height);
    expect(await status.boundingBox()).toEqual(before);
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/q=mario\.manager/);
  });

  test('filters apply on change, show as removable chips, and the counts say what they count', async ({ page, login }) => {
    await login.signInAs('admin');
    await page.goto('/users');
    await expect(page.getByText(/Seats in use across the organization/)).toBeVisible();
    await page.getByLabel('Status').selectOption({ label: 'Locked' });
    await expect(page).toHaveURL(/status=locked/);
    await expect(page.locator('[data-focus-fallback]')).toContainText(/match the filters/);
    // The new count is said in the page's live region, which outlives each list.
    await expect(page.locator('#user-list-announcer[aria-live="polite"]')).toHaveText(/users? match(es)? the filters\.$/);
    const chip = page.getByRole('link', { name: 'Remove filter Status: Locked' });
    await expect(chip).toBeVisible();
    await expect(page.getByRole('link', { name: /Locked Users/ })).toContainText(/\d/);
    await chip.click();
    await expect(page).not.toHaveURL(/status=/);
    await expect(page.locator('[data-focus-fallback]')).toContainText(/in this environment/);
    // The field follows the URL when a chip removes its filter.
    await expect(page.getByLabel('Status', { exact: true })).toHaveValue('');

    // From the keyboard: each arrow applies the next status, and focus stays on the select.
    const status = page.getByLabel('Status', { exact: true });
    await status.focus();
    await page.keyboard.press('ArrowDown');
    await expect(page).toHaveURL(/status=active/);
    await expect(status).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(page).toHaveURL(/status=invited/);
    await expect(status).toBeFocused();
  });

  test('environment change from the keyboard: nothing changes until chosen, focus stays on the switcher', async ({ page, login }) => {
    await login.signInAs('admin');
    await page.goto('/users');
    const switcher = page.getByRole('button', { name: /^Environment: Production/ });
    await switcher.focus();
    await page.keyboard.press('ArrowDown'); // opens the menu; changes nothing
    const menu = page.getByRole('menu');
    await expect(menu).toBeVisible();
    await expect(page.getByRole('button', { name: /^Environment: Production/ })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(switcher).toBeFocused();

    await switcher.press('Enter');
    // The current environment is the checked option, with a visible check mark.
    await expect(page.getByRole('menuitemradio', { name: 'Production' })).toHaveAttribute('aria-checked', 'true');
    await expect(page.getByRole('menuitemradio', { name: 'Production' }).locator('svg')).toBeVisible();
    await expect(page.getByRole('menuitemradio', { name: 'Sandbox' })).toHaveAttribute('aria-checked', 'false');
    await page.getByRole('menuitemradio', { name: 'Sandbox' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('button', { name: /^Environment: Sandbox/ })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Now working in Sandbox.' })).toBeVisible();
    // Said once: the message is not a live region inside the notifications' own.
    await expectEachMessageSaidOnce(page);
    expect(await focusIsOnBody(page)).toBe(false);
    await expect(page.getByRole('link', { name: 'Sandbox, Sandy' })).toBeVisible();

    // Back, so other tests find Production.
    await page.getByRole('button', { name: /^Environment: Sandbox/ }).click();
    await page.getByRole('menuitemradio', { name: 'Production' }).click();
    await expect(page.getByRole('button', { name: /^Environment: Production/ })).toBeVisible();
  });
});

test.describe('Locked Users: columns at every width', () => {
  test('the table, wherever it shows, has Failed attempts unclipped and room for whom the row is about', async ({ page, login }) => {
    await login.signInAs('admin');
    await page.goto('/users/locked');
    const table = page.getByRole('table', { name: 'Locked users' });
    const cards = page.getByRole('list', { name: 'Locked users' });
    let tables = 0;
    // From a phone to a wide screen, through the laptop widths (1280, 1366) where the column was hidden.
    for (const width of [390, 1024, 1100, 1184, 1280, 1366, 1440, 1920]) {
      await page.setViewportSize({ width, height: 900 });
      await expect(table.or(cards)).toBeVisible();
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), `${width}: no sideways scroll`).toBeLessThanOrEqual(0);
      if (!(await table.isVisible())) {
        await expect(cards.getByRole('listitem').first()).toContainText(/\d+ failed attempts?/);
        // The count is the reason: said once, not "Too many failed attempts · 10 failed attempts".
        await expect(cards.getByText(/Too many failed attempts · /)).toHaveCount(0);
        continue;
      }
      tables++;
      const header = table.getByRole('columnheader', { name: 'Failed attempts' });
      await expect(header, `${width}: Failed attempts shown`).toBeVisible();
      expect(await header.evaluate((th) => th.scrollWidth <= th.clientWidth), `${width}: Failed attempts not cut off`).toBe(true);
      const cells = await table.evaluate((t: HTMLTableElement) => {
        const column = [...t.tHead!.rows[0]!.cells].findIndex((th) => th.textContent === 'Failed attempts');
        return [...t.tBodies[0]!.rows].map((r) => ({ text: r.cells[column]!.textContent!, shown: r.cells[column]!.getBoundingClientRect().width > 0 }));
      });
      expect(cells.length).toBeGreaterThan(0);
      expect(cells.every((c) => c.shown && /^\d+$/.test(c.text)), `${width}: every row counts its attempts`).toBe(true);
      // Why each one is locked is decided by too: said in its row wherever the Reason column is not shown.
      const reasons = await table.evaluate((t: HTMLTableElement) => [...t.tBodies[0]!.rows].map((r) => r.innerText));
      expect(reasons.every((text) => /Too many failed attempts|Password expired|unknown/i.test(text)), `${width}: every row says why it is locked`).toBe(true);
      for (const name of ['Name', 'Email']) {
        const box = await table.getByRole('columnheader', { name: new RegExp(`^${name}`) }).boundingBox();
        expect(box!.width, `${width}: ${name} keeps room`).toBeGreaterThanOrEqual(150);
      }
    }
    expect(tables).toBeGreaterThanOrEqual(5);
    await page.setViewportSize(WIDE);
    await expectNoAxeViolations(page, 'locked users');
  });
});

test.describe('Profile', () => {
  test('keyboard-only Add, Ban and Validate; focus never on the body; title, history in sentences', async ({ page, login }) => {
    await login.signInAs('admin');
    const email = `kay.keys.${run}@acme.test`;
    const url = await addUser(page, 'Kay', 'Keys', email);
    await expect(page).toHaveTitle(/^Kay Keys · Users · Userdesk$/);
    await expect(page.getByRole('status').filter({ hasText: 'was added and an invitation was sent' })).toBeVisible();
    await expect(page).toHaveURL(url); // the notice is not in the URL any more: a reload does not repeat it
    await page.reload();
    await expect(page.getByText('was added and an invitation was sent')).toHaveCount(0);
    // Invited: there is no access to suspend yet, so no Inactive box (a tick did nothing before).
    await expect(page.getByRole('checkbox', { name: /^Inactive/ })).toHaveCount(0);

    // A failed submit: the error summary takes focus and links the field.
    await page.getByLabel('Email').fill('not-an-email');
    await page.getByRole('button', { name: 'Save changes' }).press('Enter');
    const summary = page.getByRole('alert').filter({ hasText: 'Check the highlighted fields' });
    await expect(summary).toBeFocused();
    await summary.getByRole('link', { name: /Email/ }).click();
    await expect(page.getByLabel('Email')).toBeFocused();
    await page.reload();

    // A dialog closed without acting gives focus back to the button that opened it.
    await page.getByRole('button', { name: 'Ban' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('dialog', { name: `Ban ${email}?` })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Ban' })).toBeFocused();

    // Ban by keyboard; the reason's error is announced.
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `Ban ${email}?` });
    await dialog.getByRole('button', { name: 'Ban' }).press('Enter');
    // The same words as the row menu's Ban of one user (see Row menus on All Users).
    await expect(dialog.getByRole('alert')).toHaveText('Give a reason: it is kept in their history.');
    await expect(dialog.getByLabel('Reason')).toHaveAccessibleDescription('Kept in their history. Give a reason: it is kept in their history.');
    await expect(dialog.getByLabel('Reason')).toBeFocused();
    await page.keyboard.type('Left the company');
    await dialog.getByRole('button', { name: 'Ban' }).press('Enter');
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Banned');
    await expect(page.getByRole('button', { name: 'Validate' })).toBeFocused();
    expect(await focusIsOnBody(page)).toBe(false);

    await page.keyboard.press('Enter');
    const validate = page.getByRole('dialog', { name: `Validate ${email}?` });
    await validate.getByRole('button', { name: 'Validate' }).press('Enter');
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Invited');
    await expect.poll(() => focusIsOnBody(page)).toBe(false);
    // The Validate result replaces the Ban result: no "Banned" message left beside it.
    const notices = page.getByRole('region', { name: 'Notifications' }).getByTestId('toast');
    await expect(notices).toHaveCount(1);
    await expect(notices).not.toContainText('Banned');

    const history = page.getByRole('region', { name: /History/ }).or(page.locator('section[aria-labelledby="history-heading"]'));
    await expect(history).toContainText('Ada Admin banned Kay Keys, giving the reason “Left the company”');
    await expect(history).toContainText('Ada Admin added Kay Keys as User and sent an invitation');
    const text = await history.innerText();
    expect(text).not.toMatch(/\b(user|auth|settings)\.[a-z_]+/);
    expect(text).not.toMatch(/[{}"]|null/);
    await expectAccessibleAtBothWidths(page, 'profile');
  });

  test('a Ban the server refuses is said in its dialog, where it is fixed, with focus on it, not in a toast', async ({ page, login }) => {
    await login.signInAs('admin');
    const email = `rita.refused.${run}@acme.test`;
    const url = await addUser(page, 'Rita', 'Refused', email);
    await page.reload();
    // Only the notice of the add may show: no refusal in a toast.
    const toasts = page.getByRole('region', { name: 'Notifications' }).getByTestId('toast').filter({ hasNotText: 'was added' });

    // A reason the browser lets through but the server refuses (a zero-width space): read under the Reason.
    await page.getByRole('button', { name: 'Ban' }).press('Enter');
    const dialog = page.getByRole('dialog', { name: `Ban ${email}?` });
    await dialog.getByLabel('Reason').fill('Left\u200bthe company');
    await dialog.getByRole('button', { name: 'Ban' }).press('Enter');
    await expect(dialog.getByLabel('Reason')).toHaveAccessibleDescription(/The reason contains invisible, control or broken characters/);
    await expect(dialog.getByLabel('Reason')).toBeFocused();
    await expect(dialog.getByLabel('Reason')).toHaveAttribute('aria-invalid', 'true');
    await expect(toasts).toHaveCount(0);

    // Someone else changes the user meanwhile: the refusal is read in the dialog and takes focus.
    const other = await page.context().newPage();
    await other.goto(url);
    await other.getByLabel('Last name').fill('Refused-Again');
    await other.getByRole('button', { name: 'Save changes' }).click();
    await expect(other.getByRole('status').filter({ hasText: 'Changes saved.' })).toBeVisible();
    await other.close();
    await dialog.getByLabel('Reason').fill('Left the company');
    await dialog.getByRole('button', { name: 'Ban' }).press('Enter');
    const refusal = dialog.getByRole('alert').filter({ hasText: 'Someone else changed this user after you opened it.' });
    await expect(refusal).toBeFocused();
    await expect(toasts).toHaveCount(0);
    await expectNoAxeViolations(page, 'ban refused');

    // Escape closes it, focus returns to Ban, and the refusal does not come back when it is opened again.
    await page.keyboard.press('Escape');
    await expect(page.getByRole('button', { name: 'Ban' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('dialog', { name: `Ban ${email}?` }).getByRole('alert').filter({ hasText: 'Someone else' })).toHaveCount(0);
    await page.keyboard.press('Escape');
  });

  test('a Ban refused after its dialog was closed while it worked is still said, in a toast', async ({ page, login }) => {
    await login.signInAs('admin');
    const email = `cleo.closed.${run}@acme.test`;
    const url = await addUser(page, 'Cleo', 'Closed', email);
    await page.goto(url);
    // A slow server: the manager closes the dialog before it answers.
    await page.route(url, async (route) => {
      if (route.request().method() === 'POST') await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    await page.getByRole('button', { name: 'Ban' }).press('Enter');
    const dialog = page.getByRole('dialog', { name: `Ban ${email}?` });
    await dialog.getByLabel('Reason').fill('Left\u200bthe company');
    await dialog.getByRole('button', { name: 'Ban' }).press('Enter');
    await expect(dialog.getByRole('button', { name: 'Close' })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await expect(page.getByTestId('toast').filter({ hasText: 'The reason contains invisible' })).toBeVisible();
    await expect(page.getByRole('heading', { level: 1 })).not.toContainText('Banned');
  });

  test('a Reset or Validate the server refuses is said in its dialog with focus on it, not in a toast, and the page then follows', async ({ page, login, browser }) => {
    await login.signInAs('admin');
    const email = `quinn.quorra.${run}@acme.test`;
    const url = await addUser(page, 'Quinn', 'Quorra', email);
    // Active: they accept the invitation.
    const link = await linkFromOutbox(page, email, /You are invited to Userdesk/);
    const quinn = await otherSession(browser);
    await quinn.page.goto(link);
    await quinn.page.getByLabel('New password', { exact: true }).fill('Invited-And-Signed-In-7');
    await quinn.page.getByLabel('Confirm new password').fill('Invited-And-Signed-In-7');
    await quinn.page.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect(quinn.page).toHaveURL(/\/profile$/);
    await quinn.close();
    await page.goto(url);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Active');
    const toasts = page.getByRole('region', { name: 'Notifications' }).getByTestId('toast');

    // Someone else bans them while this page still offers Reset.
    const other = await banInAnotherTab(page, url, 'Moved to another team');

    await page.getByRole('button', { name: 'Reset' }).press('Enter');
    const reset = page.getByRole('dialog', { name: `Reset ${email}?` });
    await reset.getByRole('button', { name: 'Reset' }).press('Enter');
    const refusal = reset.getByRole('alert').filter({ hasText: 'only active or locked users can be reset' });
    await expect(refusal).toBeFocused();
    await expect(toasts).toHaveCount(0);
    await expectNoAxeViolations(page, 'reset refused');
    // Closed, the page shows what they are now, and focus is not lost.
    await page.keyboard.press('Escape');
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Banned');
    await expect(page.getByRole('button', { name: 'Validate' })).toBeFocused();

    // Someone else validates them while this page offers Validate.
    await other.reload();
    await other.getByRole('button', { name: 'Validate' }).click();
    await other.getByRole('dialog').getByRole('button', { name: 'Validate' }).click();
    await expect(other.getByRole('heading', { level: 1 })).toContainText('Active');
    await other.close();
    await page.getByRole('button', { name: 'Validate' }).press('Enter');
    const validate = page.getByRole('dialog', { name: `Validate ${email}?` });
    await validate.getByRole('button', { name: 'Validate' }).press('Enter');
    await expect(validate.getByRole('alert').filter({ hasText: `${email} is not banned.` })).toBeFocused();
    await expect(toasts).toHaveCount(0);
    await page.keyboard.press('Escape');
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Active');
    await expect(page.getByRole('button', { name: 'Reset' })).toBeFocused();
  });

  test('a Resend invitation the server refuses is said under the buttons with focus on it, not in a toast, and stays', async ({ page, login }) => {
    await login.signInAs('admin');
    const email = `yselda.yarrowby.${run}@acme.test`;
    const url = await addUser(page, 'Yselda', 'Yarrowby', email);
    await page.goto(url);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Invited');
    const toasts = page.getByRole('region', { name: 'Notifications' }).getByTestId('toast');

    // Someone else bans them while this page still offers Resend invitation.
    await (await banInAnotherTab(page, url, 'Left before starting')).close();

    await page.getByRole('button', { name: 'Resend invitation' }).press('Enter');
    const refusal = page.getByRole('alert').filter({ hasText: `${email} is banned: Validate them first, then resend the invitation.` });
    await expect(refusal).toBeFocused();
    await expect(toasts).toHaveCount(0);
    // The page follows what they now are, and the refusal is still there to read.
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Banned');
    await expect(page.getByRole('button', { name: 'Resend invitation' })).toHaveCount(0);
    await expect(refusal).toBeVisible();
    await expectAccessibleAtBothWidths(page, 'resend refused');
  });

  test('one\'s own profile offers no Inactive box, no Reset or Ban, and a role one cannot change', async ({ page, login }) => {
    await login.signInAs('admin');
    await page.goto('/users?q=ada.admin%40acme.test');
    // The row's menu offers nothing but the profile: every action on oneself would be refused.
    await page.getByRole('button', { name: 'Actions for Ada Admin' }).click();
    await expect(page.getByRole('menuitem')).toHaveText(['Open profile']);
    await page.keyboard.press('Escape');
    await page.getByRole('link', { name: 'Admin, Ada' }).click();
    await expect(page.getByRole('button', { name: 'Save changes' })).toBeVisible();
    await expect(page.getByRole('checkbox', { name: /^Inactive/ })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Reset' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Ban' })).toHaveCount(0);
    const role = page.getByLabel('Role');
    await expect(role).toBeDisabled();
    await expect(role).toHaveAccessibleDescription(/changed by an Administrator/);
    // Saving one's own names still works, the role is kept.
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByRole('status').filter({ hasText: /Nothing changed|Changes saved/ })).toBeVisible();
    await expect(page.getByText('ada.admin@acme.test · Administrator')).toBeVisible();
  });

  test('a stale edit shows who changed what, and keeps the typed values on top of theirs', async ({ page, login }) => {
    await login.signInAs('admin');
    const url = await addUser(page, 'Sol', 'Stale', `sol.stale.${run}@acme.test`);
    const second = await page.context().newPage();
    await second.goto(url);

    await page.getByLabel('Last name').fill('Stale-First');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Changes saved.' })).toBeVisible();

    await second.getByLabel('First name').fill('Solomon');
    await second.getByRole('button', { name: 'Save changes' }).click();
    const conflict = second.getByRole('alert').filter({ hasText: 'Someone else saved this user' });
    await expect(conflict).toBeFocused();
    await expect(conflict).toContainText('Ada Admin changed the last name from Stale to Stale-First');
    await expect(second.getByLabel('First name')).toHaveValue('Solomon');
    await conflict.getByRole('button', { name: 'Keep my changes on top of theirs' }).click();
    await expect(second.getByRole('status').filter({ hasText: 'Changes saved.' })).toBeVisible();
    await second.reload();
    await expect(second.getByLabel('First name')).toHaveValue('Solomon');
    await expect(second.getByLabel('Last name')).toHaveValue('Stale-First');
    await second.close();
  });

  test('Last sign-in is set when an invited user signs in through the invitation link', async ({ page, login, browser }) => {
    await login.signInAs('admin');
    const email = `ines.link.${run}@acme.test`;
    const url = await addUser(page, 'Ines', 'Link', email);
    await expect(page.getByTestId('last-sign-in')).toHaveText('Never');
    const link = await linkFromOutbox(page, email, /You are invited to Userdesk/);
    const ines = await otherSession(browser);
    await ines.page.goto(link);
    await ines.page.getByLabel('New password', { exact: true }).fill('Invited-And-Signed-In-7');
    await ines.page.getByLabel('Confirm new password').fill('Invited-And-Signed-In-7');
    await ines.page.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect(ines.page).toHaveURL(/\/profile$/);
    await ines.close();
    await page.goto(url);
    await expect(page.getByTestId('last-sign-in')).not.toHaveText('Never');
  });

  test('403 and 404 render inside the shell, with one main', async ({ page, login, browser }) => {
    await login.signInAs('admin');
    const response = await page.goto('/users/00000000-0000-4000-8000-000000000000');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    await expect(page).toHaveTitle('User not found · Userdesk');
    expect((await page.goto('/users/not-a-uuid'))?.status()).toBe(404);
    await expect(page).toHaveTitle('User not found · Userdesk');
    // An import that is not there (or not the viewer's to see) is titled as missing too.
    expect((await page.goto('/users/import/00000000-0000-4000-8000-000000000000'))?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
    await expect(page).toHaveTitle('Import not found · Userdesk');
    await page.goto('/users/00000000-0000-4000-8000-000000000000');
    await expect(page.getByRole('main')).toHaveCount(1);
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await expectAccessibleAtBothWidths(page, '404');

    const member = await otherSession(browser);
    await member.login.signInAs('member');
    const refused = await member.page.goto('/users');
    expect(refused?.status()).toBe(403);
    await expect(member.page.getByRole('heading', { name: 'You do not have access to this page' })).toBeVisible();
    await expect(member.page.getByRole('main')).toHaveCount(1);
    await expect(member.page).toHaveTitle(/^Users · Userdesk$/);
    await expectAccessibleAtBothWidths(member.page, '403');
    await member.close();
  });
});

test.describe('Row menus', () => {
  test('each row\'s menu opens from the keyboard with the first item focused, and from a tap on a phone', async ({ page, login }) => {
    await login.signInAs('admin');
    const profile = await addUser(page, 'Rowena', `Menu${run}`, `rowena.menu${run}@acme.test`);
    await page.goto(`/users?q=menu${run}`);
    const trigger = page.locator('table').getByRole('button', { name: `Actions for Rowena Menu${run}` });
    await trigger.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('menu')).toBeVisible();
    await expect(page.getByRole('menuitem', { name: 'Open profile' })).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByRole('menuitem', { name: 'Ban…' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('menu')).toBeHidden();
    await expect(page.locator('table').getByRole('button', { name: `Actions for Rowena Menu${run}` })).toBeFocused();
    // Again, now that the menu is mounted: Space opens it the same way.
    await page.keyboard.press('Space');
    await expect(page.getByRole('menuitem', { name: 'Open profile' })).toBeFocused();
    await page.keyboard.press('Escape');

    await page.setViewportSize(PHONE);
    await page.reload();
    await page.getByRole('list', { name: 'Users' }).getByRole('button', { name: `Actions for Rowena Menu${run}` }).click();
    await page.getByRole('menuitem', { name: 'Ban…' }).click();
    await expect(page.getByRole('dialog', { name: /Ban / })).toBeVisible();
    await page.keyboard.press('Escape');
    await page.getByRole('list', { name: 'Users' }).getByRole('button', { name: `Actions for Rowena Menu${run}` }).click();
    await page.getByRole('menuitem', { name: 'Open profile' }).click();
    await expect(page).toHaveURL(profile);
    await page.setViewportSize(WIDE);
  });
});

test.describe('Row menus on All Users', () => {
  test('a locked user\'s menu offers Unlock; a confirmation missing its value focuses the field', async ({ page, login }) => {
    await login.signInAs('admin');
    await page.goto('/users?q=lou.four');
    const trigger = page.locator('table').getByRole('button', { name: 'Actions for Lou LockedFour' });
    await trigger.click();
    await page.getByRole('menuitem', { name: 'Ban…' }).click();
    const ban = page.getByRole('dialog', { name: 'Ban lou.four@acme.test?' });
    await ban.getByRole('button', { name: 'Ban', exact: true }).click();
    // The error is read where it is fixed, and speaks of the one user.
    await expect(ban.getByLabel('Reason')).toBeFocused();
    await expect(ban.getByLabel('Reason')).toHaveAccessibleDescription(/Give a reason: it is kept in their history\./);
    await page.keyboard.press('Escape');
    await expect(trigger).toBeFocused();

    // Unlock is at hand where the Locked badge shows, not only on the Locked Users tab.
    await page.keyboard.press('Enter');
    await page.getByRole('menuitem', { name: 'Unlock…' }).click();
    await page.getByRole('dialog', { name: 'Unlock lou.four@acme.test?' }).getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect(page.getByTestId('toast').filter({ hasText: /unlocked/ })).toBeVisible();
    await expect(page.locator('table tbody tr').first()).toContainText('Active');
    await trigger.click();
    await expect(page.getByRole('menuitem', { name: 'Ban…' })).toBeVisible();
    await expect(page.getByRole('menuitem', { name: 'Unlock…' })).toHaveCount(0);
  });
});

test.describe('Bulk refusals', () => {
  test('a reason the server refuses is said under the Reason in the dialog, which stays open with what was typed', async ({ page, login }) => {
    await login.signInAs('admin');
    const email = `bo.batchrefused.${run}@acme.test`;
    await addUser(page, 'Bo', `Batchrefused${run}`, email);
    await page.goto(`/users?q=${encodeURIComponent(email)}`);
    await page.locator('table').getByRole('button', { name: `Actions for Bo Batchrefused${run}` }).click();
    await page.getByRole('menuitem', { name: 'Ban…' }).click();
    const dialog = page.getByRole('dialog', { name: `Ban ${email}?` });
    await dialog.getByLabel('Reason').fill('Left\u200bthe company');
    await dialog.getByRole('button', { name: 'Ban', exact: true }).press('Enter');
    await expect(dialog.getByLabel('Reason')).toHaveAccessibleDescription(/The reason contains invisible, control or broken characters/);
    await expect(dialog.getByLabel('Reason')).toBeFocused();
    await expect(dialog.getByLabel('Reason')).toHaveValue('Left\u200bthe company');
    await expect(page.getByTestId('toast').filter({ hasText: 'invisible' })).toHaveCount(0);
    // Typing clears it; a good reason then bans.
    await dialog.getByLabel('Reason').fill('Left the company');
    await expect(dialog.getByLabel('Reason')).not.toHaveAttribute('aria-invalid');
    await dialog.getByRole('button', { name: 'Ban', exact: true }).press('Enter');
    await expect(page.getByRole('status').filter({ hasText: '1 user banned.' })).toBeVisible();
    await expect(page.locator('table tbody tr').first()).toContainText('Banned');
  });
  test('a refusal that comes after the dialog was closed while it worked is still said, in a toast', async ({ page, login }) => {
    await login.signInAs('admin');
    const email = `cy.closedbatch.${run}@acme.test`;
    await addUser(page, 'Cy', `Closedbatch${run}`, email);
    await page.goto(`/users?q=${encodeURIComponent(email)}`);
    await page.route(/\/users\?/, async (route) => {
      if (route.request().method() === 'POST') await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    await page.locator('table').getByRole('button', { name: `Actions for Cy Closedbatch${run}` }).click();
    await page.getByRole('menuitem', { name: 'Ban…' }).click();
    const dialog = page.getByRole('dialog', { name: `Ban ${email}?` });
    await dialog.getByLabel('Reason').fill('Left\u200bthe company');
    await dialog.getByRole('button', { name: 'Ban', exact: true }).press('Enter');
    await expect(dialog.getByRole('button', { name: 'Close' })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await expect(page.getByTestId('toast').filter({ hasText: 'The reason contains invisible' })).toBeVisible();
  });
});

test.describe('List navigation from the keyboard', () => {
  test('stepping through a filter with the arrow keys loads the list once, and Back returns to the list before it', async ({ page, login }) => {
    await page.setViewportSize(WIDE);
    await login.signInAs('admin');
    await page.goto('/users?q=lou');
    await page.waitForLoadState('networkidle');
    const requests: string[] = [];
    page.on('request', (r) => { if (r.url().includes('status=')) requests.push(r.url()); });
    const status = page.getByRole('combobox', { name: 'Status', exact: true });
    await status.focus();
    // Any status -> Active -> Invited -> Locked, a key at a time, as a person reads each option.
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('ArrowDown');
      await page.waitForTimeout(150);
    }
    await expect(page).toHaveURL(/[?&]status=locked/);
    await expect(page.locator('table tbody tr').first()).toContainText('Locked');
    await expect(status).toBeFocused();
    expect(requests.filter((u) => /status=(active|invited)/.test(u))).toEqual([]);
    await page.goBack();
    await expect(page).toHaveURL(/\/users\?q=lou$/);
  });

  test('stepping through the phone\'s Sort by with the arrow keys loads the list once, and Back returns to the list before it', async ({ page, login }) => {
    await page.setViewportSize(PHONE);
    await login.signInAs('admin');
    await page.goto('/users?q=lou');
    await page.waitForLoadState('networkidle');
    const requests: string[] = [];
    page.on('request', (r) => { if (r.url().includes('sort=')) requests.push(r.url()); });
    const sort = page.getByRole('combobox', { name: 'Sort by' });
    await sort.focus();
    // Name, A to Z -> Name, Z to A -> Email, A to Z -> Email, Z to A, a key at a time.
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('ArrowDown');
      await page.waitForTimeout(150);
    }
    await expect(sort).toHaveValue('email:desc');
    await expect(page).toHaveURL(/[?&]sort=email&dir=desc/);
    await expect(sort).toBeFocused();
    expect(requests.filter((u) => !/sort=email&dir=desc/.test(u))).toEqual([]);
    await page.goBack();
    await expect(page).toHaveURL(/\/users\?q=lou$/);
    await expect(sort).toHaveValue('name:asc');
  });

  test('Next, a sort header and a removed filter chip leave focus on the list, never the page body', async ({ page, login }) => {
    await page.setViewportSize(WIDE);
    await login.signInAs('admin');
    await page.goto('/users?q=pagefill');
    // Hydrated first: a link pressed before that is a full page load, which starts at the top anyway.
    await page.waitForLoadState('networkidle');
    await page.getByRole('link', { name: 'Next' }).focus();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/after=/);
    await expect.poll(() => focusIsOnResultsSummary(page)).toBe(true);

    // The header is replaced with the table: focus goes to the same header's link in the new one.
    const email = page.getByRole('columnheader', { name: /^Email/ });
    await email.getByRole('link').focus();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/sort=email/);
    await expect(email).toHaveAttribute('aria-sort', 'ascending');
    await expect(email.getByRole('link')).toBeFocused();

    await page.goto('/users?q=pagefill&status=active');
    await page.waitForLoadState('networkidle');
    await page.getByRole('link', { name: 'Remove filter Status: Active' }).focus();
    await page.keyboard.press('Enter');
    await expect(page).not.toHaveURL(/status=/);
    await expect.poll(() => focusIsOnResultsSummary(page)).toBe(true);
  });

  test('a profile\'s link back to Users, and Add\'s Cancel, return to the list as it was left: search, sort and page', async ({ page, login }) => {
    await page.setViewportSize(WIDE);
    await login.signInAs('admin');
    await page.goto('/users?q=pagefill&sort=email&dir=desc');
    await page.waitForLoadState('networkidle');
    await page.getByRole('link', { name: 'Next' }).click();
    await expect(page).toHaveURL(/after=/);
    const list = page.url();
    await page.getByRole('table').getByRole('row').nth(1).getByRole('link').first().click();
    await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}$/);
    const back = page.getByRole('main').getByRole('link', { name: 'Users', exact: true });
    await expect(back).toHaveAttribute('href', list.slice(new URL(list).origin.length));
    await back.click();
    await expect(page).toHaveURL(list);
    await expect(page.getByRole('searchbox', { name: 'Search' })).toHaveValue('pagefill');

    // Add, then Cancel: the same list again.
    await page.getByRole('link', { name: 'Add', exact: true }).click();
    await expect(page).toHaveURL(/\/users\/new$/);
    await page.getByRole('link', { name: 'Cancel' }).click();
    await expect(page).toHaveURL(list);
  });
});

test.describe('Bulk actions and export', () => {
  test('the page\'s select box shows a partly selected page as mixed, at both widths', async ({ page, login }) => {
    await login.signInAs('admin');
    await page.goto('/users?q=pagefill');
    const mixed = (box: Locator) => box.evaluate((input: HTMLInputElement) => input.indeterminate);
    for (const size of [WIDE, PHONE]) {
      await page.setViewportSize(size);
      const pageBox = page.getByRole('checkbox', { name: 'Select every user on this page' }).filter({ visible: true });
      const rowBox = page.getByRole('checkbox', { name: 'Select Filler01 Pagefill' }).filter({ visible: true });
      expect(await mixed(pageBox)).toBe(false);
      await rowBox.check();
      await expect.poll(() => mixed(pageBox)).toBe(true);
      // Choosing it selects the rest of the page; clearing the page leaves it plain again.
      await pageBox.click();
      const clearBox = page.getByRole('checkbox', { name: 'Clear the selection of this page' }).filter({ visible: true });
      await expect(clearBox).toBeChecked();
      expect(await mixed(clearBox)).toBe(false);
      await clearBox.click();
      await expect(pageBox).not.toBeChecked();
      expect(await mixed(pageBox)).toBe(false);
    }
  });

  test('bulk Change role on a selection, and Ban on all users matching the filters, confirmed with the count', async ({ page, login }) => {
    await login.signInAs('admin');
    const tag = `grp${run}`;
    for (const name of ['Anna', 'Bert', 'Cleo']) await addUser(page, name, `Groupmate${run}`, `${name.toLowerCase()}.${tag}@acme.test`);

    await page.goto(`/users?q=${tag}`);
    await expect(page.locator('table tbody tr')).toHaveCount(3);
    await page.getByRole('checkbox', { name: `Select Anna Groupmate${run}` }).check();
    await page.getByRole('checkbox', { name: `Select Bert Groupmate${run}` }).check();
    await expect(page.getByText('2 selected')).toBeVisible();
    await page.getByRole('button', { name: 'Actions', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Change role…' }).click();
    const roleDialog = page.getByRole('dialog', { name: 'Change the role of 2 users?' });
    await roleDialog.getByRole('combobox', { name: 'New role' }).click();
    await page.getByRole('option', { name: 'Account Manager' }).click();
    await roleDialog.getByRole('button', { name: 'Change role of 2 users' }).click();
    // The toast announces the result without taking focus; the selection (and its Actions button) is
    // gone, so focus goes to the results summary rather than the page body.
    await expect(page.getByRole('status').filter({ hasText: '2 users given the new role.' })).toBeVisible();
    await expect.poll(() => focusIsOnResultsSummary(page)).toBe(true);
    await expect(page.locator('table tbody tr').filter({ hasText: 'Account Manager' })).toHaveCount(2);

    // Select the page, then everyone matching (here the page holds them all, so use a filter of one page).
    await page.getByRole('checkbox', { name: 'Select every user on this page' }).check();
    await page.getByRole('button', { name: 'Actions', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Ban…' }).click();
    const banDialog = page.getByRole('dialog', { name: 'Ban 3 users?' });
    await banDialog.getByLabel('Reason').fill('Bulk test');
    await banDialog.getByRole('button', { name: 'Ban 3 users' }).click();
    await expect(page.getByRole('status').filter({ hasText: '3 users banned.' })).toBeVisible();
    await expect.poll(() => focusIsOnResultsSummary(page)).toBe(true);
    await expect(page.locator('table tbody tr').filter({ hasText: 'Banned' })).toHaveCount(3);
  });

  test('bulk Change role takes Administrators (in no environment of their own) back to a role of the environment the list shows', async ({ page, login }) => {
    await login.signInAs('admin');
    const tag = `stepdown${run}`;
    for (const name of ['Dora', 'Emil']) await addUser(page, name, `Stepdown${run}`, `${name.toLowerCase()}.${tag}@acme.test`);
    const changeRole = async (role: string) => {
      await page.goto(`/users?q=${tag}`);
      await page.getByRole('checkbox', { name: 'Select every user on this page' }).check();
      await page.getByRole('button', { name: 'Actions', exact: true }).click();
      await page.getByRole('menuitem', { name: 'Change role…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Change the role of 2 users?' });
      await dialog.getByRole('combobox', { name: 'New role' }).click();
      await page.getByRole('option', { name: role, exact: true }).click();
      await dialog.getByRole('button', { name: 'Change role of 2 users' }).click();
      await expect(page.getByRole('status').filter({ hasText: '2 users given the new role.' })).toBeVisible();
      await expect(page.locator('table tbody tr').filter({ hasText: role })).toHaveCount(2);
    };
    await changeRole('Administrator');
    await changeRole('Account Manager');
    await page.getByRole('link', { name: `Stepdown${run}, Dora` }).click();
    await expect(page.getByRole('checkbox', { name: 'Production' })).toBeChecked();
  });

  test('"select all N matching" acts on every match beyond the page, in one confirmed action', async ({ page, login }) => {
    await login.signInAs('admin');
    await page.goto('/users?q=pagefill');
    await expect(page.locator('[data-focus-fallback]')).toContainText('60 users match the filters');
    await expect(page.locator('table tbody tr')).toHaveCount(50);
    await page.getByRole('checkbox', { name: 'Select every user on this page' }).check();
    // The button goes with the choice: focus moves on to what to do with it, not to the page body.
    await page.getByRole('button', { name: 'Select all 60 matching' }).press('Enter');
    await expect(page.getByText('All 60 users matching selected')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Actions', exact: true })).toBeFocused();
    await page.getByRole('button', { name: 'Actions', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Add to environment…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add all 60 users matching the filters to an environment?' });
    await dialog.getByRole('button', { name: 'Add 60 users' }).click();
    await expect(dialog.getByRole('alert')).toHaveText('Choose an environment.');
    await dialog.getByRole('combobox', { name: 'Environment' }).click();
    await page.getByRole('option', { name: 'Sandbox' }).click();
    await dialog.getByRole('button', { name: 'Add 60 users' }).click();
    await expect(page.getByRole('status').filter({ hasText: '60 users added to the environment.' })).toBeVisible();
    await expect.poll(() => focusIsOnResultsSummary(page)).toBe(true);
    await page.goto('/users?q=pagefill&sort=email&dir=desc');
    await expect(page.locator('table tbody tr').first()).toContainText('pagefill.59@acme.test');
    await expect(page.locator('table tbody tr').first()).toContainText('Production, Sandbox');
  });

  test('CSV export of a filtered view, with formula-looking values neutralised', async ({ page, login }) => {
    await login.signInAs('admin');
    const tag = `csv${run}`;
    await addUser(page, '=HYPERLINK', `Csvtest${run}`, `hyper.${tag}@acme.test`);
    await addUser(page, 'Plain', `Csvtest${run}`, `plain.${tag}@acme.test`);
    await page.goto(`/users?q=${tag}`);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const file = await download;
    const text = await (await file.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString('utf8'));
    const lines = text.trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(text).toContain(`"'=HYPERLINK"`);
    expect(text).toContain(`plain.${tag}@acme.test`);
    expect(text).not.toContain('ada.admin@acme.test');

    // Signed out: refused (the proxy sends the browser to sign in; the route itself answers 401).
    const stranger = await page.context().browser()!.newContext();
    const anonymous = await stranger.request.get(new URL(`/users/export?q=${tag}`, page.url()).toString(), { maxRedirects: 0 });
    expect([401, 307]).toContain(anonymous.status());
    expect(await anonymous.text()).not.toContain('"Email"');
    await stranger.close();
  });
});

test.describe('Locked Users', () => {
  test('search, count, keyboard Unlock of the last row: focus on the results summary, axe at both widths', async ({ page, login }) => {
    await login.signInAs('admin');
    const email = 'lou.one@acme.test';
    await page.goto('/users/locked?q=lou.one');
    // The tab has a search box and no filters, and says so.
    await expect(page.locator('[data-focus-fallback]')).toContainText('1 locked user matches the search');
    await expect(page.getByRole('link', { name: /Locked Users/ })).toContainText(/\d/);
    await expectAccessibleAtBothWidths(page, 'locked users');
    // On a phone the card says since when and why, and offers Unlock and Reset at hand.
    await page.setViewportSize(PHONE);
    const card = page.getByRole('list', { name: 'Locked users' }).getByRole('listitem').first();
    await expect(card).toContainText('Locked since');
    await expect(card.getByRole('button', { name: `Unlock ${email}` })).toBeVisible();
    await expect(card.getByRole('button', { name: `Reset ${email}` })).toBeVisible();
    await page.setViewportSize(WIDE);
    const unlock = page.getByRole('button', { name: `Unlock ${email}` });
    await unlock.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: `Unlock ${email}?` }).getByRole('button', { name: 'Unlock' }).press('Enter');
    await expect(page.getByRole('status').filter({ hasText: '1 user unlocked.' })).toBeVisible();
    await expect(page.getByRole('button', { name: `Unlock ${email}` })).toHaveCount(0);
    await expect.poll(() => focusIsOnResultsSummary(page)).toBe(true);
    await expect(page.locator('[data-focus-fallback]')).toContainText('0 locked users match the search');
    await expect(page.getByRole('link', { name: 'Clear search', exact: true })).toHaveAttribute('href', /^\/users\/locked(\?|$)/);
  });

  test('after a row action focus stays in the table: the opener, else the same action on the next row; never the toast', async ({ page, login }) => {
    await login.signInAs('manager');
    await page.goto('/users/locked?q=lou.t&sort=name&dir=asc');
    const rows = page.locator('table tbody tr');
    await expect(rows).toHaveCount(2);
    const [first, second] = [(await rows.nth(0).innerText()).match(/lou\.\w+@acme\.test/)![0], (await rows.nth(1).innerText()).match(/lou\.\w+@acme\.test/)![0]];

    // Reset for one user speaks of one user; Cancel returns focus to the opener.
    await page.getByRole('button', { name: `Reset ${first}` }).focus();
    await page.keyboard.press('Enter');
    const reset = page.getByRole('dialog', { name: `Reset ${first}?` });
    await expect(reset).toContainText('They get an email with a link');
    await expect(reset).not.toContainText('Each gets');
    await page.keyboard.press('Escape');
    await expect(page.getByRole('button', { name: `Reset ${first}` })).toBeFocused();

    // Unlock the first row: it leaves the list, and focus goes to the next row's Unlock.
    await page.getByRole('button', { name: `Unlock ${first}` }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: `Unlock ${first}?` }).getByRole('button', { name: 'Unlock' }).press('Enter');
    await expect(page.getByRole('status').filter({ hasText: '1 user unlocked.' })).toBeVisible();
    await expect(rows).toHaveCount(1);
    await expect(page.getByRole('button', { name: `Unlock ${second}` })).toBeFocused();
    await expect(page.getByTestId('toast').getByRole('button', { name: 'Dismiss notification' })).not.toBeFocused();
  });

  test('once confirmed, an action cannot be cancelled: the dialog says it goes on, may be closed, and the result still comes', async ({ page, login }) => {
    await login.signInAs('admin');
    const email = 'lou.five@acme.test';
    await page.goto('/users/locked?q=lou.five');
    // The action's request held, as thousands of users hold it for minutes.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/users/locked?**', async (route) => {
      if (route.request().method() === 'POST') await held;
      await route.continue();
    });
    await page.getByRole('button', { name: `Unlock ${email}` }).click();
    const dialog = page.getByRole('dialog', { name: `Unlock ${email}?` });
    await dialog.getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect(dialog.getByRole('status')).toHaveText(/closing this does not stop it/);
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toHaveCount(0);
    await dialog.getByRole('button', { name: 'Close' }).press('Enter');
    await expect(dialog).toHaveCount(0);
    expect(await focusIsOnBody(page)).toBe(false);
    release();
    await expect(page.getByRole('status').filter({ hasText: '1 user unlocked.' })).toBeVisible();
    await expect(page.getByRole('button', { name: `Unlock ${email}` })).toHaveCount(0);
    await expect.poll(() => focusIsOnResultsSummary(page)).toBe(true);
  });
});

test.describe('Accessibility of every Users screen at both widths', () => {
  test('All Users, Add user (with errors), Locked Users, as an Administrator and an Account Manager', async ({ page, login }) => {
    test.setTimeout(240_000);
    await login.signInAs('admin');
    await page.goto('/users');
    await expectAccessibleAtBothWidths(page, 'all users');
    await page.goto('/users?status=active&idle=30');
    await expectAccessibleAtBothWidths(page, 'all users filtered');
    await page.goto('/users/new');
    await expectAccessibleAtBothWidths(page, 'add user');
    await page.getByRole('button', { name: 'Add user and send invitation' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Check the highlighted fields' })).toBeFocused();
    await expectAccessibleAtBothWidths(page, 'add user with errors');
    await page.getByRole('button', { name: /Account menu/ }).click();
    await expectNoAxeViolations(page, 'account menu open');
    await page.keyboard.press('Escape');

    await page.context().clearCookies();
    await login.signInAs('manager');
    await page.goto('/users');
    await expectAccessibleAtBothWidths(page, 'all users as manager');
    await page.goto('/users/locked');
    await expectAccessibleAtBothWidths(page, 'locked users as manager');
  });
});
