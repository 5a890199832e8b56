// Finding a user the principal may act on. Outside the principal's environments a user does not exist
// for them (404); a user whose role holds permissions the principal lacks cannot be changed (403).
import { and, eq, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { roles, userEnvironments, users } from '@/db/schema';
import { canSeeEnvironment, holdsAll, type Principal } from '@/lib/auth/principal';
import { AppError } from '@/lib/errors';

export const userColumns = {
  id: users.id,
  email: users.email,
  firstName: users.firstName,
  lastName: users.lastName,
  status: users.status,
  lockReason: users.lockReason,
  lockedAt: users.lockedAt,
  failedAttempts: users.failedAttempts,
  banReason: users.banReason,
  requirePasswordChange: users.requirePasswordChange,
  passwordChangedAt: users.passwordChangedAt,
  lastSignInAt: users.lastSignInAt,
  activatedAt: users.activatedAt,
  tags: users.tags,
  profile: users.profile,
  version: users.version,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
  roleId: roles.id,
  roleName: roles.name,
  rolePermissions: roles.permissions,
  roleAllEnvironments: roles.allEnvironments,
};

/**
 * The user's role spans every environment. The roles that do are read once per statement (an InitPlan)
 * and each row tests its role_id against them, so a list needs no join to roles: walking a million
 * users, a join (even memoized) cost as much as the index scan itself.
 */
export const roleSpansAll = sql`${users.roleId} = any(array(select ${roles.id} from ${roles} where ${roles.allEnvironments}))`;

/** Users visible to the principal: members of one of its environments, or anyone for org-wide principals. */
export function visibleTo(principal: Principal) {
  if (principal.allEnvironments) return undefined;
  if (principal.environmentIds.length === 0) return sql`false`;
  return sql`(${roleSpansAll} or ${users.environmentIds} && ${`{${principal.environmentIds.join(',')}}`}::uuid[])`;
}

export async function findVisibleUser(q: Queryable, principal: Principal, userId: string, options: { forUpdate?: boolean } = {}) {
  // The row is locked on its own, then read with its role. Locked through the join, a role change
  // committed meanwhile would make PostgreSQL recheck the new row against the old role's row, find they
  // no longer join, and drop the user: "no such user" for a user who is there.
  if (options.forUpdate) await q.select({ id: users.id }).from(users).where(and(eq(users.id, userId), visibleTo(principal))).for('update');
  const [user] = await q
    .select(userColumns)
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(and(eq(users.id, userId), visibleTo(principal)))
    .limit(1);
  if (!user) throw new AppError('not_found', 'No such user in your environments.');
  return user;
}

/** Why the principal may not change this user, or null when it may (see findChangeableUser). */
export function changeRefusal(
  principal: Principal,
  user: { email: string; rolePermissions: readonly string[]; roleAllEnvironments: boolean },
  environmentIds: readonly string[],
): string | null {
  if (!holdsAll(principal, user.rolePermissions)) return `You cannot change ${user.email}: their role has permissions you do not hold.`;
  if (!principal.allEnvironments && (user.roleAllEnvironments || environmentIds.some((id) => !principal.environmentIds.includes(id))))
    return `You cannot change ${user.email}: they belong to environments you do not manage.`;
  return null;
}

/**
 * A user's environments as the viewer may name them: those the viewer works in (every one, for an
 * org-wide viewer), in the order given; the others are only counted. A member shared with another
 * environment does not tell a manager that environment's name (nor does the API Users tab).
 */
export function environmentsSeenBy(principal: Principal, memberships: readonly { environmentId: string; name: string }[]) {
  const names = memberships.filter((m) => canSeeEnvironment(principal, m.environmentId)).map((m) => m.name);
  return { names, others: memberships.length - names.length };
}

export const membershipsOf = async (q: Queryable, userId: string) =>
  (await q.select({ id: userEnvironments.environmentId }).from(userEnvironments).where(eq(userEnvironments.userId, userId))).map((m) => m.id);

/**
 * The user, locked for the change, when the principal may change them: the user's role holds no
 * permission the principal lacks, and the user reaches no environment the principal does not
 * (otherwise changing their email and resetting them would hand over that reach).
 */
export async function findChangeableUser(q: Queryable, principal: Principal, userId: string) {
  const user = await findVisibleUser(q, principal, userId, { forUpdate: true });
  const refusal = changeRefusal(principal, user, await membershipsOf(q, user.id));
  if (refusal) throw new AppError('forbidden', refusal);
  return user;
}

export const targetOf = (user: { id: string; email: string }) => ({ type: 'user', id: user.id, label: user.email });
