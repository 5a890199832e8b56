// AuthenticationTokens of the SOAP service: 256-bit random values handed out by AuthenticateUser,
// stored only as SHA-256 hashes, valid for SOAP_TOKEN_MINUTES and only while the user's session version
// is unchanged (a lock, ban, inactivation, role or password change ends them, as it ends portal sessions).
import { randomBytes } from 'node:crypto';
import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { soapSessions } from '@/db/schema';
import { loadSessionUser, type SessionUser } from '@/lib/auth/session';
import { hashToken } from '@/lib/auth/tokens';

export const SOAP_TOKEN_MINUTES = 60;

export async function issueSoapToken(q: Queryable, user: { id: string; sessionVersion: number }): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  // Expired tokens are swept as new ones are issued, so the table stays small without a job.
  await q.delete(soapSessions).where(lt(soapSessions.expiresAt, sql`now() - interval '1 day'`));
  // Timed by the database's clock, which resolveSoapToken checks it by: an app server's clock off by an
  // hour would otherwise hand out tokens already expired, or living twice as long.
  const [row] = await q
    .insert(soapSessions)
    .values({ tokenHash: hashToken(token), userId: user.id, sessionVersion: user.sessionVersion, expiresAt: sql`now() + make_interval(mins => ${SOAP_TOKEN_MINUTES})` })
    .returning({ expiresAt: soapSessions.expiresAt });
  return { token, expiresAt: row!.expiresAt };
}

/**
 * The user a token belongs to, re-checked against the database; null when unknown, expired or ended.
 * With `lock` (inside a change's transaction) the user is held as lib/action.ts holds a portal caller.
 */
export async function resolveSoapToken(q: Queryable, token: string, lock = false): Promise<SessionUser | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  // Looked up by its hash (a unique index): the token itself never reaches the database.
  const [row] = await q
    .select({ userId: soapSessions.userId, sessionVersion: soapSessions.sessionVersion })
    .from(soapSessions)
    .where(and(eq(soapSessions.tokenHash, hashToken(token)), gt(soapSessions.expiresAt, sql`now()`)))
    .limit(1);
  return row ? loadSessionUser(q, row.userId, row.sessionVersion, lock) : null;
}
