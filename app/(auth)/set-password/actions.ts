'use server';

import { z } from 'zod';
import { action } from '@/lib/action';
import { renewSession } from '@/lib/auth/session';
import { completePasswordLink } from '@/lib/users/access';

const setPasswordSchema = z
  .object({
    token: z.string().min(1),
    password: z.string().min(1, 'Choose a password.'),
    confirmPassword: z.string(),
  })
  .refine((v) => v.password === v.confirmPassword, { path: ['confirmPassword'], message: 'The passwords do not match.' });

// Public: the link is the credential. Setting the password signs the user in.
export const setPasswordAction = action('public', setPasswordSchema, async (input, { tx, meta }) => {
  const user = await completePasswordLink(tx, input.token, input.password, meta);
  await renewSession(user, user.sessionVersion);
  return { message: 'Your password is set.', redirectTo: '/' };
});
