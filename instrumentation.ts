// Runs once when a server starts: check the configuration, bring the database schema up to date,
// and start the background jobs (inactivity, mail delivery).
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { assertProductionConfig } = await import('./lib/env');
  assertProductionConfig();
  // The operator's choice of client-address source (README, "Client address"), stated once per start.
  const { clientAddressSource } = await import('./lib/request');
  const source = clientAddressSource();
  (source.ok ? console.log : console.error)(source.message);
  const { runMigrations } = await import('./db/migrate');
  await runMigrations();
  const [{ getClient }, { startBackgroundJobs }, { env }] = await Promise.all([
    import('./db/client'),
    import('./lib/jobs/schedule'),
    import('./lib/env'),
  ]);
  startBackgroundJobs(getClient().db, env);
}
