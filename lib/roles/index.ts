// Roles as the user screens need them: names, permissions, required profile fields.
import { asc } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { roles } from '@/db/schema';
import { holdsAll, type Principal } from '@/lib/auth/principal';

export async function listRoles(q: Queryable) {
  return q
    .select({ id: roles.id, name: roles.name, permissions: roles.permissions, requiredFields: roles.requiredFields, allEnvironments: roles.allEnvironments })
    .from(roles)
    .orderBy(asc(roles.name));
}

export type RoleOption = Awaited<ReturnType<typeof listRoles>>[number];

/** The roles the principal may give: none with a permission the principal lacks. */
export const grantableRoles = (principal: Principal, all: RoleOption[]) => all.filter((r) => holdsAll(principal, r.permissions));
