import { writeFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { expect, expectAccessible, signOut, test } from './fixtures';

const stamp = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

test.describe('Import', () => {
  test('lines typed and pasted with an empty row between: errors and skips name the grid\'s rows, the fix keeps them in place', async ({ page, login }) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    const tag = stamp();
    await login.signInAs('admin');
    await page.goto('/users');
    await page.getByRole('link', { name: 'Import' }).click();
    await expect(page).toHaveURL(/\/users\/import$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Import users' })).toBeVisible();
    await expectAccessible(page);

    const cell = (row: number, column: string) => page.getByLabel(`Row ${row} ${column}`, { exact: true });
    await cell(1, 'First name').fill('Grid');
    await page.keyboard.press('Tab');
    await expect(cell(1, 'Last name')).toBeFocused();
    await page.keyboard.type(`One${tag}`);
    await cell(1, 'Email').fill(`grid.one.${tag}@acme.test`);
    // Role offers the roles to choose from, the empty choice meaning User; the arrows change it in place.
    const role = cell(1, 'Role');
    await expect(role).toHaveValue('');
    await expect(role.getByRole('option', { name: 'User (default)' })).toHaveCount(1);
    await expect(role.getByRole('option', { name: 'Account Manager', exact: true })).toHaveCount(1);
    await role.focus();
    await page.keyboard.press('ArrowDown');
    await expect(role).not.toHaveValue('');
    await expect(role).toBeFocused();
    await role.selectOption('User');
    await page.keyboard.press('ArrowRight');
    await expect(cell(1, 'Environments')).toBeFocused();

    // Enter on the last row adds one: row 2 stays empty, and a block is pasted into rows 3-5.
    await cell(1, 'First name').focus();
    await page.keyboard.press('Enter');
    await expect(cell(2, 'First name')).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(cell(3, 'First name')).toBeFocused();
    const block = [`Grid\tThree${tag}\tgrid.three.${tag}@acme.test`, `Grid\tFour${tag}\tgrid.four.${tag}-at-acme.test`, `Mario\tManager\tmario.manager@acme.test`].join('\n');
    await cell(3, 'First name').evaluate((input, text) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, block);
    await expect(cell(5, 'Email')).toHaveValue('mario.manager@acme.test');
    await expect(cell(2, 'First name')).toHaveValue('');
    await page.getByRole('button', { name: 'Check rows' }).click();

    await expect(page).toHaveURL(/\/users\/import\/[0-9a-f-]{36}$/);
    await expect(page.getByRole('heading', { name: 'Rows with errors' })).toBeVisible();
    const errors = page.getByRole('table', { name: 'Rows with errors' });
    await expect(errors.getByRole('row')).toHaveCount(2);
    await expect(errors.getByRole('row', { name: /^4 Email/ })).toContainText('valid email');
    const skipped = page.getByRole('table', { name: 'Skipped rows' });
    await expect(skipped.getByRole('row', { name: /^5 mario\.manager@acme\.test/ })).toContainText('already exists');
    await expectAccessible(page);

    // The check report numbers rows as the page does.
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download the check report (.xlsx)' }).click();
    const report = new ExcelJS.Workbook();
    await report.xlsx.readFile(await (await download).path());
    const sheet = report.getWorksheet('Result')!;
    expect(sheet.getColumn(1).values.slice(1)).toEqual(['Grid row', 1, 3, 4, 5]);

    await page.getByRole('link', { name: 'Fix the rows in the grid' }).click();
    await expect(page.getByText('the row numbers are those of the error list')).toBeVisible();
    // Focus starts at the cell to fix, not at the page title a radio group and a button away from it.
    await expect(cell(4, 'Email')).toBeFocused();
    await expect(cell(2, 'First name')).toHaveValue('');
    await expect(cell(3, 'Last name')).toHaveValue(`Three${tag}`);
    await expect(cell(4, 'Email')).toHaveAttribute('aria-invalid', 'true');
    await cell(4, 'Email').fill(`grid.four.${tag}@acme.test`);
    await expect(cell(4, 'Email')).not.toHaveAttribute('aria-invalid');
    await page.getByRole('button', { name: 'Check rows' }).click();
    await expect(page.getByRole('heading', { name: 'Check the import' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Rows with errors' })).toHaveCount(0);

    await page.getByRole('button', { name: 'Import 3 users' }).click();
    await expect(page.getByText('Import finished: 3 created, 0 updated.')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole('table', { name: 'Skipped rows' }).getByRole('row', { name: /^5 mario\.manager@acme\.test/ })).toBeVisible();
    await page.goto(`/users?q=${tag}`);
    await expect(page.getByRole('row').filter({ hasText: `@acme.test` })).toHaveCount(3);
  });

  test('the arrow keys move on through the Email cell, filled or empty, as through every other cell', async ({ page, login }) => {
    await login.signInAs('admin');
    await page.goto('/users/import');
    const cell = (column: string) => page.getByLabel(`Row 1 ${column}`, { exact: true });
    await cell('Last name').focus();
    await page.keyboard.press('ArrowRight');
    await expect(cell('Email')).toBeFocused();
    await page.keyboard.press('ArrowRight');
    await expect(cell('Role')).toBeFocused();
    await page.keyboard.press('ArrowLeft');
    await expect(cell('Email')).toBeFocused();
    await page.keyboard.press('ArrowLeft');
    await expect(cell('Last name')).toBeFocused();
    // Typed in: the caret moves through the address first, then on to the next cell.
    await cell('Email').fill('ab@acme.test');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await expect(cell('Email')).toBeFocused();
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowRight');
    await expect(cell('Role')).toBeFocused();
    // A phone still gets its email keyboard.
    await expect(cell('Email')).toHaveAttribute('inputmode', 'email');
  });

  test('a grid wider than its frame (a laptop, a tablet) says that more columns are to the side, and scrolls from the keyboard', async ({ page, login }) => {
    await login.signInAs('admin');
    for (const width of [700, 1000, 1200]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/users/import');
      const grid = page.getByRole('region', { name: 'Users to import' });
      await expect(grid, `${width}: the grid is a named region`).toBeVisible();
      expect(await grid.evaluate((el) => el.scrollWidth > el.clientWidth), `${width}: wider than its frame`).toBe(true);
      await expect(page.getByText('More columns to the right'), `${width}: said on screen`).toBeVisible();
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), `${width}: the page does not scroll`).toBeLessThanOrEqual(0);
      // Reached by Tab, it scrolls with the arrow keys, and the hint follows.
      await page.getByRole('button', { name: 'Check rows' }).focus();
      await page.keyboard.press('Tab');
      await expect(grid).toBeFocused();
      const atEnd = () => grid.evaluate((el) => el.scrollLeft + el.clientWidth >= el.scrollWidth - 1);
      for (let i = 0; i < 40 && !(await atEnd()); i++) await page.keyboard.press('ArrowRight');
      expect(await atEnd(), `${width}: scrolled to the end`).toBe(true);
      await expect(page.getByText('More columns to the left')).toBeVisible();
      await expect(page.getByText('More columns to the right')).toHaveCount(0);
      await expectAccessible(page);
    }
    // Where it fits, nothing is said and there is no extra stop for Tab.
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto('/users/import');
    await expect(page.getByText(/More columns to the/)).toHaveCount(0);
    await page.getByRole('button', { name: 'Check rows' }).focus();
    await page.keyboard.press('Tab');
    await expect(page.getByLabel('Row 1 First name', { exact: true })).toBeFocused();
  });

  test('past imports show every column wherever they show a table, and cards where it would be cut off', async ({ page, login }) => {
    await login.signInAs('admin');
    await page.goto('/users/import');
    await page.getByLabel('Row 1 First name', { exact: true }).fill('Pim');
    await page.getByRole('button', { name: 'Check rows' }).click();
    await expect(page).toHaveURL(/\/users\/import\/[0-9a-f-]{36}$/);
    const table = page.getByRole('table', { name: 'Past imports' });
    const cards = page.getByRole('list', { name: 'Past imports' });
    let tables = 0;
    for (const width of [700, 1000, 1280, 1366, 1440, 1920]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/users/import');
      await expect(table.or(cards)).toBeVisible();
      if (await cards.isVisible()) {
        await expect(cards.getByRole('listitem').first()).toContainText(/\d+ rows? · \d+ created · \d+ updated · \d+ errors?/);
        continue;
      }
      tables++;
      const frame = table.locator('xpath=..');
      expect(await frame.evaluate((el) => el.scrollWidth - el.clientWidth), `${width}: no column cut off`).toBeLessThanOrEqual(0);
      await expect(table.getByRole('columnheader', { name: 'Errors' })).toBeInViewport();
    }
    expect(tables).toBeGreaterThanOrEqual(2);
  });

  test('a running import is read out at each tenth, not at every second\'s new count and time left', async ({ page, login }) => {
    const tag = stamp();
    await login.signInAs('admin');
    await page.goto('/users/import');
    await page.getByLabel('Row 1 First name').fill('Live');
    await page.getByLabel('Row 1 Last name').fill(`Region${tag}`);
    await page.getByLabel('Row 1 Email').fill(`live.region.${tag}@acme.test`);
    await page.getByRole('button', { name: 'Check rows' }).click();
    await expect(page).toHaveURL(/\/users\/import\/[0-9a-f-]{36}$/);
    await page.getByLabel('Email each new user an invitation').uncheck();

    // The bar's polls answer a long import moving on: 50, 60 ... 90 rows of 1,000, then 120.
    const done = [50, 60, 70, 80, 90, 120];
    const started = Date.now() - 60_000;
    let poll = 0;
    await page.route(/\/api\/import\/[0-9a-f-]{36}$/, (route) => {
      const rowsDone = done[Math.min(poll, done.length - 1)]!;
      poll++;
      return route.fulfill({
        json: { status: 'running', rowsDone, rowsToDo: 1000, startedAt: new Date(started).toISOString(), now: new Date(started + 60_000 + poll * 1000).toISOString(), cancelRequested: false },
      });
    });
    // What the live regions of the import's region say, each time it changes.
    const said: string[] = [];
    await page.exposeFunction('noteLiveText', (text: string) => {
      if (said.at(-1) !== text) said.push(text);
    });
    await page.evaluate(() => {
      new MutationObserver((records) => {
        for (const record of records) {
          const node = record.target instanceof Element ? record.target : record.target.parentElement;
          const live = node?.closest('#import-outcome [aria-live]');
          if (live?.textContent?.trim()) void (window as unknown as { noteLiveText: (t: string) => void }).noteLiveText(live.textContent.trim());
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });

    await page.getByRole('button', { name: 'Import 1 user' }).click();
    await expect(page.getByText('120 of 1,000 rows')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByText(/about \d+ (s|min) left/)).toBeVisible();
    expect(said.filter((text) => /rows|left/.test(text))).toEqual([]);
    expect(said.filter((text) => /imported/.test(text))).toEqual(['10% imported']);

    // Let the real import end.
    await page.unroute(/\/api\/import\/[0-9a-f-]{36}$/);
    await expect(page.getByText('Import finished: 1 created, 0 updated.')).toBeVisible({ timeout: 30_000 });
  });

  test('a file\'s rows fixed in the grid keep their file row numbers beside the grid\'s', async ({ page, login }, testInfo) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    const tag = stamp();
    const file = testInfo.outputPath('fix-me.csv');
    writeFileSync(file, `Email;First name;Last name;Role;Environments;Department\nfile.one.${tag}@acme.test;File;One;User;Production;Sales\n\nfile.two.${tag}-at-acme.test;File;Two;User;Production;Sales\n`);
    await login.signInAs('admin');
    await page.goto('/users/import');
    await page.getByLabel('Choose a file').setInputFiles(file);
    await expect(page).toHaveURL(/\/users\/import\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    await expect(page.getByRole('table', { name: 'Rows with errors' }).getByRole('row', { name: /^4 Email/ })).toBeVisible();
    // A column no field takes is named, so a misspelt one is not lost unnoticed.
    await expect(page.getByText(/^This column was not read: F “Department”\./)).toBeVisible();
    await page.getByRole('link', { name: 'Fix the rows in the grid' }).click();
    await expect(page.getByText('"File row" is each row\'s number in that file')).toBeVisible();
    const grid = page.getByRole('table', { name: 'Users to import, one per row' });
    await expect(grid.getByRole('columnheader', { name: 'File row' })).toBeVisible();
    await expect(grid.getByRole('row').nth(1).getByRole('cell').first()).toHaveText('2');
    await expect(grid.getByRole('row').nth(2).getByRole('cell').first()).toHaveText('4');
    await expect(page.getByLabel('Row 2 Email', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expectAccessible(page);
  });

  test('rows fixed in the grid are checked again with the choice made for existing users', async ({ page, login }, testInfo) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    const tag = stamp();
    const file = testInfo.outputPath('update-me.csv');
    writeFileSync(file, `First name,Last name,Email,Role\nUma,User,uma.user@acme.test,User\nNew,One,new.one.${tag}-at-acme.test,User\n`);
    await login.signInAs('admin');
    await page.goto('/users/import');
    await page.getByRole('radio', { name: /^Update the user/ }).check();
    await page.getByLabel('Choose a file').setInputFiles(file);
    await expect(page).toHaveURL(/\/users\/import\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    // New, Updates, Skipped, Errors.
    await expect(page.getByRole('definition')).toHaveText(['0', '1', '0', '1']);
    await page.getByRole('link', { name: 'Fix the rows in the grid' }).click();
    await expect(page.getByRole('radio', { name: /^Update the user/ })).toBeChecked();
    await page.getByLabel('Row 2 Email', { exact: true }).fill(`new.one.${tag}@acme.test`);
    await page.getByRole('button', { name: 'Check rows' }).click();
    await expect(page.getByRole('heading', { name: 'Check the import' })).toBeVisible();
    await expect(page.getByRole('definition')).toHaveText(['1', '1', '0', '0']);
  });

  test('an .xlsx with errors: preview, import the valid rows, progress, report', async ({ page, login }, testInfo) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    const tag = stamp();
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Users');
    sheet.addRow(['Given name', 'Surname', 'E-mail', 'Role', 'Environment', 'Tags']);
    for (let i = 0; i < 1500; i++) sheet.addRow(['Xl', `Sheet${tag}`, `xl.${i}.${tag}@acme.test`, 'User', 'Production', `batch=${tag}`]);
    sheet.addRow(['=1+2', `Sheet${tag}`, `xl.bad.${tag}@acme`, 'User', 'Production', '']);
    sheet.addRow(['Xl', `Sheet${tag}`, `xl.wiz.${tag}@acme.test`, 'Wizard', 'Production', '']);
    const file = testInfo.outputPath('users.xlsx');
    await workbook.xlsx.writeFile(file);

    await login.signInAs('admin');
    await page.goto('/users/import');
    await page.getByLabel('Choose a file').setInputFiles(file);
    await expect(page).toHaveURL(/\/users\/import\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    const counts = page.getByRole('definition');
    await expect(counts.nth(0)).toHaveText('1,500');
    await expect(counts.nth(3)).toHaveText('2');
    const errors = page.getByRole('table', { name: 'Rows with errors' });
    await expect(errors.getByRole('row', { name: /1502 Email/ })).toBeVisible();
    await expect(errors.getByRole('row', { name: /1503 Role/ })).toContainText('There is no role named "Wizard"');

    await page.getByLabel('Email each new user an invitation').uncheck();
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Import 1,500 users' }).click();
    // The bar shows while it runs (it may finish before the first poll), and the end survives a reload.
    await expect(page.getByRole('progressbar').or(page.getByText('Import finished'))).toBeVisible();
    // The button went with its form: focus is on the bar that replaced it, then on the outcome, never the body.
    const outcome = page.locator('#import-outcome');
    await expect.poll(() => outcome.evaluate((region) => region.contains(document.activeElement))).toBe(true);
    await expect(page.getByText('Import finished: 1,500 created, 0 updated.')).toBeVisible({ timeout: 60_000 });
    await expect(outcome).toBeFocused();
    await page.reload();
    await expect(page.getByText('Import finished: 1,500 created, 0 updated.')).toBeVisible();
    await expectAccessible(page);

    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download the result report (.xlsx)' }).click();
    expect((await download).suggestedFilename()).toMatch(/^import-result-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.xlsx$/);
    const path = await (await download).path();
    const report = new ExcelJS.Workbook();
    await report.xlsx.readFile(path);
    const result = report.getWorksheet('Result')!;
    expect(result.getRow(1).values).toEqual([undefined, 'Row', 'Given name', 'Surname', 'E-mail', 'Role', 'Environment', 'Tags', 'Outcome', 'Message']);
    expect(result.getRow(2).getCell(8).value).toBe('Created');
    expect(result.getRow(1502).getCell(2).value).toBe("'=1+2");
    expect(result.getRow(1502).getCell(8).value).toBe('Not imported');

    await page.goto('/users/import');
    await expect(page.getByRole('table', { name: 'Past imports' }).getByRole('row', { name: /users\.xlsx/ }).first()).toContainText('1,500');
  });

  test('a bad file gets a clear message and nothing is kept', async ({ page, login }, testInfo) => {
    const fake = testInfo.outputPath('people.xlsx');
    writeFileSync(fake, 'First name,Last name,Email,Role\nNo,Body,no.body@acme.test,User\n');
    const headerOnly = testInfo.outputPath('empty.csv');
    writeFileSync(headerOnly, 'First name;Last name;Email;Role\n');
    await login.signInAs('manager');
    await page.goto('/users/import');
    await page.getByLabel('Choose a file').setInputFiles(fake);
    await expect(page.getByRole('alert').filter({ hasText: 'This file is named .xlsx but is not an Excel workbook' })).toBeVisible();
    await page.getByLabel('Choose a file').setInputFiles(headerOnly);
    await expect(page.getByRole('alert').filter({ hasText: 'The file has a header row but no users' })).toBeVisible();
    await expect(page).toHaveURL(/\/users\/import$/);
    await expectAccessible(page);

    // The template: the grid's headers, and only the roles and environments this manager may use.
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download template' }).click();
    const template = new ExcelJS.Workbook();
    await template.xlsx.readFile(await (await download).path());
    expect(template.getWorksheet('Users')!.getRow(1).values).toEqual([undefined, 'First name', 'Last name', 'Email', 'Role', 'Environments', 'Tags']);
    const listed = template.getWorksheet('Roles and environments')!.getColumn(1).values.filter(Boolean);
    expect(listed).toContain('User');
    expect(listed).not.toContain('Administrator');
  });

  test('an Administrator opening someone else\'s checked file is told who can start its import', async ({ page, login }) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await login.signInAs('manager');
    const headers = { 'x-userdesk-upload': '1', 'content-type': 'application/octet-stream' };
    const upload = await page.request.post('/api/import?name=theirs.csv', { headers, data: `First name,Last name,Email,Role\nTheir,Row,their.row.${stamp()}@acme.test,User\n` });
    expect(upload.status()).toBe(201);
    const { id } = (await upload.json()) as { id: string };
    await signOut(page);
    await login.signInAs('admin');
    await page.goto(`/users/import/${id}`);
    await expect(page.getByRole('heading', { name: 'Check the import' })).toBeVisible();
    await expect(page.getByText('Only mario.manager@acme.test, who checked this file, can start its import.')).toBeVisible();
    await expect(page.getByRole('button', { name: /^Import/ })).toHaveCount(0);
    await expectAccessible(page);
  });

  test('the upload and report routes check the caller on the server', async ({ page, login, playwright, baseURL }) => {
    const anonymous = await playwright.request.newContext({ baseURL });
    const headers = { 'x-userdesk-upload': '1', 'content-type': 'application/octet-stream' };
    expect((await anonymous.post('/api/import?name=a.csv', { headers, data: 'First name\nA\n' })).status()).toBe(401);
    expect((await anonymous.get('/api/import/template')).status()).toBe(401);
    await anonymous.dispose();
    await login.signInAs('member');
    expect((await page.request.post('/api/import?name=a.csv', { headers, data: 'First name\nA\n' })).status()).toBe(403);
    expect((await page.request.get('/api/import/template')).status()).toBe(403);
    const forbidden = await page.goto('/users/import');
    expect(forbidden?.status()).toBe(403);
  });

  test('the import screens are accessible on a phone', async ({ page, login }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await login.signInAs('manager');
    await page.goto('/users/import');
    await expectAccessible(page);
    // The grid scrolls inside its frame; the page itself never scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.getByRole('textbox', { name: 'Row 1 First name', exact: true }).fill('Phone');
    // Long messages (the email hint, an environment's name) wrap inside the list of errors.
    await page.getByRole('textbox', { name: 'Row 1 Email', exact: true }).fill('odo-at-acme');
    await page.getByRole('combobox', { name: 'Row 1 Environments', exact: true }).fill('Somewhere-far-away');
    await page.getByRole('button', { name: 'Check rows' }).click();
    await expect(page).toHaveURL(/\/users\/import\/[0-9a-f-]{36}$/);
    await expect(page.getByRole('heading', { name: 'Rows with errors' })).toBeVisible();
    await expect(page.getByRole('table', { name: 'Rows with errors' })).toContainText('like name@example.com.');
    await expectAccessible(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const errorList = page.getByRole('table', { name: 'Rows with errors' });
    expect(await errorList.evaluate((table) => table.getBoundingClientRect().right)).toBeLessThanOrEqual(390 - 16);
    // A message's final period stays with the word before it, not alone on a line of its own.
    const problem = errorList.getByRole('row', { name: /Email/ }).getByRole('cell').last();
    expect(await problem.evaluate((cell) => {
      const texts: Text[] = [];
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) texts.push(walker.currentNode as Text);
      const last = texts.at(-1)!;
      const lineOf = (offset: number) => {
        const range = document.createRange();
        range.setStart(last, offset);
        range.setEnd(last, offset + 1);
        return range.getBoundingClientRect().top;
      };
      return lineOf(last.length - 1) === lineOf(last.length - 2);
    })).toBe(true);
    // A column's name stays whole: "Environments" on one line, not split into "Environ" and "ments".
    const column = errorList.getByRole('cell', { name: 'Environments', exact: true });
    expect(await column.evaluate((cell) => {
      const range = document.createRange();
      range.selectNodeContents(cell);
      return range.getClientRects().length;
    })).toBe(1);

    // Past imports are cards on a phone: each one whole on screen, its counts included.
    await page.goto('/users/import');
    const past = page.getByRole('list', { name: 'Past imports' }).getByRole('listitem').first();
    await expect(past).toContainText('Rows typed in the grid');
    // Each import's link says which one it is, not only "Rows typed in the grid".
    await expect(past.getByRole('link')).toHaveAccessibleName(/^Rows typed in the grid, \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    await expect(past).toContainText('1 row · 0 created · 0 updated · 1 error');
    await past.scrollIntoViewIfNeeded();
    await expect(past).toBeInViewport({ ratio: 1 });
    await expect(page.getByRole('table', { name: 'Past imports' })).toBeHidden();
    await expectAccessible(page);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });
});
