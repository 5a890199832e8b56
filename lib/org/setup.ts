// First run: the organization, its first environment, the built-in roles and the first Administrator.
// There is no default account: until this has run, every page leads to /setup. Setup is done once the
// organization exists, whoever the Administrators are later (a lost Administrator is restored with the
// break-glass command, not by running setup again).
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Queryable, Tx } from '@/db/client';
import { environments, organizations, roles, securitySettings, userEnvironments, users } from '@/db/schema';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { hashPassword } from '@/lib/auth/password';
import { checkPassword } from '@/lib/auth/password-policy';
import { ADMINISTRATOR, BUILT_IN_ROLES } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors';
import { emailSchema, nameSchema } from '@/lib/validation';

export const setupSchema = z.object({
  organizationName: z.string().trim().min(1, 'Enter the organization\'s name.').max(200),
  firstName: nameSchema('first name'),
  lastName: nameSchema('last name'),
  email: emailSchema,
  password: z.string().min(1, 'Choose a password.'),
});

export async function isSetupComplete(q: Queryable): Promise<boolean> {
  const [row] = await q.select({ id: organizations.id }).from(organizations).limit(1);
  return row !== undefined;
}

/** Runs inside the caller's transaction: a failure anywhere leaves nothing behind. */
export async function setupOrganization(tx: Tx, input: z.infer<typeof setupSchema>, meta: RequestMeta) {
  // Serializes concurrent first runs; the organization's singleton index is the final guard.
  await tx.execute(sql`select pg_advisory_xact_lock(7311002)`);
  const [existing] = await tx.select({ id: organizations.id }).from(organizations).limit(1);
  if (existing) throw new AppError('conflict', 'Userdesk is already set up. Sign in instead.');

  const [org] = await tx.insert(organizations).values({ name: input.organizationName }).returning();
  const [settings] = await tx.insert(securitySettings).values({ organizationId: org!.id }).returning();
  const failures = checkPassword(input.password, settings!, input);
  if (failures.length > 0) throw new AppError('invalid', 'Choose a stronger password.', { password: failures });

  // Rows it did not write (say, environments left by an older seeder) are taken over, not tripped over.
  await tx.insert(environments).values({ name: 'Production' }).onConflictDoNothing();
  const [production] = await tx.select().from(environments).where(sql`lower(${environments.name}) = 'production'`);
  await tx
    .insert(roles)
    .values(BUILT_IN_ROLES.map((r) => ({ ...r, permissions: [...r.permissions], builtIn: true })))
    .onConflictDoNothing();
  for (const r of BUILT_IN_ROLES)
    await tx
      .update(roles)
      .set({ ...r, permissions: [...r.permissions], builtIn: true })
      .where(sql`lower(${roles.name}) = lower(${r.name})`);
  const [adminRole] = await tx.select().from(roles).where(and(eq(roles.name, ADMINISTRATOR), eq(roles.builtIn, true)));
  const now = new Date();
  const [admin] = await tx
    .insert(users)
    .values({
      email: input.email,
      firstName: input.firstName,
      lastName: input.lastName,
      roleId: adminRole!.id,
      status: 'active',
      passwordHash: await hashPassword(input.password),
      passwordChangedAt: now,
      activatedAt: now,
    })
    .returning({ id: users.id, email: users.email });
  await tx.insert(userEnvironments).values({ userId: admin!.id, environmentId: production!.id });

  const actor = { type: 'user' as const, id: admin!.id, label: admin!.email };
  await recordAudit(tx, {
    actor,
    action: 'organization.setup',
    detail: `Organization "${org!.name}" created with environment Production`,
    meta,
  });
  await recordAudit(tx, {
    actor,
    action: 'user.created',
    target: { type: 'user', id: admin!.id, label: admin!.email },
    environmentId: production!.id,
    changes: { role: { before: null, after: ADMINISTRATOR }, status: { before: null, after: 'active' } },
    meta,
  });
  return { userId: admin!.id };
}
