'use server';

import { z } from 'zod';
import { action } from '@/lib/action';
import { renewSession } from '@/lib/auth/session';
import { changeOwnPassword } from '@/lib/users/password';

const changePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, 'Enter your current password.'),
    newPassword: z.string().min(1, 'Choose a new password.'),
    confirmPassword: z.string(),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ['confirmPassword'], message: 'The passwords do not match.' });

export const changePasswordAction = action('signed-in', changePasswordSchema, async (input, { tx, user, meta }) => {
  const { sessionVersion } = await changeOwnPassword(tx, user.id, input, meta);
  await renewSession({ id: user.id, email: user.email, name: `${user.firstName} ${user.lastName}` }, sessionVersion);
  return { message: 'Your password has been changed.' };
});
