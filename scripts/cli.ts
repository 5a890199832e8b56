// Shared by the command-line scripts: a failure the user can act on (the embedded database is in use,
// setup not done, a refusal from lib/) prints its message alone and exits with 1; anything else
// keeps its stack. The database client is closed either way, which releases the embedded database.
import { closeClient } from '@/db/client';
import { DatabaseInUseError } from '@/db/lock';
import { NotSetUpError } from '@/db/seed';
import { AppError } from '@/lib/errors';

export async function runCli(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (e) {
    if (e instanceof DatabaseInUseError || e instanceof NotSetUpError || e instanceof AppError || e instanceof UsageError) {
      console.error(e.message);
    } else {
      console.error(e);
    }
    process.exitCode = 1;
  } finally {
    await closeClient().catch(() => {});
  }
}

/** A wrong command-line argument: its message is shown alone. */
export class UsageError extends Error {}
