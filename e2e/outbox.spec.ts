import { expect, expectAccessible, test } from './fixtures';

test.describe('Outbox', () => {
  test('shows the queue; links only what the portal wrote; cancels and sends again', async ({ page, login }) => {
    const email = `outbox.${Date.now()}@acme.test`;
    await login.signInAs('admin');
    // A user whose first name is a URL: the invitation greets them by it, as text.
    await page.goto('/users/new');
    await page.getByLabel('First name').fill('https://evil.example/login');
    await page.getByLabel('Last name').fill('Linkname');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Add user and send invitation' }).click();
    // The one-time ?added=1 is dropped from the address once the notice shows.
    await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}(\?added=1)?$/);

    await page.goto('/outbox');
    await expect(page.getByRole('heading', { level: 1, name: 'Outbox' })).toBeVisible();
    const queue = page.getByRole('region', { name: 'Queue' });
    await expect(queue.getByText('Waiting', { exact: true })).toBeVisible();
    await expect(queue.getByText('Send rate, last minute')).toBeVisible();
    const message = page.getByRole('article', { name: new RegExp(`invited.* to ${email.replace(/\./g, '\\.')}`) });
    await message.getByText('Show message').click();
    await expect(message).toContainText('Hello https://evil.example/login,');
    await expect(message.getByRole('link')).toHaveCount(1);
    await expect(message.getByRole('link')).toHaveAttribute('href', /^http:\/\/127\.0\.0\.1:\d+\/set-password\?token=/);
    await expectAccessible(page);

    // From the keyboard: focus stays on the button, which turns into the way back.
    await message.getByRole('button', { name: /^Cancel / }).focus();
    await page.keyboard.press('Enter');
    await expect(message.getByText(/is cancelled and will not be sent\./)).toBeVisible();
    await expect(message.getByText('Cancelled', { exact: true })).toBeVisible();
    await expect(message.getByRole('button', { name: /^Send again/ })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(message.getByText(/will be sent again\./)).toBeVisible();
    await expect(message.getByText('Waiting', { exact: true })).toBeVisible();
    await expect(message.getByRole('button', { name: /^Cancel / })).toBeFocused();
  });

  test('Waiting only: a message cancelled from the keyboard leaves the list; the result is announced and focus goes to the next message\'s Cancel', async ({ page, login }) => {
    const stamp = Date.now().toString(36);
    await login.signInAs('admin');
    for (const name of ['first', 'second']) {
      await page.goto('/users/new');
      await page.getByLabel('First name').fill('Queue');
      await page.getByLabel('Last name').fill(name);
      await page.getByLabel('Email').fill(`queue.${name}.${stamp}@acme.test`);
      await page.getByRole('button', { name: 'Add user and send invitation' }).click();
      await expect(page).toHaveURL(/\/users\/[0-9a-f-]{36}/);
    }
    await page.goto('/outbox?status=pending');
    // Newest first: the second user's invitation, then the first's.
    const second = page.getByRole('article', { name: new RegExp(`to queue\\.second\\.${stamp}@`) });
    const first = page.getByRole('article', { name: new RegExp(`to queue\\.first\\.${stamp}@`) });
    await second.getByRole('button', { name: /^Cancel sending/ }).focus();
    await page.keyboard.press('Enter');
    await expect(second).toHaveCount(0);
    await expect(page.getByRole('status').filter({ hasText: `to queue.second.${stamp}@acme.test is cancelled and will not be sent.` })).toBeVisible();
    await expect(first.getByRole('button', { name: /^Cancel sending/ })).toBeFocused();
    // Put both back in the queue as they were.
    await page.keyboard.press('Enter');
    await expect(first).toHaveCount(0);
    await page.goto('/outbox');
    for (const who of [first, second]) {
      await who.getByRole('button', { name: /^Send again/ }).click();
      await expect(who.getByText('Waiting', { exact: true })).toBeVisible();
    }
  });

  test('an empty status filter says what would show there and leads back to every message', async ({ page, login }) => {
    await login.signInAs('admin');
    // The browser-test server has no SMTP_URL: nothing is ever sent, so Sent is empty.
    await page.goto('/outbox?status=sent');
    const main = page.getByRole('main');
    await expect(main.getByText('No sent messages')).toBeVisible();
    await expect(main.getByText('Nothing is sent while mail is not configured on the server: messages stay under Waiting.')).toBeVisible();
    await main.getByRole('link', { name: 'Show all messages' }).click();
    await expect(page).toHaveURL(/\/outbox$/);
    await expect(page.getByRole('navigation', { name: 'Filter by status' }).getByRole('link', { name: 'All' })).toHaveAttribute('aria-current', 'page');
    await expectAccessible(page);
  });

  test('a garbage page link shows the newest messages with a note, never an error', async ({ page, login }) => {
    await login.signInAs('admin');
    for (const query of ['before=1_00000000-0000-0000-0000-000000000000', 'before=%00', 'before=2024-02-30T00:00:00.000000Z_00000000-0000-0000-0000-000000000000', 'status=nope', 'before=a&before=b']) {
      const response = await page.goto(`/outbox?${query}`);
      expect(response?.status(), query).toBe(200);
      await expect(page.getByRole('main').getByRole('status').first()).toContainText(/is not valid|not one the outbox knows/);
    }
  });
});

test('keyboard: Newest and Older messages put focus on the line that says which messages the page shows', async ({ page, login }) => {
  await login.signInAs('admin');
  const results = page.locator('#outbox-results');
  // A page far back in time (a cursor in the future shows every message): Newest goes away on the first page.
  await page.goto('/outbox?before=2100-01-01T00:00:00.000000Z_00000000-0000-0000-0000-000000000000');
  await page.getByRole('navigation', { name: 'Pagination' }).getByRole('link', { name: 'Newest' }).press('Enter');
  await expect(page).toHaveURL(/\/outbox$/);
  await expect(results).toBeFocused();
  await expect(results).toHaveText(/^(The newest )?\d+ messages?$/);
  await expect(page.locator(':focus-visible')).toHaveCount(1);
  await expectAccessible(page);
});
