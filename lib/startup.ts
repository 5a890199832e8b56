// What a server does once when it starts (instrumentation.ts calls it, in the Node.js runtime only):
// check the configuration, bring the database schema up to date, and start the background jobs
// (inactivity, mail delivery). Kept out of instrumentation.ts, which Next.js also compiles for the Edge
// runtime, where process.exit does not exist.
export async function startServer() {
  const { assertProductionConfig } = await import('@/lib/env');
  assertProductionConfig();
  // The operator's choice of client-address source (README, "Client address"), stated once per start.
  const { clientAddressSource } = await import('@/lib/request');
  const source = clientAddressSource();
  (source.ok ? console.log : console.error)(source.message);
  const { runMigrations } = await import('@/db/migrate');
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
    import('@/db/client'),
    import('@/lib/jobs/schedule'),
    import('@/lib/env'),
  ]);
  startBackgroundJobs(getClient().db, env);
}
