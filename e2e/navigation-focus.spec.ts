// Focus after moving to another page: a form that redirects (Add user to the new profile, Check rows to
// the check) or a link in the phone menu (which closes as it is chosen) leaves focus on the new page's
// title, never on the page body, so the next Tab starts on that page, not at the top of the document.
// Also: the Users tabs read the same on each tab (the Locked Users count), and the import pages lead back.
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';

const run = Date.now().toString(36);
const focusedHeading = (page: Page) => page.evaluate(() => (document.activeElement?.tagName === 'H1' ? document.activeElement.textContent : null));

test.describe('Focus after navigation', () => {
  test('Add user: focus is on the new profile\'s title, and Tab goes on into the page', async ({ page, login }) => {
    await login.signInAs('admin');
    await page.goto('/users/new');
    await page.getByLabel('First name').fill('Nav');
    await page.getByLabel('Last name').fill('Focus');
    await page.getByLabel('Email').fill(`nav.focus.${run}@acme.test`);
    await page.getByRole('button', { name: 'Add user and send invitation' }).press('Enter');
    await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}/);
    await expect.poll(() => focusedHeading(page)).toMatch(/^Nav Focus/);
    await page.keyboard.press('Tab');
    // Past the title, into the profile's content (not back to the skip link at the top of the document).
    expect(await page.evaluate(() => !!document.activeElement?.closest('main'))).toBe(true);
  });

  test('Check rows: focus is on the check\'s title; the check leads back to all imports, and Import back to Users', async ({ page, login }) => {
    await login.signInAs('admin');
    await page.goto('/users/import');
    await expect(page.getByRole('main').getByRole('link', { name: 'Users', exact: true })).toHaveAttribute('href', '/users');
    await page.getByLabel('Row 1 First name').fill('Grid');
    await page.getByLabel('Row 1 Last name').fill('Focus');
    await page.getByLabel('Row 1 Email').fill(`grid.focus.${run}@acme.test`);
    await page.getByRole('button', { name: 'Check rows' }).press('Enter');
    await expect(page).toHaveURL(/\/users\/import\/[0-9a-f-]{36}/);
    await expect.poll(() => focusedHeading(page)).toBe('Check the import');
    await expect(page.getByRole('main').getByRole('link', { name: 'All imports' })).toHaveAttribute('href', '/users/import');
  });

  test('invitation link: a weak password focuses the error summary; once set, focus is on the portal page\'s title', async ({ page, login, browser }) => {
    await login.signInAs('admin');
    const email = `link.focus.${run}@acme.test`;
    await page.goto('/users/new');
    await page.getByLabel('First name').fill('Link');
    await page.getByLabel('Last name').fill('Focus');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Add user and send invitation' }).click();
    await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}/);
    await page.goto('/outbox');
    const message = page.getByRole('article', { name: new RegExp(`invited.* to ${email.replace(/\./g, '\\.')}`) }).first();
    await message.getByText('Show message').click();
    const link = (await message.getByRole('link', { name: /set-password\?token=/ }).getAttribute('href'))!;

    const context = await browser.newContext();
    const invited = await context.newPage();
    await invited.goto(link);
    // The page names the account the link is for, and hands it to password managers.
    await expect(invited.getByRole('main')).toContainText(`For ${email}.`);
    await expect(invited.locator('input[autocomplete="username"]')).toHaveValue(email);
    await invited.getByLabel('New password', { exact: true }).fill('short');
    await invited.getByLabel('Confirm new password').fill('short');
    await invited.getByLabel('Confirm new password').press('Enter');
    const summary = invited.getByRole('main').getByRole('alert');
    await expect(summary).toBeFocused();
    await summary.getByRole('link', { name: /^New password:/ }).click();
    await expect(invited.getByLabel('New password', { exact: true })).toBeFocused();
    await invited.getByLabel('New password', { exact: true }).fill('Quiet-Garden-Stone-77');
    await invited.getByLabel('Confirm new password').fill('Quiet-Garden-Stone-77');
    await invited.getByLabel('Confirm new password').press('Enter');
    await expect(invited).toHaveURL(/\/profile$/);
    await expect.poll(() => focusedHeading(invited)).toBe('My profile');
    await context.close();
  });

  test('phone menu: a chosen page takes focus on its title', async ({ page, login }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await login.signInAs('admin');
    await page.goto('/users');
    await page.getByRole('button', { name: 'Menu', exact: true }).press('Enter');
    await page.getByRole('link', { name: 'Audit log' }).press('Enter');
    await expect(page).toHaveURL(/\/audit$/);
    await expect.poll(() => focusedHeading(page)).toBe('Audit log');
  });
});

test('the Locked Users tab shows its count on the API Users tab too', async ({ page, login }) => {
  await login.signInAs('admin');
  await page.goto('/users/locked');
  const count = await page.getByRole('link', { name: /Locked Users/ }).textContent();
  expect(count).toMatch(/\d/);
  await page.goto('/users/api');
  await expect(page.getByRole('link', { name: /Locked Users/ })).toHaveText(count!);
});

test('removing a tag keeps focus in the tags: the next tag\'s Remove, then Add tag', async ({ page, login }) => {
  await login.signInAs('admin');
  await page.goto('/users/new');
  const add = page.getByRole('button', { name: 'Add tag' });
  await add.press('Enter');
  await expect(page.getByLabel('Tag 1 name')).toBeFocused();
  await page.keyboard.type('First');
  await add.press('Enter');
  await expect(page.getByLabel('Tag 2 name')).toBeFocused();
  await page.keyboard.type('Second');
  await page.getByRole('button', { name: 'Remove tag 1' }).press('Enter');
  await expect(page.getByLabel('Tag 1 name')).toHaveValue('Second');
  await expect(page.getByRole('button', { name: 'Remove tag 1' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByLabel('Tag 1 name')).toHaveCount(0);
  await expect(add).toBeFocused();
});

test('Shift+Tab back up a long page never leaves focus under the sticky header or the table\'s column headings', async ({ page, login }) => {
  // Up to 450 key presses, each followed by a look at the page: over a minute on a busy 2-core machine.
  test.slow();
  await login.signInAs('admin');
  // From the last control of a long page: the last user's Actions, the last security setting.
  for (const [width, height, path, last] of [
    [1440, 900, '/users', /^Actions for /],
    [390, 844, '/users', /^Actions for /],
    [390, 844, '/settings/security', /^Save settings$/],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.goto(path);
    await page.getByRole('button', { name: last }).filter({ visible: true }).last().focus();
    const covered: string[] = [];
    for (let i = 0; i < 150; i++) {
      await page.keyboard.press('Shift+Tab');
      // Whatever is drawn over the top edge of the focused control (its focus ring included).
      const cover = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body || !el.closest('main')) return 'left main';
        const box = el.getBoundingClientRect();
        const hit = document.elementFromPoint(box.left + Math.min(box.width / 2, 8), Math.max(0, box.top - 2) + 1);
        const over = hit?.closest('header, thead');
        return over && !over.contains(el) ? `${el.getAttribute('aria-label') ?? el.textContent?.trim()} under the ${over.tagName.toLowerCase()}` : null;
      });
      if (cover === 'left main') break;
      if (cover) covered.push(cover);
    }
    expect(covered, `${path} at ${width}`).toEqual([]);
  }
});

test('on a phone, a result message left at the bottom never covers the control Tab moves to, down to the page\'s last', async ({ page, login }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await login.signInAs('admin');
  await page.goto('/users/new');
  await page.getByLabel('First name').fill('Toast');
  await page.getByLabel('Last name').fill('Cover');
  await page.getByLabel('Email').fill(`toast.cover.${run}@acme.test`);
  await page.getByRole('button', { name: 'Add user and send invitation' }).click();
  await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}/);
  await expect(page.getByRole('status').filter({ hasText: 'was added' })).toBeVisible();
  await expect.poll(() => focusedHeading(page)).toMatch(/^Toast Cover/);
  const covered: string[] = [];
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    const where = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      if (el.closest('[data-testid="toast"]')) return 'toast';
      const box = el.getBoundingClientRect();
      const points = [[box.left + 4, box.top + 2], [box.left + 4, box.bottom - 2]];
      const under = points.some(([x, y]) => document.elementFromPoint(x!, y!)?.closest('[data-testid="toast"]'));
      return under ? `${el.getAttribute('aria-label') ?? el.id ?? el.textContent} under the message` : null;
    });
    if (where === 'toast') break;
    if (where) covered.push(where);
  }
  expect(covered).toEqual([]);
});

test('the Users tabs and the sidebar\'s links show their whole focus ring from the keyboard, not one cut off by the scrolling row or sidebar', async ({ page, login }) => {
  await login.signInAs('admin');
  // The ring (outline plus its offset) lies inside the nearest box that clips what sticks out of it.
  const ringFits = (target: Locator) =>
    target.evaluate((element) => {
      const style = getComputedStyle(element);
      if (style.outlineStyle === 'none') return 'no ring';
      const reach = parseFloat(style.outlineWidth) + parseFloat(style.outlineOffset);
      let clip = element.parentElement;
      while (clip && getComputedStyle(clip).overflowX === 'visible' && getComputedStyle(clip).overflowY === 'visible') clip = clip.parentElement;
      const ring = element.getBoundingClientRect();
      const box = (clip ?? document.documentElement).getBoundingClientRect();
      return ring.top - reach >= box.top && ring.bottom + reach <= box.bottom && ring.left - reach >= box.left && ring.right + reach <= box.right ? 'fits' : 'cut off';
    });
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 844 });
    await page.goto('/users');
    const tab = page.getByRole('link', { name: /Locked Users/ });
    await page.getByRole('link', { name: 'All Users' }).focus();
    await page.keyboard.press('Tab');
    await expect(tab).toBeFocused();
    expect(await ringFits(tab), `Locked Users tab at ${width}`).toBe('fits');
  }
  await page.setViewportSize({ width: 1440, height: 844 });
  await page.goto('/settings/security');
  const first = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' });
  await page.getByRole('link', { name: 'Userdesk' }).focus();
  await page.keyboard.press('Tab');
  await expect(first).toBeFocused();
  expect(await ringFits(first), 'the sidebar\'s first link').toBe('fits');
});

test('on a phone, the result of Save at the foot of Security settings does not cover Save, which keeps focus', async ({ page, login }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await login.signInAs('admin');
  await page.goto('/settings/security');
  const save = page.getByRole('button', { name: 'Save settings' });
  // Saved as it is (nothing changed): the message still comes, and nothing else here is touched.
  await save.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: 'Nothing changed.' })).toBeVisible();
  await expect(save).toBeFocused();
  await expect
    .poll(() =>
      save.evaluate((el) => {
        const box = el.getBoundingClientRect();
        return [[box.left + 4, box.top + 2], [box.right - 4, box.bottom - 2]].some(([x, y]) => document.elementFromPoint(x!, y!)?.closest('[data-testid="toast"]'));
      }),
    )
    .toBe(false);
});
