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
  try {
    await runMigrations();
  } catch (error) {
    // Without its schema the portal can only answer errors: stop, and say why, rather than serve them.
    console.error(
      `Userdesk will not start: the database could not be brought up to date (${error instanceof Error ? error.message : String(error)}). Check DATABASE_URL and that the database is reachable.`,
    );
    process.exit(1);
  }
  const [{ getClient }, { startBackgroundJobs }, { env }] = await Promise.all([
    import('./db/client'),
    import('./lib/jobs/schedule'),
    import('./lib/env'),
  ]);
  startBackgroundJobs(getClient().db, env);
}

/**
 * Every error a request hits, logged with the reference the error page shows (Next's digest), so an
 * operator can find the cause from what the user reads out.
 */
export function onRequestError(error: unknown, request: { path: string; method: string }) {
  const digest = (error as { digest?: string }).digest;
  console.error(`[userdesk] error reference ${digest ?? 'none'} on ${request.method} ${request.path}:`, error);
}
