// Invitation and reset links: 256-bit random tokens, stored only as SHA-256 hashes, single-use, expiring.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { securitySettings, users, userTokens } from '@/db/schema';
import { cancelLinkMail } from '@/lib/mail/outbox';

export type TokenPurpose = 'invitation' | 'reset';

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** Every unused link of the user stops working, and the messages still waiting to carry one are cancelled. */
export async function revokeTokens(q: Queryable, userIds: string | readonly string[]): Promise<void> {
  if (typeof userIds !== 'string' && userIds.length === 0) return;
  await q
    .update(userTokens)
    .set({ consumedAt: sql`now()` })
    .where(and(typeof userIds === 'string' ? eq(userTokens.userId, userIds) : sql`${userTokens.userId} = any(${`{${userIds.join(',')}}`}::uuid[])`, isNull(userTokens.consumedAt)));
  await cancelLinkMail(q, userIds);
}

/** Issues a new link for the user; any earlier unused link of theirs stops working. */
export async function issueToken(q: Queryable, userId: string, purpose: TokenPurpose, lifetimeMs: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await revokeTokens(q, userId);
  // Timed by the database's clock, which checks it (usable): by this server's, a clock behind sent dead links.
  await q
    .insert(userTokens)
    .values({ userId, purpose, tokenHash: hashToken(token), expiresAt: sql`now() + make_interval(secs => ${lifetimeMs / 1000}::double precision)` });
  return token;
}

// A link works until the earlier of its own expiry and its age reaching the lifetime set now: an
// Administrator who shortens a lifetime shortens the links already sent too (lengthening it does not
// revive or extend them).
const lifetimeNow = sql`(select case when ${userTokens.purpose} = 'invitation' then make_interval(days => ${securitySettings.invitationLifetimeDays}) else make_interval(mins => ${securitySettings.resetLifetimeMinutes}) end from ${securitySettings} limit 1)`;
// Only for an account a password can be set on (invited or active): one locked by wrong passwords
// since the link was sent keeps its link, but the page must not offer a form that then refuses it.
const accountOpen = sql`exists (select 1 from ${users} where ${users.id} = ${userTokens.userId} and ${users.status} in ('invited', 'active'))`;
const usable = (hash: string) =>
  and(eq(userTokens.tokenHash, hash), isNull(userTokens.consumedAt), gt(userTokens.expiresAt, sql`now()`), sql`${userTokens.createdAt} > now() - ${lifetimeNow}`, accountOpen);

// The lookup is by hash, so timing reveals nothing of the token; the final comparison is constant-time anyway.
const matches = (stored: string, hash: string) => timingSafeEqual(Buffer.from(stored, 'hex'), Buffer.from(hash, 'hex'));

/** The unused, unexpired link the token belongs to, without using it up. */
export async function findToken(q: Queryable, token: string) {
  const hash = hashToken(token);
  const [row] = await q
    .select({ userId: userTokens.userId, purpose: userTokens.purpose, tokenHash: userTokens.tokenHash })
    .from(userTokens)
    .where(usable(hash))
    .limit(1);
  return row && matches(row.tokenHash, hash) ? { userId: row.userId, purpose: row.purpose } : null;
}

/** Uses the link up, atomically: of two concurrent uses, exactly one succeeds. */
export async function consumeToken(q: Queryable, token: string) {
  const hash = hashToken(token);
  const [row] = await q
    .update(userTokens)
    .set({ consumedAt: sql`now()` })
    .where(usable(hash))
    .returning({ userId: userTokens.userId, purpose: userTokens.purpose, tokenHash: userTokens.tokenHash });
  return row && matches(row.tokenHash, hash) ? { userId: row.userId, purpose: row.purpose } : null;
}
