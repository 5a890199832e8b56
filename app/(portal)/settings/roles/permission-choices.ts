import { PERMISSIONS } from '@/lib/auth/permissions';
import { PERMISSION_HELP } from '@/lib/roles/permission-help';
import type { PermissionChoice } from './role-form';

export const permissionChoices = (held: readonly string[]): PermissionChoice[] =>
  PERMISSIONS.map((p) => ({ value: p, ...PERMISSION_HELP[p], held: held.includes(p) }));
