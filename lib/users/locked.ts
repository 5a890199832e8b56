// The Locked Users tab: the All Users machinery (search, keyset pages, bounded count) restricted to
// locked users, sorted by when they were locked (users_locked_idx) or by name.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Queryable } from '@/db/client';
import type { Principal } from '@/lib/auth/principal';
import { rows } from '@/lib/db-rows';
import { countUsers, listFilter, listParamsSchema, listUsers, type ListParams } from './list';

export const lockedParamsSchema = listParamsSchema.pick({ q: true, after: true, before: true }).extend({
  sort: z.enum(['lockedAt', 'name']).default('lockedAt').catch('lockedAt'),
  dir: z.enum(['asc', 'desc']).default('desc').catch('desc'),
});

export type LockedParams = z.infer<typeof lockedParamsSchema>;

/** The list parameters that mean "the locked users matching this search". */
export const asListParams = (params: LockedParams): ListParams => ({ ...params, status: 'locked' });

export function listLockedUsers(q: Queryable, principal: Principal, environmentId: string, params: LockedParams) {
  return listUsers(q, principal, environmentId, asListParams(params));
}

export function countLockedUsers(q: Queryable, principal: Principal, environmentId: string, params: Pick<LockedParams, 'q'> = {}, cap = 100_000) {
  return countUsers(q, listFilter(principal, environmentId, { q: params.q, status: 'locked' }), cap);
}

/**
 * When a page of locked users was read, by the database's clock (the one sign-in stamps locks with):
 * its "all N matching" then acts on the users locked by that time only (runBulk's `lockedBefore`).
 */
export async function lockedListReadAt(q: Queryable): Promise<string> {
  // Rounded up to the millisecond a Date holds, so a lock in the same millisecond as the read is in.
  const [row] = await rows<{ at: Date | string }>(q, sql`select date_trunc('milliseconds', clock_timestamp()) + interval '1 millisecond' as at`);
  return new Date(row!.at).toISOString();
}

export type LockedUser = Awaited<ReturnType<typeof listLockedUsers>>['users'][number];
