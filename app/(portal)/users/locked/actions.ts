'use server';

import { z } from 'zod';
import { action } from '@/lib/action';
import { principalOf } from '@/lib/auth/principal';
import { resetUser, unlockUser } from '@/lib/users/access';

const selectionSchema = z.object({
  userIds: z.preprocess(
    (v) => (Array.isArray(v) ? v : v ? [v] : []),
    z.array(z.uuid('Select users from the list.')).min(1, 'Select at least one user.').max(500, 'Select at most 500 users at once.'),
  ),
});

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

// Several users at once are one transaction: all are unlocked (or reset), or none is.
export const unlockUsersAction = action('users.unlock', selectionSchema, async ({ userIds }, { tx, user, meta }) => {
  const done = [];
  for (const id of userIds) done.push(await unlockUser(tx, principalOf(user), id, meta));
  return { message: done.length === 1 ? `${done[0]!.email} is unlocked and can sign in with their password.` : `${plural(done.length, 'user')} unlocked.`, revalidate: '/users' };
});

export const resetUsersAction = action('users.unlock', selectionSchema, async ({ userIds }, { tx, user, meta }) => {
  const done = [];
  for (const id of userIds) done.push(await resetUser(tx, principalOf(user), id, meta));
  return { message: done.length === 1 ? `${done[0]!.email} was reset and emailed a link to choose a new password.` : `${plural(done.length, 'user')} reset and emailed a link.`, revalidate: '/users' };
});
