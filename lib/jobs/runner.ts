// What the background jobs that live as rows in PostgreSQL (bulk imports, bulk actions) share: a loop
// that claims and runs them until none is left, one loop per process at a time, started at once when
// a job is queued here and every few seconds otherwise (for jobs queued by another instance, and for
// those whose runner died).
import type { Db } from '@/db/client';

export function jobRunner<Claim>(what: string, claim: (db: Db) => Promise<Claim | null>, run: (db: Db, claimed: Claim) => Promise<unknown>) {
  let draining: Promise<void> | null = null;
  const drain = (db: Db): Promise<void> =>
    (draining ??= (async () => {
      try {
        for (let claimed = await claim(db); claimed; claimed = await claim(db)) await run(db, claimed);
      } catch (error) {
        console.error(`${what} runner failed:`, error);
      } finally {
        draining = null;
      }
    })());
  const start = (db: Db, everyMs = 3_000) => {
    setInterval(() => void drain(db), everyMs).unref();
    void drain(db);
  };
  return { drain, start };
}
