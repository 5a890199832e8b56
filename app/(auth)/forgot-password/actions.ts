'use server';

import { action } from '@/lib/action';
import { requestPasswordReset } from '@/lib/users/access';
import { emailSchema } from '@/lib/validation';
import { z } from 'zod';

export const forgotPasswordAction = action('public', z.object({ email: emailSchema }), async ({ email }, { tx, meta }) => {
  await requestPasswordReset(tx, email, meta);
  // The same answer whether or not the address has an account.
  return { message: 'If an active account uses this address, a link to choose a new password is on its way. It works once and expires soon.' };
});
