// Roles as the user screens need them: names, permissions, required profile fields.
import { asc } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { roles } from '@/db/schema';
import { canGrant, type Principal } from '@/lib/auth/principal';

export async function listRoles(q: Queryable) {
  return q
    .select({ id: roles.id, name: roles.name, permissions: roles.permissions, requiredFields: roles.requiredFields, allEnvironments: roles.allEnvironments })
    .from(roles)
    .orderBy(asc(roles.name));
}

export type RoleOption = Awaited<ReturnType<typeof listRoles>>[number];

/** The roles the principal may give (see canGrant). */
export const grantableRoles = (principal: Principal, all: RoleOption[]) => all.filter((r) => canGrant(principal, r));
