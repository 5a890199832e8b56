// The fields of AssureSign's CreateUser / UpdateUser (Contract D): one place where the REST API and
// the SOAP service turn those fields into lib/users calls, so both get the portal's rules (scope,
// grants, password policy, stale-edit refusal, audit, outbox) without re-implementing them.
//
// Passwords are never emailed. sendCredentialsViaEmail sends the sign-in name and a single-use link to
// choose a password (a reset link with the invitation's lifetime); autoGeneratePassword stores a random
// password nobody ever sees, so the account is active and the user chooses their own through the link.
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '@/db/client';
import { roles, userEnvironments, users, type UserTag } from '@/db/schema';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { keyBeyondItsReach, requirePermissionOf, type Principal } from '@/lib/auth/principal';
import { issueToken } from '@/lib/auth/tokens';
import { AppError, fieldError, StaleEditError, type FieldErrors } from '@/lib/errors';
import { enqueueMail, organizationName, portalUrl } from '@/lib/mail/outbox';
import { profileProblems, roleProfile, strayProfileFields } from '@/lib/roles';
import { credentialsMail, passwordChangedMail } from '@/lib/mail/templates';
import { getSecuritySettings } from '@/lib/settings';
import { unlockUser } from './access';
import { assertActiveAdministratorRemains, LAST_ADMINISTRATOR_RESET } from './admin-guard';
import { checkGrant, emailInUse, environmentIdsSchema, inviteUser, mapEmailTaken, newUserSchema, profileSchema, tagsSchema } from './create';
import { assertPasswordAllowed, clearPassword, storePassword } from './password';
import { findChangeableUser, membershipsOf, targetOf } from './scope';
import { STALE_EDIT, updateUser } from './update';

export type CreateUserFields = {
  email: string;
  firstName: string;
  lastName: string;
  roleId: string;
  environmentIds: string[];
  tags?: UserTag[];
  profile?: Record<string, string>;
  password?: string;
  autoGeneratePassword?: boolean;
  requirePasswordChange?: boolean;
  inactive?: boolean;
  sendCredentialsViaEmail?: boolean;
};

export type UpdateUserFields = {
  version?: number;
  email?: string;
  firstName?: string;
  lastName?: string;
  roleId?: string;
  environmentIds?: string[];
  tags?: UserTag[];
  /** Values for the role's required fields, by key; those not named keep their stored values. */
  profile?: Record<string, string>;
  password?: string;
  autoGenerateNewPassword?: boolean;
  requirePasswordChange?: boolean;
  inactive?: boolean;
  /** false unlocks a locked user; true is refused (users are locked by failed sign-ins, not by request). */
  locked?: boolean;
  sendCredentialsViaEmail?: boolean;
};

// Passwords are length-capped before hashing (bcrypt reads 72 bytes; the policy decides the rest).
const passwordSchema = z.string().min(1, 'Enter a password.').max(256, 'Passwords are at most 256 characters.');

// Strict, as updateUserFieldsSchema: a misspelt flag (requirePasswordchange) is refused, never dropped.
export const createUserFieldsSchema = newUserSchema
  .extend({
    password: passwordSchema.optional(),
    autoGeneratePassword: z.boolean().default(false),
    requirePasswordChange: z.boolean().default(false),
    inactive: z.boolean().default(false),
    sendCredentialsViaEmail: z.boolean().default(false),
  })
  .strict();

export const updateUserFieldsSchema = z
  .object({
    version: z.number().int().positive().optional(),
    email: newUserSchema.shape.email.optional(),
    firstName: newUserSchema.shape.firstName.optional(),
    lastName: newUserSchema.shape.lastName.optional(),
    roleId: newUserSchema.shape.roleId.optional(),
    environmentIds: environmentIdsSchema.optional(),
    tags: tagsSchema.optional(),
    profile: profileSchema.optional(),
    password: passwordSchema.optional(),
    autoGenerateNewPassword: z.boolean().optional(),
    requirePasswordChange: z.boolean().optional(),
    inactive: z.boolean().optional(),
    locked: z.boolean().optional(),
    sendCredentialsViaEmail: z.boolean().optional(),
  })
  .strict();

function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const { fieldErrors, formErrors } = z.flattenError(parsed.error) as { fieldErrors: FieldErrors; formErrors: string[] };
    throw new AppError('invalid', formErrors[0] ?? 'Check the highlighted fields.', fieldErrors);
  }
  return parsed.data;
}

const generatedPassword = () => `${randomBytes(24).toString('base64url')}-Aa1!`;

/**
 * The user's sign-in name and a single-use link to choose a password, through the outbox: for a user
 * just created, a link that lives as an invitation does; for an existing one, as a reset link does (a
 * link is checked against its own kind's lifetime: a reset link said to last 7 days died after 60 minutes).
 */
async function sendCredentials(tx: Tx, user: { id: string; email: string; firstName: string }, kind: 'new' | 'existing') {
  const { invitationLifetimeDays, resetLifetimeMinutes } = await getSecuritySettings(tx);
  const [purpose, lifetime] = kind === 'new' ? (['invitation', invitationLifetimeDays * 86_400_000] as const) : (['reset', resetLifetimeMinutes * 60_000] as const);
  const token = await issueToken(tx, user.id, purpose, lifetime);
  const mail = credentialsMail(await organizationName(tx), user.firstName, user.email, portalUrl(`/set-password?token=${token}`), lifetime);
  await enqueueMail(tx, { email: user.email, userId: user.id }, mail);
}

/**
 * Why sign-in details cannot go to a user in this status, or null when they can. The link sets a
 * password only for an active user (completePasswordLink), so to anyone else it would be a dead link
 * and a sign-in name they cannot use: refused, naming what to do instead.
 */
function credentialsRefusal(email: string, status: string): string | null {
  switch (status) {
    case 'active':
      return null;
    case 'locked':
      return `${email} is locked, so the emailed link would not work: unlock them in the same request, or first.`;
    case 'inactive':
      return `${email} is inactive, so the emailed link would not work: make them active in the same request, or first.`;
    case 'banned':
      return `${email} is banned, so the emailed link would not work: validate them first.`;
    case 'invited':
      return `${email} has not accepted the invitation yet: resend the invitation instead.`;
    default:
      return `${email} is ${status}: sign-in details can only be sent to active users.`;
  }
}

/**
 * Profile keys the role does not ask for are refused (400 on `profile.<key>`), as any field the request
 * does not have: dropped, a misspelt key (employeID) would be answered as saved. The portal's forms post
 * only the role's fields, and keep ignoring anything else a form carries.
 */
async function refuseStrayProfileFields(tx: Tx, roleId: string, profile: Record<string, string> | undefined) {
  if (!profile || Object.keys(profile).length === 0) return;
  const [role] = await tx.select({ name: roles.name, requiredFields: roles.requiredFields }).from(roles).where(eq(roles.id, roleId));
  const errors = role ? strayProfileFields(role, profile) : {};
  if (Object.keys(errors).length > 0) throw new AppError('invalid', 'Check the highlighted fields.', errors);
}

/**
 * Without a password (and without autoGeneratePassword) the user is invited: status "invited" and the
 * invitation email, exactly as the portal's Add. With one, the user is created active (or inactive).
 */
export async function createUserFromFields(tx: Tx, principal: Principal, input: CreateUserFields, meta?: RequestMeta): Promise<{ userId: string }> {
  requirePermissionOf(principal, 'users.write');
  const fields = parse(createUserFieldsSchema, input);
  await refuseStrayProfileFields(tx, fields.roleId, fields.profile);
  if (fields.password !== undefined && fields.autoGeneratePassword)
    throw fieldError('autoGeneratePassword', 'Give a password or ask for one to be generated, not both.');
  const password = fields.autoGeneratePassword ? generatedPassword() : fields.password;
  if (fields.sendCredentialsViaEmail && fields.inactive)
    throw fieldError('sendCredentialsViaEmail', `${fields.email} would be inactive, so the emailed link would not work: create them active, or send no sign-in details.`);
  if (password === undefined) {
    if (fields.inactive) throw fieldError('inactive', 'An invited user cannot be inactive: give a password, or invite them active.');
    if (fields.requirePasswordChange) throw fieldError('requirePasswordChange', 'An invited user chooses their password from the invitation: give a password to require a change.');
    const user = await inviteUser(tx, principal, fields, meta);
    return { userId: user.id };
  }

  const { role, errors } = await checkGrant(tx, principal, fields.roleId, fields.environmentIds);
  if (await emailInUse(tx, fields.email)) errors.email = ['A user with this email already exists.'];
  for (const { field, message } of profileProblems(role?.requiredFields ?? [], fields.profile)) errors[`profile.${field.key}`] = [message];
  if (Object.keys(errors).length > 0 || !role) throw new AppError('invalid', 'Check the highlighted fields.', errors);
  if (!fields.autoGeneratePassword) await assertPasswordAllowed(tx, password, fields, 'password');

  const status = fields.inactive ? 'inactive' : 'active';
  const [user] = await mapEmailTaken(() =>
    tx
      .insert(users)
      .values({
        email: fields.email,
        firstName: fields.firstName,
        lastName: fields.lastName,
        roleId: role.id,
        status,
        activatedAt: new Date(),
        tags: fields.tags,
        profile: roleProfile(role.requiredFields, fields.profile),
      })
      .returning({ id: users.id, email: users.email, firstName: users.firstName }),
  );
  const environmentIds = role.allEnvironments ? [] : [...new Set(fields.environmentIds)];
  if (environmentIds.length > 0)
    await tx.insert(userEnvironments).values(environmentIds.map((environmentId) => ({ userId: user!.id, environmentId })));
  await storePassword(tx, user!.id, password);
  // A generated password is unknown to everyone: the user must choose one.
  const requirePasswordChange = fields.requirePasswordChange || fields.autoGeneratePassword;
  if (requirePasswordChange) await tx.update(users).set({ requirePasswordChange: true }).where(eq(users.id, user!.id));
  if (fields.sendCredentialsViaEmail) await sendCredentials(tx, user!, 'new');
  await recordAudit(tx, {
    actor: principal.actor,
    action: 'user.created',
    target: targetOf(user!),
    environmentId: environmentIds[0] ?? null,
    changes: {
      email: { before: null, after: fields.email },
      name: { before: null, after: `${fields.firstName} ${fields.lastName}` },
      role: { before: null, after: role.name },
      status: { before: null, after: status },
      ...(requirePasswordChange ? { requirePasswordChange: { before: null, after: true } } : {}),
    },
    detail: [
      fields.autoGeneratePassword ? 'Password generated' : 'Password set by the creator',
      fields.sendCredentialsViaEmail ? 'sign-in details emailed' : null,
    ]
      .filter(Boolean)
      .join('; '),
    meta,
  });
  return { userId: user!.id };
}

/**
 * Changes what the fields name and leaves the rest as it is. With `version`, a change over someone
 * else's newer one is refused (AppError 'conflict', STALE_EDIT); without it the current version is used.
 */
export async function updateUserFromFields(
  tx: Tx,
  principal: Principal,
  userId: string,
  input: UpdateUserFields,
  meta?: RequestMeta,
): Promise<{ changed: boolean; version: number }> {
  const fields = parse(updateUserFieldsSchema, input);
  if (fields.locked === true) throw fieldError('locked', 'Users are locked by failed sign-ins, not on request. To stop someone signing in, ban them or make them inactive.');
  if (fields.password !== undefined && fields.autoGenerateNewPassword)
    throw fieldError('autoGenerateNewPassword', 'Give a password or ask for one to be generated, not both.');
  // Locked=false alone is the portal's Unlock (users.unlock): the only way to unlock through SOAP.
  const onlyUnlock = fields.locked === false && Object.entries(fields).every(([field, value]) => value === undefined || field === 'locked' || field === 'version');
  requirePermissionOf(principal, onlyUnlock ? 'users.unlock' : 'users.write');

  const user = await findChangeableUser(tx, principal, userId);
  if (fields.version !== undefined && fields.version !== user.version) throw new StaleEditError(STALE_EDIT);
  await refuseStrayProfileFields(tx, fields.roleId ?? user.roleId, fields.profile);
  // The person themselves needs their current password to change it (Profile): a key acting as them
  // must not set a new one, which would turn an integration's credential into their portal sign-in. Nor
  // move their sign-in to another address, whose owner would then set one with Forgot password.
  if ((fields.password !== undefined || fields.autoGenerateNewPassword) && principal.actsAs === user.id)
    throw new AppError(
      'forbidden',
      principal.actor.type === 'api_user'
        ? 'A key cannot set the password of the user it acts as: they change their own password in the portal (Profile), with their current one.'
        : 'You cannot set your own password here: change it in the portal (Profile), with your current one.',
    );
  const emailChanges = fields.email !== undefined && fields.email.toLowerCase() !== user.email.toLowerCase();
  if (emailChanges && principal.actor.type === 'api_user' && principal.actsAs === user.id)
    throw new AppError('forbidden', 'A key cannot change the email address of the user it acts as: a reset link sent there would sign its holder in as them. They change it in the portal.');
  // Nor the sign-in of anyone whose role does more than manage users (an Administrator; the key's own
  // creator, who manages API users): with a password it chose, or a reset link sent to an address it
  // reads, it would sign in to the portal as them.
  if ((fields.password !== undefined || emailChanges) && keyBeyondItsReach(principal, user.rolePermissions))
    throw new AppError(
      'forbidden',
      `A key cannot set the password or change the email address of ${user.email}: their role does more than manage users, so that is done in the portal.`,
    );
  let changed = false;

  // Unlocking first, so "locked: false, inactive: true" ends inactive and the profile edit sees the new status.
  const unlockIfLocked = async () => {
    const [now] = await tx.select({ status: users.status }).from(users).where(eq(users.id, user.id));
    if (fields.locked !== false || now?.status !== 'locked') return;
    await unlockUser(tx, principal, user.id, meta);
    changed = true;
  };
  await unlockIfLocked();

  const profileFields = ['email', 'firstName', 'lastName', 'roleId', 'environmentIds', 'tags', 'profile', 'inactive'] as const;
  if (profileFields.some((f) => fields[f] !== undefined)) {
    const [current] = await tx.select({ version: users.version, status: users.status }).from(users).where(eq(users.id, user.id));
    // A ban reads as Inactive on the SOAP wire; "inactive: false" must not look as if it lifted one.
    if (fields.inactive === false && current!.status === 'banned')
      throw fieldError('inactive', `${user.email} is banned: lift the ban (Validate) to give them access again.`);
    const result = await updateUser(
      tx,
      principal,
      user.id,
      {
        version: current!.version,
        email: fields.email ?? user.email,
        firstName: fields.firstName ?? user.firstName,
        lastName: fields.lastName ?? user.lastName,
        roleId: fields.roleId ?? user.roleId,
        environmentIds: fields.environmentIds ?? (await membershipsOf(tx, user.id)),
        tags: fields.tags ?? user.tags,
        profile: fields.profile,
        inactive: fields.inactive ?? current!.status === 'inactive',
      },
      meta,
    );
    changed ||= result.changed;
    // Reactivated onto the lock it kept (updateUser): "locked: false" lifts that too.
    await unlockIfLocked();
  }

  const email = fields.email ?? user.email;
  if (fields.password !== undefined || fields.autoGenerateNewPassword) {
    const [current] = await tx.select({ status: users.status, requirePasswordChange: users.requirePasswordChange }).from(users).where(eq(users.id, user.id));
    if (current!.status === 'banned' || current!.status === 'invited')
      throw fieldError(fields.password !== undefined ? 'password' : 'autoGenerateNewPassword', `${email} is ${current!.status}: a password cannot be set now.`);
    if (fields.password !== undefined)
      await assertPasswordAllowed(tx, fields.password, { email, firstName: fields.firstName ?? user.firstName, lastName: fields.lastName ?? user.lastName }, 'password');
    if (fields.password !== undefined) {
      await storePassword(tx, user.id, fields.password);
      // storePassword clears the flag, as a password the user chose meets it; one a manager chose (and
      // knows) does not. It stays as it was, and only requirePasswordChange: false (below, audited) clears it.
      if (current!.requirePasswordChange) await tx.update(users).set({ requirePasswordChange: true }).where(eq(users.id, user.id));
    } else {
      // A generated password would be one nobody is ever told: the account is left as a Reset leaves it,
      // with no password (a link, sendCredentialsViaEmail or Forgot password, sets one). So it counts as
      // what it is wherever that matters: the last-Administrator guard, and sign-in, which never locks it.
      await clearPassword(tx, user.id);
    }
    // Told, as after a link or an email change: a password set through a key must not go unnoticed.
    await enqueueMail(tx, { email, userId: user.id }, passwordChangedMail(await organizationName(tx), fields.firstName ?? user.firstName));
    await recordAudit(tx, {
      actor: principal.actor,
      action: 'user.password_changed',
      target: targetOf({ id: user.id, email }),
      detail: fields.autoGenerateNewPassword ? 'New password generated' : 'Password set by a manager',
      meta,
    });
    changed = true;
  }

  // storePassword clears the flag; a generated password nobody knows always requires a change.
  const requirePasswordChange = fields.autoGenerateNewPassword ? true : fields.requirePasswordChange;
  if (requirePasswordChange !== undefined) {
    // Setting a password from the invitation clears the flag: asked for now, it would do nothing at all.
    const [current] = await tx.select({ status: users.status }).from(users).where(eq(users.id, user.id));
    if (requirePasswordChange && current!.status === 'invited')
      throw fieldError('requirePasswordChange', `${email} has not accepted the invitation yet: they choose their password from it, so there is no password to require a change of.`);
    const [row] = await tx
      .update(users)
      .set({ requirePasswordChange, version: sql`${users.version} + 1`, updatedAt: new Date() })
      .where(sql`${users.id} = ${user.id} and ${users.requirePasswordChange} <> ${requirePasswordChange}`)
      .returning({ id: users.id });
    if (row) {
      await recordAudit(tx, {
        actor: principal.actor,
        action: 'user.updated',
        target: targetOf({ id: user.id, email }),
        changes: { requirePasswordChange: { before: !requirePasswordChange, after: requirePasswordChange } },
        meta,
      });
      changed = true;
    }
  }

  if (fields.sendCredentialsViaEmail) {
    // The status this request leaves (an unlock or reactivation above counts), held until commit.
    const [current] = await tx.select({ status: users.status, firstName: users.firstName }).from(users).where(eq(users.id, user.id)).for('update');
    const refusal = credentialsRefusal(email, current!.status);
    if (refusal) throw fieldError('sendCredentialsViaEmail', refusal);
    await sendCredentials(tx, { id: user.id, email, firstName: current!.firstName }, 'existing');
    await recordAudit(tx, { actor: principal.actor, action: 'user.credentials_sent', target: targetOf({ id: user.id, email }), meta });
    changed = true;
  }

  // A generated password leaves no password: like a Reset, it must not take the last Administrator who can sign in.
  if (changed) await assertActiveAdministratorRemains(tx, fields.autoGenerateNewPassword ? LAST_ADMINISTRATOR_RESET : undefined);
  const [after] = await tx.select({ version: users.version }).from(users).where(eq(users.id, user.id));
  return { changed, version: after!.version };
}
