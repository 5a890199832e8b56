// A person's rights as they are now, read from the database: for work that outlives the request that
// started it (an import's batches, a bulk change's), which stops when its person is banned, locked,
// made inactive, reset or loses the permission, and narrows when their role or environments do.
import { eq, isNotNull } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { roles, userEnvironments, users } from '@/db/schema';
import type { Actor } from '@/lib/audit';
import { isPermission, type Permission } from './permissions';
import type { Principal } from './principal';

/**
 * The person's principal now, or null when they are not active (or gone), were reset (an active user
 * without a password: a manager ended their sessions and their work ends with them), or no longer hold
 * `permission`. With `lock` (inside a change's transaction, just before it commits) their user and role
 * rows are held FOR SHARE: a ban, demotion or role edit made meanwhile waits for the change to commit,
 * and one committed first is seen here.
 */
export async function principalNow(q: Queryable, actor: Extract<Actor, { type: 'user' }>, permission: Permission, lock = false): Promise<Principal | null> {
  const query = q
    .select({ status: users.status, canSignIn: isNotNull(users.passwordHash), permissions: roles.permissions, allEnvironments: roles.allEnvironments })
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(eq(users.id, actor.id));
  const [row] = lock ? await query.for('share', { of: [users, roles] }) : await query;
  const permissions = row?.status === 'active' && row.canSignIn ? row.permissions.filter(isPermission) : [];
  if (!row || !permissions.includes(permission)) return null;
  const memberships = await q.select({ id: userEnvironments.environmentId }).from(userEnvironments).where(eq(userEnvironments.userId, actor.id));
  return { actor, permissions, allEnvironments: row.allEnvironments, environmentIds: memberships.map((m) => m.id) };
}

/** True when `now` reaches less than `was`: an environment taken away, or a role that spanned them all no longer does. */
export const reachesLess = (now: Principal, was: Principal) =>
  !now.allEnvironments && (was.allEnvironments || was.environmentIds.some((id) => !now.environmentIds.includes(id)));

/** True when `now` may do less than `was`: it reaches less, or lost a permission (a change made with `was` would exceed it). */
export const holdsLess = (now: Principal, was: Principal) => reachesLess(now, was) || was.permissions.some((p) => !now.permissions.includes(p));

/**
 * For a long download (a CSV export walked page by page, as slowly as the client reads it): the
 * person's principal now, or null once they are not active, no longer hold `permission`, or reach less
 * than when it began. A principal that is not a person's (a key's, the system's) is taken as it is.
 */
export async function stillAllowed(q: Queryable, was: Principal, permission: Permission): Promise<Principal | null> {
  if (was.actor.type !== 'user') return was;
  const now = await principalNow(q, was.actor, permission);
  return now && !reachesLess(now, was) ? now : null;
}
