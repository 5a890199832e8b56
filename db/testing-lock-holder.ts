// For db/lock.test.ts: a process that holds an embedded database (PGLITE_DIR) until it is stopped.
// `--lock-only`: takes just the lock (no PGlite), prints LOCKED <pid> (and holds it until stopped) or
// REFUSED <pid> <message>.
// Otherwise opens the database, migrates, runs setup when `--setup`, prints READY <pid> and waits.
import { getClient } from './client';
import { acquireDatabaseLock, DatabaseInUseError } from './lock';
import { runMigrations } from './migrate';
import { setUpOrganization } from './testing';

const dir = process.env.PGLITE_DIR!;
if (process.argv.includes('--lock-only')) {
  try {
    acquireDatabaseLock(dir);
    console.log(`LOCKED ${process.pid}`);
    setInterval(() => {}, 60_000);
  } catch (e) {
    if (!(e instanceof DatabaseInUseError)) throw e;
    console.log(`REFUSED ${process.pid} ${e.message}`);
  }
} else {
  await runMigrations();
  if (process.argv.includes('--setup')) await setUpOrganization(getClient().db);
  console.log(`READY ${process.pid}`);
  setInterval(() => {}, 60_000);
}
