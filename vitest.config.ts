import path from 'node:path';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;
const shared = {
  resolve: { alias: { '@': root, 'server-only': path.join(root, 'vitest.server-only.ts') } },
};
const base = {
  include: ['{lib,db,app,components,scripts}/**/*.test.ts'],
  setupFiles: ['vitest.setup.ts'],
  // Generous: a timeout is there to catch a hang, and this 2-core machine runs some files several times slower under load.
  testTimeout: 180_000,
  hookTimeout: 120_000,
};

// Every database test file runs on its own fresh, migrated database: PGlite in memory always,
// and PostgreSQL as well when TEST_DATABASE_URL is set.
export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: 'reports/unit.json' }]],
    maxWorkers: 2,
    projects: [
      // *.postgres.test.ts need a server several processes and sessions share (crash tests).
      { ...shared, test: { ...base, name: 'pglite', env: { VITEST_DB: 'pglite' }, exclude: ['**/*.postgres.test.ts', '**/node_modules/**'] } },
      ...(process.env.TEST_DATABASE_URL
        ? [{ ...shared, test: { ...base, name: 'postgres', env: { VITEST_DB: 'postgres' }, globalSetup: ['vitest.global-setup.ts'] } }]
        : []),
    ],
  },
});
