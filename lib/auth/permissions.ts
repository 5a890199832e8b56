// Permissions and the built-in roles (SPEC.md section 2). Deny by default: no permission, no access.
export const PERMISSIONS = [
  'users.read',
  'users.write',
  'users.unlock',
  'users.ban',
  'roles.manage',
  'apiUsers.manage',
  'settings.manage',
  'audit.read',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const BUILT_IN_ROLES = [
  { name: 'Administrator', permissions: [...PERMISSIONS], allEnvironments: true },
  {
    name: 'Account Manager',
    permissions: ['users.read', 'users.write', 'users.unlock', 'users.ban'] satisfies Permission[],
    allEnvironments: false,
  },
  { name: 'User', permissions: [] as Permission[], allEnvironments: false },
] as const;

export const ADMINISTRATOR = 'Administrator';

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

export function hasPermission(holder: { permissions: readonly string[] }, permission: Permission): boolean {
  return holder.permissions.includes(permission);
}

/**
 * An Administrator: every permission, in every environment (the built-in role, or a custom one equal to
 * it; admin-guard's administratorRole is the SQL twin). Some things are theirs alone: the outbox, whose
 * messages carry live invitation and reset links for every user, would hand any account to a lesser role.
 */
export function isAdministrator(holder: { permissions: readonly string[]; allEnvironments: boolean }): boolean {
  return holder.allEnvironments && PERMISSIONS.every((p) => holder.permissions.includes(p));
}
