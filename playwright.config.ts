import { defineConfig, devices } from '@playwright/test';
import { existsSync } from 'node:fs';
import net from 'node:net';

// Two servers on free ports: one fresh (first-run setup), one seeded with the accounts of e2e/accounts.ts.
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
process.env.E2E_FRESH_PORT ??= String(await freePort());
process.env.E2E_SEEDED_PORT ??= String(await freePort());
const fresh = `http://127.0.0.1:${process.env.E2E_FRESH_PORT}`;
const seeded = `http://127.0.0.1:${process.env.E2E_SEEDED_PORT}`;

const chromium = '/usr/bin/chromium';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: 'reports/e2e.json' }]],
  use: {
    trace: 'retain-on-failure',
    ...devices['Desktop Chrome'],
    launchOptions: {
      executablePath: existsSync(chromium) ? chromium : undefined,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [
    { name: 'first-run', testMatch: 'setup.spec.ts', use: { baseURL: fresh } },
    { name: 'portal', testIgnore: 'setup.spec.ts', use: { baseURL: seeded } },
  ],
  webServer: [
    {
      command: 'tsx scripts/e2e-server.ts',
      url: `${fresh}/login`,
      env: { PORT: process.env.E2E_FRESH_PORT },
      timeout: 120_000,
      reuseExistingServer: false,
      // SIGTERM, so e2e-server.ts stops the server and drops the database it made (a kill left it behind).
      gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
    },
    {
      command: 'tsx scripts/e2e-server.ts --seed',
      url: `${seeded}/login`,
      env: { PORT: process.env.E2E_SEEDED_PORT },
      timeout: 120_000,
      reuseExistingServer: false,
      // SIGTERM, so e2e-server.ts stops the server and drops the database it made (a kill left it behind).
      gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
    },
  ],
});
