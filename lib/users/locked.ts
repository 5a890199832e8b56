// The Locked Users tab: the All Users machinery (search, keyset pages, bounded count) restricted to
// locked users, sorted by when they were locked (users_locked_idx) or by name.
import { z } from 'zod';
import type { Queryable } from '@/db/client';
import type { Principal } from '@/lib/auth/principal';
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

export type LockedUser = Awaited<ReturnType<typeof listLockedUsers>>['users'][number];
