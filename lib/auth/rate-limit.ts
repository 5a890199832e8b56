// Fixed-window rate limits kept in PostgreSQL, so every app instance counts against the same budget.
import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { rateLimits } from '@/db/schema';
import { rows } from '@/lib/db-rows';

export type Limit = { limit: number; windowSeconds: number };

/** Failed sign-ins per client IP: enough for a team behind one NAT, too few to lock out many accounts. */
export const SIGN_IN_PER_IP: Limit = { limit: 50, windowSeconds: 15 * 60 };
/** Password-reset requests per client IP. */
export const RESET_REQUESTS_PER_IP: Limit = { limit: 10, windowSeconds: 15 * 60 };
/**
 * Reset emails per account, whoever asks and from wherever: each one voids the link before it, so
 * without this, many addresses could keep the owner's link dead and their inbox full. Three an hour
 * (the reset link's default lifetime) leaves the owner two more tries if a message goes astray.
 */
export const RESET_EMAILS_PER_ACCOUNT: Limit = { limit: 3, windowSeconds: 60 * 60 };

/**
 * SOAP requests per person signed in with their password (API users have their own per-key budget): a
 * token left in a script looping over ListUsers, which streams every user each time, must not hold the
 * database. As many as an API user's default.
 */
export const SOAP_REQUESTS_PER_PERSON: Limit = { limit: 600, windowSeconds: 60 };

/** Seconds until the key may try again, or 0 when it is within its budget. Does not count. */
export async function retryAfter(q: Queryable, key: string, { limit, windowSeconds }: Limit): Promise<number> {
  const [row] = await q.select().from(rateLimits).where(eq(rateLimits.key, key));
  if (!row || row.count < limit) return 0;
  const remaining = Math.ceil((row.windowStart.getTime() + windowSeconds * 1000 - Date.now()) / 1000);
  return Math.max(0, remaining);
}

/** Counts one hit in one atomic upsert; a window that has run out starts again at 1. */
export async function hit(q: Queryable, key: string, limit: Limit): Promise<number> {
  return (await spend(q, key, limit)).count;
}

/**
 * Takes one unit of the key's budget in one atomic statement and reports the count it reached, and the
 * window it was taken in (as text, to the microsecond, so refund finds the same window).
 */
export async function spend(q: Queryable, key: string, { windowSeconds }: Limit): Promise<{ count: number; window: string }> {
  const [row] = await rows<{ count: number; window: string }>(
    q,
    sql`insert into ${rateLimits} (key, window_start, count) values (${key}, now(), 1)
        on conflict (key) do update set
          count = case when ${rateLimits.windowStart} <= now() - make_interval(secs => ${windowSeconds}) then 1 else ${rateLimits.count} + 1 end,
          window_start = case when ${rateLimits.windowStart} <= now() - make_interval(secs => ${windowSeconds}) then now() else ${rateLimits.windowStart} end
        returning count, window_start::text as window`,
  );
  return { count: Number(row!.count), window: row!.window };
}

/** Gives back a unit spent in that window (nothing when the window has since started again). */
export async function refund(q: Queryable, key: string, window: string): Promise<void> {
  await q.execute(
    sql`update ${rateLimits} set count = greatest(${rateLimits.count} - 1, 0)
        where ${rateLimits.key} = ${key} and ${rateLimits.windowStart} = ${window}::timestamptz`,
  );
}

/** Counts a hit and reports whether it was within the budget (for requests that always count). */
export async function take(q: Queryable, key: string, limit: Limit): Promise<boolean> {
  return (await hit(q, key, limit)) <= limit.limit;
}
