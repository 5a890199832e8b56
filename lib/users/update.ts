// Editing a user and changing their status (Ban, Validate). Every save carries the version the
// editor saw: a save over someone else's newer change is refused, never silently overwritten.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '@/db/client';
import { environments, userEnvironments, users } from '@/db/schema';
import { diff, recordAudit, type RequestMeta } from '@/lib/audit';
import { canSeeEnvironment, isSelf, requirePermissionOf, type Principal } from '@/lib/auth/principal';
import { revokeTokens } from '@/lib/auth/tokens';
import { AppError, fieldError, StaleEditError, type FieldErrors } from '@/lib/errors';
import { oneLine, requiredTextSchema, wholeNumberSchema } from '@/lib/validation';
import { cancelMailToOldAddress, enqueueMail, organizationName } from '@/lib/mail/outbox';
import { emailChangedMail } from '@/lib/mail/templates';
import { OWN_ROLE, profileProblems, profileValue } from '@/lib/roles';
import { sendInvitation, sendResetLink } from './access';
import { assertActiveAdministratorRemains, isActiveAdministrator, LAST_ADMINISTRATOR } from './admin-guard';
import { checkGrant, EMAIL_TAKEN, emailInUse, mapEmailTaken, newUserSchema, profileSchema } from './create';
import { findChangeableUser, targetOf } from './scope';

export const STALE_EDIT = 'Someone else changed this user after you opened it. Reload the page to see their changes, then try again.';
export { OWN_ROLE } from '@/lib/roles';
export const OWN_ENVIRONMENT = 'You cannot take yourself out of an environment: you would no longer manage its users. Ask an Administrator.';

/** The version a form carries in a hidden field: missing or garbled, the page it came from is out of date. */
const OUT_OF_DATE = 'This page is out of date: reload it and try again.';
export const versionSchema = wholeNumberSchema(1, 2_147_483_647, { required: OUT_OF_DATE, whole: OUT_OF_DATE, min: OUT_OF_DATE, max: OUT_OF_DATE });

export const userUpdateSchema = newUserSchema.omit({ profile: true }).extend({
  version: versionSchema,
  inactive: z.boolean().default(false),
  /** Values for the role's required fields; a field not named keeps its stored value (bulk and SOAP name none). */
  profile: profileSchema.optional(),
});

export type UserUpdate = z.infer<typeof userUpdateSchema>;

/** Why this user cannot be made inactive now, or null. Only people who can (or could) sign in can be. */
function inactiveRefusal(email: string, status: string): string | null {
  if (status === 'invited') return `${email} has not accepted the invitation yet, so there is no access to suspend. To withdraw the invitation, ban them.`;
  if (status === 'banned') return `${email} is banned, which already withdraws access: Validate lifts the ban.`;
  return null;
}

/** Field errors as one refusal: a single one is its own message (a bulk run or SOAP shows only that). */
function invalid(errors: FieldErrors) {
  const messages = Object.values(errors).map((list) => list[0]!);
  return new AppError('invalid', messages.length === 1 ? messages[0]! : 'Check the highlighted fields.', errors);
}

const listOf = (items: string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);

const byKey = (profile: Record<string, string>) => Object.fromEntries(Object.entries(profile).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export async function updateUser(tx: Tx, principal: Principal, userId: string, input: UserUpdate, meta?: RequestMeta) {
  requirePermissionOf(principal, 'users.write');
  const user = await findChangeableUser(tx, principal, userId);
  if (user.version !== input.version) throw new StaleEditError(STALE_EDIT);
  const self = isSelf(principal, user.id);

  // Environments: the principal sets those it manages. Memberships outside its reach, and those in
  // archived environments (which no form lists), stay as they are: a save never drops them unseen.
  const current = await tx
    .select({ id: userEnvironments.environmentId, archived: sql<boolean>`${environments.archivedAt} is not null` })
    .from(userEnvironments)
    .innerJoin(environments, eq(environments.id, userEnvironments.environmentId))
    .where(eq(userEnvironments.userId, user.id));
  const currentIds = current.map((c) => c.id);
  const { role, errors } = await checkGrant(tx, principal, input.roleId, input.environmentIds, currentIds, user.roleId);
  if (await emailInUse(tx, input.email, user.id)) errors.email = [EMAIL_TAKEN];
  if (!role) throw invalid(errors);

  const wanted = new Set(role.allEnvironments ? [] : input.environmentIds);
  const toRemove = current.filter((c) => !wanted.has(c.id) && !c.archived && canSeeEnvironment(principal, c.id)).map((c) => c.id);
  const toAdd = [...wanted].filter((id) => !currentIds.includes(id));

  // Nobody narrows their own access from this screen (or through a key acting as them): they could
  // not undo it, as they cannot ban themselves or make themselves inactive.
  if (self && role.id !== user.roleId) errors.roleId = [OWN_ROLE];
  // (Under a role that spans every environment, memberships bound nothing: dropping them narrows nothing.)
  if (self && toRemove.length > 0 && !role.allEnvironments && !errors.roleId)
    errors.environmentIds = [OWN_ENVIRONMENT];

  let status = user.status;
  const cannotSuspend = input.inactive ? inactiveRefusal(user.email, user.status) : null;
  if (cannotSuspend) errors.inactive = [cannotSuspend];
  if (input.inactive && (status === 'active' || status === 'locked')) status = 'inactive';
  // A lock outlasts inactivity: only Unlock or Reset (users.unlock) lift it, never a detour through Inactive.
  if (!input.inactive && status === 'inactive') status = user.lockReason ? 'locked' : 'active';
  // As with a ban: nobody signs themselves out of the portal for good by a tick on their own profile.
  if (status === 'inactive' && user.status !== 'inactive' && self)
    errors.inactive = ['You cannot make yourself inactive: you would be signed out until someone reactivates you.'];

  // The role's required fields: each value given replaces the stored one (blank removes it). A new role
  // needs all of its fields; otherwise only the values changed now are checked, so a field added to
  // the role later does not block an unrelated edit until someone fills it in.
  const profile: Record<string, string> = { ...user.profile };
  for (const field of role.requiredFields) {
    if (!input.profile || !Object.hasOwn(input.profile, field.key)) continue;
    const value = profileValue(input.profile, field.key);
    if (value) profile[field.key] = value;
    else delete profile[field.key];
  }
  const roleChanged = role.id !== user.roleId;
  const problems = profileProblems(role.requiredFields, profile).filter((p) => roleChanged || profileValue(profile, p.field.key) !== profileValue(user.profile, p.field.key));
  if (problems.length > 0 && !input.profile)
    // A caller that gave no values (bulk, SOAP, REST without `profile`) is told on the role what it lacks.
    errors.roleId ??= [
      `The ${role.name} role asks for ${listOf(problems.map((p) => p.field.label))}, which ${user.email} does not have: give the role where ${problems.length === 1 ? 'it' : 'they'} can be entered (their profile page, an import, or the REST API's profile).`,
    ];
  else for (const { field, message } of problems) errors[`profile.${field.key}`] = [message];
  if (Object.keys(errors).length > 0) throw invalid(errors);

  const before = { email: user.email, firstName: user.firstName, lastName: user.lastName, role: user.roleName, tags: user.tags, profile: byKey(user.profile), status: user.status };
  const after = { email: input.email, firstName: input.firstName, lastName: input.lastName, role: role.name, tags: input.tags, profile: byKey(profile), status };
  const changes = diff(before, after);
  if (toRemove.length || toAdd.length)
    changes.environments = { before: currentIds, after: [...currentIds.filter((id) => !toRemove.includes(id)), ...toAdd] };

  if (Object.keys(changes).length === 0) return { changed: false };

  const wasAdministrator = await isActiveAdministrator(tx, user.id);
  // Losing access or permissions ends the user's sessions at their next request.
  const endSessions = roleChanged || status !== user.status || input.email.toLowerCase() !== user.email.toLowerCase();
  const updated = await mapEmailTaken(() => tx
    .update(users)
    .set({
      email: input.email,
      firstName: input.firstName,
      lastName: input.lastName,
      roleId: role.id,
      tags: input.tags,
      profile,
      status,
      // Reactivated with a clean count, as Unlock, Reset and Validate leave it: the first typo must not lock them.
      ...(status === 'active' && user.status === 'inactive' ? { activatedAt: new Date(), failedAttempts: 0 } : {}),
      ...(endSessions ? { sessionVersion: sql`${users.sessionVersion} + 1` } : {}),
      version: sql`${users.version} + 1`,
      updatedAt: new Date(),
    })
    .where(and(eq(users.id, user.id), eq(users.version, input.version)))
    .returning({ id: users.id }));
  if (updated.length === 0) throw new StaleEditError(STALE_EDIT);
  if (toRemove.length)
    await tx.delete(userEnvironments).where(and(eq(userEnvironments.userId, user.id), inArray(userEnvironments.environmentId, toRemove)));
  if (toAdd.length) await tx.insert(userEnvironments).values(toAdd.map((environmentId) => ({ userId: user.id, environmentId })));
  if (wasAdministrator && endSessions) await assertAdministratorKept(tx, roleChanged ? 'roleId' : status !== user.status ? 'inactive' : 'email');
  if (changes.email) await moveSignInEmail(tx, { id: user.id, firstName: input.firstName, oldEmail: user.email, newEmail: input.email, status });
  // Outstanding reset links die with access, as with a ban: reactivated later, the user gets no old link back.
  else if (status === 'inactive' && user.status !== 'inactive') await revokeTokens(tx, user.id);

  await recordAudit(tx, {
    actor: principal.actor,
    action: changes.role ? 'user.role_changed' : 'user.updated',
    target: targetOf({ id: user.id, email: input.email }),
    changes,
    meta,
  });
  return { changed: true };
}

/** The last-Administrator rule, its refusal shown on the field that would have broken it. */
async function assertAdministratorKept(tx: Tx, field: string) {
  try {
    await assertActiveAdministratorRemains(tx);
  } catch (error) {
    if (error instanceof AppError && error.message === LAST_ADMINISTRATOR) throw new AppError('conflict', LAST_ADMINISTRATOR, { [field]: [LAST_ADMINISTRATOR] } satisfies FieldErrors);
    throw error;
  }
}

/**
/**
 * After an email change: every link sent to the old address stops working and nothing else still waiting
 * is sent there (it may be a typo's owner, or an attacker's), an invited user is invited again at the new
 * address, as is an active user a Reset left without a password (the voided link was their only way back
 * in), and an active user's old address is told, so a takeover through an email change does not go unnoticed.
 */
async function moveSignInEmail(tx: Tx, user: { id: string; firstName: string; oldEmail: string; newEmail: string; status: string }) {
  await revokeTokens(tx, user.id);
  if (user.oldEmail.toLowerCase() !== user.newEmail.toLowerCase()) await cancelMailToOldAddress(tx, user.id, user.oldEmail);
  const recipient = { id: user.id, email: user.newEmail, firstName: user.firstName };
  if (user.status === 'invited') await sendInvitation(tx, recipient);
  else if (user.status === 'active' && (await tx.select({ id: users.id }).from(users).where(and(eq(users.id, user.id), isNull(users.passwordHash)))).length > 0)
    await sendResetLink(tx, recipient);
  if (user.status === 'active' && user.oldEmail.toLowerCase() !== user.newEmail.toLowerCase())
    await enqueueMail(tx, { email: user.oldEmail, userId: user.id }, emailChangedMail(await organizationName(tx), user.firstName, user.newEmail));
}

/** A ban's reason, the same rule on every path (portal, bulk, REST): it is shown in the user's history. */
export const banReasonSchema = oneLine(requiredTextSchema('reason', 500, 'Give a reason: it is kept in the user\'s history.'));

export const banSchema = z.object({
  version: versionSchema,
  reason: banReasonSchema,
});

export async function banUser(tx: Tx, principal: Principal, userId: string, input: z.infer<typeof banSchema>, meta?: RequestMeta) {
  requirePermissionOf(principal, 'users.ban');
  // Checked here too: callers that parse with schemas of their own still get this rule.
  const reason = banReasonSchema.safeParse(input.reason);
  if (!reason.success) throw fieldError('reason', reason.error.issues[0]!.message);
  const user = await findChangeableUser(tx, principal, userId);
  if (user.version !== input.version) throw new StaleEditError(STALE_EDIT);
  if (user.status === 'banned') throw new AppError('conflict', `${user.email} is already banned.`);
  if (isSelf(principal, user.id)) throw new AppError('forbidden', 'You cannot ban yourself.');
  const wasAdministrator = await isActiveAdministrator(tx, user.id);
  await tx
    .update(users)
    // A lock stays underneath the ban (see validateUser).
    .set({
      status: 'banned',
      banReason: reason.data,
      // As a lock does, Inactive stays underneath the ban: Validate is no way round a reactivation (users.write).
      bannedWhileInactive: user.status === 'inactive',
      sessionVersion: sql`${users.sessionVersion} + 1`,
      version: sql`${users.version} + 1`,
      updatedAt: new Date(),
    })
    .where(eq(users.id, user.id));
  if (wasAdministrator) await assertActiveAdministratorRemains(tx);
  // Outstanding invitation and reset links die with the ban.
  await revokeTokens(tx, user.id);
  await recordAudit(tx, {
    actor: principal.actor,
    action: 'user.banned',
    target: targetOf(user),
    changes: { status: { before: user.status, after: 'banned' } },
    detail: reason.data,
    meta,
  });
}

/** Validate: a banned user gets access back: active (their password still works), or invited again if
 * they had never set a password (a manager then resends the invitation), or locked again if they were
 * locked when banned: a lock is lifted by Unlock or Reset (users.unlock), never by a ban and Validate;
 * nor is Inactive (a reactivation, users.write): one inactive when banned is inactive again. */
export async function validateUser(tx: Tx, principal: Principal, userId: string, meta?: RequestMeta) {
  requirePermissionOf(principal, 'users.ban');
  const user = await findChangeableUser(tx, principal, userId);
  if (user.status !== 'banned') throw new AppError('conflict', `${user.email} is not banned.`);
  const [underneath] = await tx.select({ inactive: users.bannedWhileInactive }).from(users).where(eq(users.id, user.id));
  const status: 'inactive' | 'locked' | 'active' | 'invited' = underneath?.inactive ? 'inactive' : user.lockReason ? 'locked' : user.activatedAt ? 'active' : 'invited';
  // Reset before the ban: no password, and the ban voided the link to choose one.
  const [password] = await tx.select({ set: sql<boolean>`${users.passwordHash} is not null` }).from(users).where(eq(users.id, user.id));
  await tx
    .update(users)
    .set({
      status,
      banReason: null,
      bannedWhileInactive: false,
      ...(status === 'locked' || status === 'inactive' ? {} : { failedAttempts: 0 }),
      ...(status === 'active' ? { activatedAt: new Date() } : {}),
      version: sql`${users.version} + 1`,
      updatedAt: new Date(),
    })
    .where(eq(users.id, user.id));
  await recordAudit(tx, {
    actor: principal.actor,
    action: 'user.validated',
    target: targetOf(user),
    changes: { status: { before: 'banned', after: status } },
    detail: user.banReason ? `Ban lifted (was: ${user.banReason})` : 'Ban lifted',
    meta,
  });
  return { status, passwordSet: password?.set === true };
}
