// Editing a user and changing their status (Ban, Validate). Every save carries the version the
// editor saw: a save over someone else's newer change is refused, never silently overwritten.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '@/db/client';
import { userEnvironments, users } from '@/db/schema';
import { diff, recordAudit, type RequestMeta } from '@/lib/audit';
import { isSelf, requirePermissionOf, type Principal } from '@/lib/auth/principal';
import { revokeTokens } from '@/lib/auth/tokens';
import { AppError, fieldError } from '@/lib/errors';
import { requiredTextSchema } from '@/lib/validation';
import { enqueueMail, organizationName } from '@/lib/mail/outbox';
import { emailChangedMail } from '@/lib/mail/templates';
import { sendInvitation } from './access';
import { assertActiveAdministratorRemains, isActiveAdministrator } from './admin-guard';
import { checkGrant, EMAIL_TAKEN, emailInUse, mapEmailTaken, newUserSchema } from './create';
import { findChangeableUser, targetOf } from './scope';

export const STALE_EDIT = 'Someone else changed this user after you opened it. Reload the page to see their changes, then try again.';

export const userUpdateSchema = newUserSchema.omit({ profile: true }).extend({
  version: z.coerce.number().int().positive(),
  inactive: z.boolean().default(false),
});

export type UserUpdate = z.infer<typeof userUpdateSchema>;

export async function updateUser(tx: Tx, principal: Principal, userId: string, input: UserUpdate, meta?: RequestMeta) {
  requirePermissionOf(principal, 'users.write');
  const user = await findChangeableUser(tx, principal, userId);
  if (user.version !== input.version) throw new AppError('conflict', STALE_EDIT);

  const { role, errors } = await checkGrant(tx, principal, input.roleId, input.environmentIds);
  if (await emailInUse(tx, input.email, user.id)) errors.email = [EMAIL_TAKEN];
  if (Object.keys(errors).length > 0 || !role) throw new AppError('invalid', 'Check the highlighted fields.', errors);

  let status = user.status;
  if (input.inactive && (status === 'active' || status === 'locked')) status = 'inactive';
  // A lock outlasts inactivity: only Unlock or Reset (users.unlock) lift it, never a detour through Inactive.
  if (!input.inactive && status === 'inactive') status = user.lockReason ? 'locked' : 'active';
  // As with a ban: nobody signs themselves out of the portal for good by a tick on their own profile.
  if (status === 'inactive' && user.status !== 'inactive' && isSelf(principal, user.id))
    throw fieldError('inactive', 'You cannot make yourself inactive: you would be signed out until someone reactivates you.');

  const before = { email: user.email, firstName: user.firstName, lastName: user.lastName, role: user.roleName, tags: user.tags, status: user.status };
  const after = { email: input.email, firstName: input.firstName, lastName: input.lastName, role: role.name, tags: input.tags, status };
  const changes = diff(before, after);

  // Environments: the principal sets those it manages; memberships outside its reach stay as they are.
  const current = await tx.select({ id: userEnvironments.environmentId }).from(userEnvironments).where(eq(userEnvironments.userId, user.id));
  const managed = (id: string) => principal.allEnvironments || principal.environmentIds.includes(id);
  const wanted = new Set(role.allEnvironments ? [] : input.environmentIds);
  const toRemove = current.map((c) => c.id).filter((id) => managed(id) && !wanted.has(id));
  const toAdd = [...wanted].filter((id) => !current.some((c) => c.id === id));
  if (toRemove.length || toAdd.length)
    changes.environments = { before: current.map((c) => c.id), after: [...current.map((c) => c.id).filter((id) => !toRemove.includes(id)), ...toAdd] };

  if (Object.keys(changes).length === 0) return { changed: false };

  const wasAdministrator = await isActiveAdministrator(tx, user.id);
  // Losing access or permissions ends the user's sessions at their next request.
  const endSessions = role.id !== user.roleId || status !== user.status || input.email.toLowerCase() !== user.email.toLowerCase();
  const updated = await mapEmailTaken(() => tx
    .update(users)
    .set({
      email: input.email,
      firstName: input.firstName,
      lastName: input.lastName,
      roleId: role.id,
      tags: input.tags,
      status,
      ...(status === 'active' && user.status === 'inactive' ? { activatedAt: new Date() } : {}),
      ...(endSessions ? { sessionVersion: sql`${users.sessionVersion} + 1` } : {}),
      version: sql`${users.version} + 1`,
      updatedAt: new Date(),
    })
    .where(and(eq(users.id, user.id), eq(users.version, input.version)))
    .returning({ id: users.id }));
  if (updated.length === 0) throw new AppError('conflict', STALE_EDIT);
  if (toRemove.length)
    await tx.delete(userEnvironments).where(and(eq(userEnvironments.userId, user.id), inArray(userEnvironments.environmentId, toRemove)));
  if (toAdd.length) await tx.insert(userEnvironments).values(toAdd.map((environmentId) => ({ userId: user.id, environmentId })));
  if (wasAdministrator && endSessions) await assertActiveAdministratorRemains(tx);
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

/**
 * After an email change: every link sent to the old address stops working (it may be a typo's owner,
 * or an attacker's), an invited user is invited again at the new address, and an active user's old
 * address is told, so a takeover through an email change does not go unnoticed.
 */
async function moveSignInEmail(tx: Tx, user: { id: string; firstName: string; oldEmail: string; newEmail: string; status: string }) {
  await revokeTokens(tx, user.id);
  if (user.status === 'invited') await sendInvitation(tx, { id: user.id, email: user.newEmail, firstName: user.firstName });
  else if (user.status === 'active' && user.oldEmail.toLowerCase() !== user.newEmail.toLowerCase())
    await enqueueMail(tx, { email: user.oldEmail, userId: user.id }, emailChangedMail(await organizationName(tx), user.firstName, user.newEmail));
}

/** A ban's reason, the same rule on every path (portal, bulk, REST): it is shown in the user's history. */
export const banReasonSchema = requiredTextSchema('reason', 500, 'Give a reason: it is kept in the user\'s history.');

export const banSchema = z.object({
  version: z.coerce.number().int().positive(),
  reason: banReasonSchema,
});

export async function banUser(tx: Tx, principal: Principal, userId: string, input: z.infer<typeof banSchema>, meta?: RequestMeta) {
  requirePermissionOf(principal, 'users.ban');
  // Checked here too: callers that parse with schemas of their own still get this rule.
  const reason = banReasonSchema.safeParse(input.reason);
  if (!reason.success) throw fieldError('reason', reason.error.issues[0]!.message);
  const user = await findChangeableUser(tx, principal, userId);
  if (user.version !== input.version) throw new AppError('conflict', STALE_EDIT);
  if (user.status === 'banned') throw new AppError('conflict', `${user.email} is already banned.`);
  if (isSelf(principal, user.id)) throw new AppError('forbidden', 'You cannot ban yourself.');
  const wasAdministrator = await isActiveAdministrator(tx, user.id);
  await tx
    .update(users)
    // A lock stays underneath the ban (see validateUser).
    .set({ status: 'banned', banReason: reason.data, sessionVersion: sql`${users.sessionVersion} + 1`, version: sql`${users.version} + 1`, updatedAt: new Date() })
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
 * locked when banned: a lock is lifted by Unlock or Reset (users.unlock), never by a ban and Validate. */
export async function validateUser(tx: Tx, principal: Principal, userId: string, meta?: RequestMeta) {
  requirePermissionOf(principal, 'users.ban');
  const user = await findChangeableUser(tx, principal, userId);
  if (user.status !== 'banned') throw new AppError('conflict', `${user.email} is not banned.`);
  const status: 'locked' | 'active' | 'invited' = user.lockReason ? 'locked' : user.activatedAt ? 'active' : 'invited';
  await tx
    .update(users)
    .set({
      status,
      banReason: null,
      ...(status === 'locked' ? {} : { failedAttempts: 0 }),
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
  return { status };
}
