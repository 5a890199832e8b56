import { test } from './fixtures';

const pages = ['/users', '/users?status=active&idle=30', '/users/locked', '/users/new', '/users/00000000-0000-4000-8000-000000000000'];
test('screenshots', async ({ page, login }) => {
  test.setTimeout(240_000);
  await login.signInAs('admin');
  const shoot = async (name: string) => {
    for (const [w, h] of [[1440, 900], [390, 844]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.waitForTimeout(300);
      await page.screenshot({ path: `/tmp/h8-shots/${name}-${w}.png` });
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  };
  for (const [i, url] of pages.entries()) {
    await page.goto(url);
    await shoot(`p${i}`);
  }
  await page.goto('/users?q=rosa');
  await page.getByRole('link', { name: 'Rollins, Rosa' }).click();
  await page.waitForURL(/users\/[0-9a-f-]{36}/);
  await shoot('profile');
  await page.goto('/users?q=pagefill');
  await page.getByRole('checkbox', { name: 'Select every user on this page' }).check();
  await shoot('selected');
  await page.getByRole('button', { name: /Select all .* matching/ }).click();
  await page.getByRole('button', { name: 'Actions' }).click();
  await shoot('actions-menu');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Actions' }).click();
  await page.getByRole('menuitem', { name: 'Ban…' }).click();
  await shoot('ban-dialog');
});
