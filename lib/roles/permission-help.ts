// What each permission allows, in one line, for the roles screen's checkboxes.
import type { Permission } from '@/lib/auth/permissions';

export const PERMISSION_HELP: Record<Permission, { label: string; help: string }> = {
  'users.read': { label: 'See users', help: 'Open the Users screens and profiles of users in their environments.' },
  'users.write': { label: 'Add and edit users', help: 'Add, edit and import users and change their role.' },
  'users.unlock': { label: 'Unlock and reset', help: 'Unlock locked users and send password-reset links.' },
  'users.ban': { label: 'Ban and validate', help: 'Ban users and lift bans.' },
  'roles.manage': { label: 'Manage roles', help: 'Create, edit and delete roles (only with permissions they hold themselves).' },
  'apiUsers.manage': { label: 'Manage API users', help: 'Create, revoke and delete API users and their keys (with All environments; otherwise only see them).' },
  'settings.manage': { label: 'Manage settings', help: 'Change the security settings and environments (with All environments). The outbox is for Administrators only.' },
  'audit.read': { label: 'Read the audit log', help: 'Open the audit log and export it (limited to their environments).' },
};
