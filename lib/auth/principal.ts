// Who is acting and what they may touch: a signed-in user today, an API user later. Lib functions that
// change users take a Principal and check scope themselves, so every caller gets the same rules.
import type { Actor } from '@/lib/audit';
import { AppError } from '@/lib/errors';
import { hasPermission, isAdministrator, type Permission } from './permissions';

export type Principal = {
  actor: Actor;
  permissions: readonly Permission[];
  /** Administrators and organization-wide API users act in every environment. */
  allEnvironments: boolean;
  environmentIds: readonly string[];
  /** The person whose rights these are: the signed-in user, or the user an API key of scope `user` acts as. */
  actsAs?: string;
};

/** True when the principal is, or acts as, that user (no one bans themselves, by hand or by key). */
export const isSelf = (principal: Principal, userId: string) =>
  (principal.actor.type === 'user' && principal.actor.id === userId) || principal.actsAs === userId;

export function principalOf(user: {
  id: string;
  email: string;
  permissions: readonly Permission[];
  allEnvironments: boolean;
  environmentIds: readonly string[];
}): Principal {
  return {
    actor: { type: 'user', id: user.id, label: user.email },
    permissions: user.permissions,
    allEnvironments: user.allEnvironments,
    environmentIds: user.environmentIds,
    actsAs: user.id,
  };
}

export function requirePermissionOf(principal: Principal, permission: Permission) {
  if (!hasPermission(principal, permission)) throw new AppError('forbidden', 'You do not have permission to do that.');
}

export function requireAdministratorOf(principal: Principal) {
  if (!isAdministrator(principal)) throw new AppError('forbidden', 'Only Administrators can do that.');
}

/** True when the principal holds every one of the permissions (no one grants what they lack). */
export const holdsAll = (principal: Principal, permissions: readonly string[]) =>
  permissions.every((p) => (principal.permissions as readonly string[]).includes(p));

/** What the APIs do: manage users. A role holding more (roles, settings, API users, the audit log) is used in the portal. */
const USER_MANAGEMENT: readonly string[] = ['users.read', 'users.write', 'users.unlock', 'users.ban'];
export const beyondUserManagement = (permissions: readonly string[]) => permissions.some((p) => !USER_MANAGEMENT.includes(p));

/**
 * A key (a credential for an integration, never a portal sign-in) and a role holding more than user
 * management: the key must not hand itself that role's portal sign-in, by making someone an
 * Administrator, say, whose password it set.
 */
export const keyBeyondItsReach = (principal: Principal, permissions: readonly string[]) => principal.actor.type === 'api_user' && beyondUserManagement(permissions);

/** A role the principal may give: no permission it lacks, no reach (all environments) it lacks; a key, none beyond user management. */
export const canGrant = (principal: Principal, role: { permissions: readonly string[]; allEnvironments: boolean }) =>
  holdsAll(principal, role.permissions) && (!role.allEnvironments || principal.allEnvironments) && !keyBeyondItsReach(principal, role.permissions);

export const canSeeEnvironment = (principal: Principal, environmentId: string) =>
  principal.allEnvironments || principal.environmentIds.includes(environmentId);
