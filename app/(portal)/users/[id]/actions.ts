'use server';

import { z } from 'zod';
import { db } from '@/db';
import { action } from '@/lib/action';
import { describeAuditEvent } from '@/lib/audit/describe';
import { auditNames, changesSince } from '@/lib/audit/names';
import { hasPermission } from '@/lib/auth/permissions';
import { getCurrentUser } from '@/lib/auth/session';
import { AppError } from '@/lib/errors';
import { findVisibleUser, membershipsOf } from '@/lib/users/scope';
import { canSeeEnvironment, principalOf } from '@/lib/auth/principal';
import { resendInvitation, resetUser, unlockUser } from '@/lib/users/access';
import { fromUserForm } from '@/lib/users/form';
import { banSchema, banUser, updateUser, userUpdateSchema, validateUser } from '@/lib/users/update';
import { isPgDate } from '@/lib/search-params';

// A hidden field of every form here: missing or garbled, the page it came from is broken.
const target = z.object({ userId: z.uuid('This page is out of date: reload it and try again.') });
const page = (id: string) => `/users/${id}`;

export const updateUserAction = action('users.write', fromUserForm(userUpdateSchema.extend(target.shape)), async ({ userId, ...input }, { tx, user, meta }) => {
  const { changed } = await updateUser(tx, principalOf(user), userId, input, meta);
  return { message: changed ? 'Changes saved.' : 'Nothing changed.', revalidate: page(userId) };
});

export const banUserAction = action('users.ban', banSchema.extend(target.shape), async ({ userId, ...input }, { tx, user, meta }) => {
  await banUser(tx, principalOf(user), userId, input, meta);
  return { message: 'Banned. They are signed out everywhere; their history is kept.', revalidate: page(userId) };
});

export const validateUserAction = action('users.ban', target, async ({ userId }, { tx, user, meta }) => {
  const { status, passwordSet } = await validateUser(tx, principalOf(user), userId, meta);
  const message = {
    active: passwordSet
      ? 'The user is active again and can sign in.'
      : 'The ban is lifted, but their password had been reset and the ban voided the link to choose one: reset them to send a new link.',
    invited: 'The ban is lifted. They never set a password: resend the invitation so they can.',
    locked: 'The ban is lifted, but they were locked when banned and still are: unlock or reset them to let them sign in.',
    inactive: 'The ban is lifted. They were inactive when banned and still are: untick Inactive on their profile to let them sign in.',
  }[status];
  return { message, revalidate: page(userId) };
});

export const unlockUserAction = action('users.unlock', target, async ({ userId }, { tx, user, meta }) => {
  const { lockReason } = await unlockUser(tx, principalOf(user), userId, meta);
  const message = lockReason === 'password_expired'
    ? 'The user is unlocked: at their next sign-in they must choose a new password, as theirs has expired.'
    : 'The user is unlocked and can sign in with their password.';
  return { message, revalidate: page(userId) };
});

export const resetUserAction = action('users.unlock', target, async ({ userId }, { tx, user, meta }) => {
  await resetUser(tx, principalOf(user), userId, meta);
  return { message: 'The user was reset and emailed a link to choose a new password.', revalidate: page(userId) };
});

export const resendInvitationAction = action('users.write', target, async ({ userId }, { tx, user, meta }) => {
  await resendInvitation(tx, principalOf(user), userId, meta);
  return { message: 'A new invitation was sent; earlier links no longer work.', revalidate: page(userId) };
});

export type Conflict = {
  version: number;
  seenAt: string;
  changes: { sentence: string; at: string; details: string[] }[];
  /** The values stored now: fields the editor did not touch take these when their changes go on top. */
  current: { firstName: string; lastName: string; email: string; roleId: string; environmentIds: string[]; tags: { name: string; value: string }[]; inactive: boolean; profile: Record<string, string> };
};

/**
 * After a stale save: what others changed since the editor opened the user, and the version to save
 * on top of. Read-only; the same checks as the profile page (signed in, users.read, in scope).
 */
export async function loadConflict(userId: unknown, seenAt: unknown): Promise<Conflict | null> {
  const viewer = await getCurrentUser();
  // Read as the user's page is: not before a password change the viewer is held to.
  if (!viewer || !hasPermission(viewer, 'users.read') || viewer.requirePasswordChange || typeof userId !== 'string' || typeof seenAt !== 'string') return null;
  const since = new Date(seenAt);
  if (!z.uuid().safeParse(userId).success || !isPgDate(since)) return null;
  try {
    const principal = principalOf(viewer);
    const user = await findVisibleUser(db, principal, userId);
    const events = await changesSince(db, userId, since);
    const names = await auditNames(db, events, principal);
    // Those the viewer works in, as the form lists them (a save keeps the others as they are).
    const environmentIds = (await membershipsOf(db, userId)).filter((id) => canSeeEnvironment(principal, id));
    return {
      current: { firstName: user.firstName, lastName: user.lastName, email: user.email, roleId: user.roleId, environmentIds, tags: user.tags, inactive: user.status === 'inactive', profile: user.profile },
      version: user.version,
      seenAt: user.updatedAt.toISOString(),
      changes: events.map((e) => {
        const d = describeAuditEvent(e, names, { about: userId });
        return { sentence: d.sentence, at: e.at.toISOString(), details: d.changes.map((c) => `${c.field}: ${c.before} → ${c.after}`) };
      }),
    };
  } catch (error) {
    if (error instanceof AppError) return null;
    throw error;
  }
}
