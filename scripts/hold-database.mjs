// `npm run dev` / `npm start` on the embedded database: take its one-process lock (db/lock.ts) before
// Next.js starts, on behalf of the server, so a second server or a seeder in another terminal is
// refused at once with who holds it, and this one is refused before it prints "Ready".
export async function holdEmbeddedDatabase() {
  if (process.env.DATABASE_URL) return;
  // tsx is a development dependency: where it is not installed, the server takes the lock itself
  // when it opens the database (db/client.ts), which is just as safe, only later.
  const tsx = await import('tsx/esm/api').catch(() => null);
  if (!tsx) return;
  const { acquireDatabaseLock, DatabaseInUseError } = await tsx.tsImport('../db/lock.ts', import.meta.url);
  try {
    acquireDatabaseLock(process.env.PGLITE_DIR || '.data/pglite', { forChild: true });
  } catch (e) {
    if (!(e instanceof DatabaseInUseError)) throw e;
    console.error(e.message);
    process.exit(1);
  }
}
