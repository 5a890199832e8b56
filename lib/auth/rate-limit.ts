// Rate limits kept in PostgreSQL, so every app instance counts against the same budget. Each is a
// leaky bucket (a sliding limit): `limit` units drain evenly over `windowSeconds`, so no stretch of that
// length lets through more than the limit and a burst. Fixed windows let a client spend the budget at the end
// of one window and again at the start of the next: twice the limit within a second.
import { sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { rateLimits } from '@/db/schema';
import { rows } from '@/lib/db-rows';

export type Limit = { limit: number; windowSeconds: number };

/** Failed sign-ins per client IP: enough for a team behind one NAT, too few to lock out many accounts. */
export const SIGN_IN_PER_IP: Limit = { limit: 50, windowSeconds: 15 * 60 };
/**
 * Failed sign-ins per account, from every address together: keyed by the email as typed (a hash of it,
 * lower-cased), so an unknown email is limited as a real one is and the limit tells nobody which exist.
 * An account locks at its threshold (10 at most by default) long before this; it is the brake for the
 * one account that is never locked, the last active Administrator, whom guesses from many addresses
 * could otherwise try about half a million times a day. 20 an hour: their owner, mistyping, is never held.
 */
export const SIGN_IN_PER_ACCOUNT: Limit = { limit: 20, windowSeconds: 60 * 60 };
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

/**
 * Batches of a SOAP ListUsers stream per caller (person or API user), after its first: the request is
 * charged once to the caller's request budget, but a listing then streams on, 500 users a batch, for as
 * long as the account has users. Ten at once from one caller would hold the database; over this budget
 * a stream waits for a unit, so a caller's listings together read at most 300,000 users a minute.
 */
export const SOAP_LIST_BATCHES_PER_CALLER: Limit = { limit: 600, windowSeconds: 60 };

/**
 * The bucket's arithmetic, in SQL so the database's clock decides, for a row holding `count` units as
 * of the instant `since`: what has drained since (one unit every windowSeconds / limit), the level
 * left, where `since` moves once that drain is applied, and the seconds until one more unit fits.
 */
export function bucket(count: SQL, since: SQL, limit: SQL | number, windowSeconds: number) {
  const perUnit = sql`(${windowSeconds}::numeric / ${limit})`;
  const drained = sql`least(${count}, greatest(0, floor(extract(epoch from now() - ${since}) / ${perUnit})))::int`;
  const level = sql`(${count} - ${drained})`;
  return {
    level,
    // An empty bucket starts again from now: time spent idle is no credit for a later burst.
    since: sql`case when ${level} = 0 then now() else ${since} + make_interval(secs => (${drained} * ${perUnit})::float8) end`,
    retry: sql`greatest(1, ceil(extract(epoch from ${since} + make_interval(secs => ((${drained} + ${level} - ${limit} + 1) * ${perUnit})::float8) - now())))::int`,
  };
}

/** Seconds until the key may try again, or 0 when it is within its budget. Does not count. */
export async function retryAfter(q: Queryable, key: string, { limit, windowSeconds }: Limit): Promise<number> {
  const b = bucket(sql`count`, sql`window_start`, limit, windowSeconds);
  const [row] = await rows<{ retry: number }>(q, sql`select case when ${b.level} < ${limit} then 0 else ${b.retry} end as retry from ${rateLimits} where key = ${key}`);
  return row ? Number(row.retry) : 0;
}

/**
 * Takes one unit of the key's budget in one atomic statement (the row is locked while it decides, so
 * concurrent requests on any number of instances never take more than the limit). Returns the level the
 * bucket reached; over the limit, nothing was taken (a client retrying while refused does not push its
 * turn further away, and no one can keep an account's budget spent by asking just under its rate).
 */
export async function spend(q: Queryable, key: string, { limit, windowSeconds }: Limit): Promise<{ count: number }> {
  const b = bucket(sql`r.count`, sql`r.window_start`, limit, windowSeconds);
  const [row] = await rows<{ count: number }>(
    q,
    sql`insert into ${rateLimits} as r (key, window_start, count) values (${key}, now(), 1)
        on conflict (key) do update set count = ${b.level} + 1, window_start = ${b.since}
        where ${b.level} < ${limit}
        returning count`,
  );
  return { count: row ? Number(row.count) : limit + 1 };
}

/** Counts one hit; returns the level reached (over the limit: refused, and not counted). */
export async function hit(q: Queryable, key: string, limit: Limit): Promise<number> {
  return (await spend(q, key, limit)).count;
}

/** Gives back a unit spent (a sign-in whose password was right): never below empty. */
export async function refund(q: Queryable, key: string): Promise<void> {
  await q.execute(sql`update ${rateLimits} set count = greatest(count - 1, 0) where key = ${key}`);
}

/** Counts a hit and reports whether it was within the budget (for requests that always count). */
export async function take(q: Queryable, key: string, limit: Limit): Promise<boolean> {
  return (await hit(q, key, limit)) <= limit.limit;
}
