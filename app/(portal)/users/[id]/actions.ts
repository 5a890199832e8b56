'use server';

import { z } from 'zod';
import { action } from '@/lib/action';
import { principalOf } from '@/lib/auth/principal';
import { resendInvitation, resetUser, unlockUser } from '@/lib/users/access';
import { fromUserForm } from '@/lib/users/form';
import { banSchema, banUser, updateUser, userUpdateSchema, validateUser } from '@/lib/users/update';

const target = z.object({ userId: z.uuid() });
const page = (id: string) => `/users/${id}`;

export const updateUserAction = action('users.write', fromUserForm(userUpdateSchema.extend(target.shape)), async ({ userId, ...input }, { tx, user, meta }) => {
  const { changed } = await updateUser(tx, principalOf(user), userId, input, meta);
  return { message: changed ? 'Changes saved.' : 'Nothing changed.', revalidate: page(userId) };
});

export const banUserAction = action('users.ban', banSchema.extend(target.shape), async ({ userId, ...input }, { tx, user, meta }) => {
  await banUser(tx, principalOf(user), userId, input, meta);
  return { message: 'The user is banned and signed out everywhere. Their history is kept.', revalidate: page(userId) };
});

export const validateUserAction = action('users.ban', target, async ({ userId }, { tx, user, meta }) => {
  await validateUser(tx, principalOf(user), userId, meta);
  return { message: 'The user is active again and can sign in.', revalidate: page(userId) };
});

export const unlockUserAction = action('users.unlock', target, async ({ userId }, { tx, user, meta }) => {
  await unlockUser(tx, principalOf(user), userId, meta);
  return { message: 'The user is unlocked and can sign in with their password.', revalidate: page(userId) };
});

export const resetUserAction = action('users.unlock', target, async ({ userId }, { tx, user, meta }) => {
  await resetUser(tx, principalOf(user), userId, meta);
  return { message: 'The user was reset and emailed a link to choose a new password.', revalidate: page(userId) };
});

export const resendInvitationAction = action('users.write', target, async ({ userId }, { tx, user, meta }) => {
  await resendInvitation(tx, principalOf(user), userId, meta);
  return { message: 'A new invitation was sent; earlier links no longer work.', revalidate: page(userId) };
});
