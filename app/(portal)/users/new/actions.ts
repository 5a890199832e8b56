'use server';

import { action } from '@/lib/action';
import { principalOf } from '@/lib/auth/principal';
import { inviteUser, newUserSchema } from '@/lib/users/create';
import { fromUserForm } from '@/lib/users/form';

export const addUserAction = action('users.write', fromUserForm(newUserSchema), async (input, { tx, user, meta }) => {
  const created = await inviteUser(tx, principalOf(user), input, meta);
  return { message: `${created.email} was added and invited.`, redirectTo: `/users/${created.id}?added=1` };
});
