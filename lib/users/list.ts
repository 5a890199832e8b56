// Reading users for the Users screens. Administrators belong to every environment through their role.
import { and, asc, eq, exists, or, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { roles, userEnvironments, users } from '@/db/schema';

export function inEnvironment(environmentId: string) {
  return or(
    eq(roles.allEnvironments, true),
    exists(
      sql`(select 1 from ${userEnvironments} where ${userEnvironments.userId} = ${users.id} and ${userEnvironments.environmentId} = ${environmentId})`,
    ),
  );
}

export async function listUsers(q: Queryable, environmentId: string, limit = 50) {
  return q
    .select({
      id: users.id,
      email: users.email,
      firstName: users.firstName,
      lastName: users.lastName,
      status: users.status,
      roleName: roles.name,
      lastSignInAt: users.lastSignInAt,
    })
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(and(inEnvironment(environmentId)))
    .orderBy(asc(users.lastName), asc(users.firstName), asc(users.id))
    .limit(limit);
}
