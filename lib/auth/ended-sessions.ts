// Portal sessions ended by signing out (db/schema.ts endedSessions): recorded by next-auth's signOut
// event (lib/auth/options.ts), refused by every read of the session, forgotten once expired.
import { lt, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { endedSessions } from '@/db/schema';

/** Records a session as ended until expiresAt (when its cookie stops working anyway). Twice is harmless. */
export async function recordEndedSession(q: Queryable, sessionId: string, expiresAt: Date) {
  await q.insert(endedSessions).values({ sessionId, expiresAt }).onConflictDoNothing();
}

/** Ended sessions past their expiry: their cookies are refused by the signature check anyway. */
export async function purgeEndedSessions(q: Queryable) {
  await q.delete(endedSessions).where(lt(endedSessions.expiresAt, sql`now()`));
}
