// Adding a user: no password, status "invited", an emailed single-use link to choose one.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '@/db/client';
import { environments, roles, userEnvironments, users } from '@/db/schema';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { canGrant, canSeeEnvironment, keyBeyondItsReach, requirePermissionOf, type Principal } from '@/lib/auth/principal';
import { onUniqueViolation } from '@/lib/db-rows';
import { AppError, type FieldErrors } from '@/lib/errors';
import { emailSchema, nameSchema, plainTextSchema, requiredTextSchema } from '@/lib/validation';
import { FIELD_KEY, profileProblems, roleProfile } from '@/lib/roles';
import { sendInvitation } from './access';

// A key besides these two (a misspelt "valeu") is refused, never dropped: the tag would be kept without it.
export const tagSchema = z.strictObject(
  {
    name: requiredTextSchema('tag name', 100, 'Tag names cannot be empty.'),
    value: plainTextSchema('tag value', 500),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `A tag has a name and a value only, not ${issue.keys.join(', ')}.` : undefined) },
);

/** A user's tags: each name once (whatever its case), so an integration reading `ExternalUserId` gets one value. */
export const tagsSchema = z
  .array(tagSchema)
  .max(50, 'A user has at most 50 tags.')
  .superRefine((tags, ctx) => {
    const seen = new Set<string>();
    for (const { name } of tags) {
      const key = name.toLowerCase();
      if (seen.has(key)) ctx.addIssue({ code: 'custom', message: `The tag ${name} is there twice. Keep one value per tag name.` });
      seen.add(key);
    }
  });

/** Values of a role's required fields, by the fields' keys. */
export const profileSchema = z
  .record(z.string(), plainTextSchema('profile field', 500))
  .refine((profile) => Object.keys(profile).every((key) => FIELD_KEY.test(key)), 'Profile fields are named by the keys of the fields a role asks for.');

/** Environments picked from a list: anything else is not one of them. */
export const environmentIdsSchema = z.array(z.uuid('Choose environments from the list.').toLowerCase());

export const newUserSchema = z.object({
  firstName: nameSchema('first name'),
  lastName: nameSchema('last name'),
  email: emailSchema,
  // Ids are compared as text in places (reach, memberships): read in one case, as PostgreSQL prints them.
  roleId: z.uuid('Choose a role.').toLowerCase(),
  environmentIds: environmentIdsSchema.default([]),
  tags: tagsSchema.default([]),
  profile: profileSchema.default({}),
});

export type NewUser = z.infer<typeof newUserSchema>;

export const EMAIL_TAKEN = 'A user with this email already exists.';

/**
 * Runs a write that may hit the case-insensitive email index: the check before it cannot see a
 * concurrent insert, so the index decides, and its refusal reads as the email field's error.
 */
export const mapEmailTaken = <T>(write: () => Promise<T>): Promise<T> =>
  onUniqueViolation('users_email_idx', () => new AppError('invalid', 'Check the highlighted fields.', { email: [EMAIL_TAKEN] }), write);

export async function emailInUse(tx: Tx, email: string, exceptUserId?: string): Promise<boolean> {
  const [row] = await tx
    .select({ id: users.id })
    .from(users)
    .where(eq(sql`lower(${users.email})`, email.trim().toLowerCase()))
    .limit(1);
  return row !== undefined && row.id !== exceptUserId;
}

/**
 * Checks role and environments the principal may grant; returns the role. An environment the user
 * already belongs to (`memberships`) may be named again even if it has been archived since (an API
 * client sending back what it read); a new one must be an active environment the principal manages.
 * At least one active environment is needed, unless the role spans them all.
 */
/** Why a role cannot be given by this principal (canGrant said no). */
export const grantRefusal = (principal: Principal, role: { name: string; permissions: readonly string[] }) =>
  keyBeyondItsReach(principal, role.permissions)
    ? `A key cannot grant the ${role.name} role: it does more than manage users, and is granted in the portal.`
    : `You cannot grant the ${role.name} role: it has permissions or reach you do not hold.`;

export async function checkGrant(tx: Tx, principal: Principal, roleId: string, environmentIds: string[], memberships: readonly string[] = [], currentRoleId?: string) {
  const errors: FieldErrors = {};
  const [role] = await tx.select().from(roles).where(eq(roles.id, roleId));
  if (!role) errors.roleId = ['Choose a role.'];
  // The role the user has now is not given again (whoever may change the user holds all it holds:
  // changeRefusal), so a key edits an Administrator's name without granting the role.
  else if (role.id !== currentRoleId && !canGrant(principal, role))
    errors.roleId = [grantRefusal(principal, role)];
  if (role && !role.allEnvironments) {
    const wanted = [...new Set(environmentIds)];
    const active = new Set(
      wanted.length
        ? (await tx.select({ id: environments.id }).from(environments).where(and(inArray(environments.id, wanted), isNull(environments.archivedAt)))).map((e) => e.id)
        : [],
    );
    if (wanted.some((id) => !memberships.includes(id) && (!active.has(id) || !canSeeEnvironment(principal, id))))
      errors.environmentIds = ['Choose environments you manage.'];
    else if (active.size === 0) errors.environmentIds = ['Choose at least one environment.'];
  }
  return { role, errors };
}

export async function inviteUser(tx: Tx, principal: Principal, input: NewUser, meta?: RequestMeta) {
  requirePermissionOf(principal, 'users.write');
  const { role, errors } = await checkGrant(tx, principal, input.roleId, input.environmentIds);
  if (await emailInUse(tx, input.email)) errors.email = [EMAIL_TAKEN];
  for (const { field, message } of profileProblems(role?.requiredFields ?? [], input.profile)) errors[`profile.${field.key}`] = [message];
  if (Object.keys(errors).length > 0 || !role) throw new AppError('invalid', 'Check the highlighted fields.', errors);

  const [user] = await mapEmailTaken(() =>
    tx
      .insert(users)
      .values({
        email: input.email,
        firstName: input.firstName,
        lastName: input.lastName,
        roleId: role.id,
        status: 'invited',
        tags: input.tags,
        profile: roleProfile(role.requiredFields, input.profile),
      })
      .returning({ id: users.id, email: users.email, firstName: users.firstName }),
  );
  const environmentIds = role.allEnvironments ? [] : [...new Set(input.environmentIds)];
  if (environmentIds.length > 0)
    await tx.insert(userEnvironments).values(environmentIds.map((environmentId) => ({ userId: user!.id, environmentId })));
  await sendInvitation(tx, user!);
  await recordAudit(tx, {
    actor: principal.actor,
    action: 'user.created',
    target: { type: 'user', id: user!.id, label: user!.email },
    environmentId: environmentIds[0] ?? null,
    changes: {
      email: { before: null, after: input.email },
      name: { before: null, after: `${input.firstName} ${input.lastName}` },
      role: { before: null, after: role.name },
      status: { before: null, after: 'invited' },
    },
    meta,
  });
  return user!;
}
