'use server';

import { db } from '@/db';
import { batchedAction } from '@/lib/action';
import { answerPasswordResetRequest } from '@/lib/users/access';
import { emailSchema } from '@/lib/validation';
import { z } from 'zod';

export const forgotPasswordAction = batchedAction('public', z.object({ email: emailSchema }), async ({ email }, { meta }) => {
  await answerPasswordResetRequest(db, email, meta);
  // The same answer whether or not the address has an account.
  return { message: 'If an account uses this address, an email with what to do next is on its way. A link in it works once and expires soon.' };
});
