// Runs once when a server starts: check the configuration and bring the database schema up to date.
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { assertProductionConfig } = await import('./lib/env');
  assertProductionConfig();
  const { runMigrations } = await import('./db/migrate');
  await runMigrations();
}
