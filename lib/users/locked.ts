// The Locked Users tab: who is locked out of the current environment, and why.
import { and, desc, eq } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { roles, users } from '@/db/schema';
import type { Principal } from '@/lib/auth/principal';
import { inEnvironment } from './list';
import { visibleTo } from './scope';

export const LOCKED_PAGE_SIZE = 200;

export async function listLockedUsers(q: Queryable, principal: Principal, environmentId: string) {
  return q
    .select({
      id: users.id,
      email: users.email,
      firstName: users.firstName,
      lastName: users.lastName,
      lockReason: users.lockReason,
      lockedAt: users.lockedAt,
      failedAttempts: users.failedAttempts,
    })
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(and(eq(users.status, 'locked'), inEnvironment(environmentId), visibleTo(principal)))
    .orderBy(desc(users.lockedAt), desc(users.id))
    .limit(LOCKED_PAGE_SIZE);
}

export type LockedUser = Awaited<ReturnType<typeof listLockedUsers>>[number];
