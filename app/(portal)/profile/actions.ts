'use server';

import { z } from 'zod';
import { db } from '@/db';
import { batchedAction } from '@/lib/action';
import { renewSession } from '@/lib/auth/session';
import { changeOwnPassword, refuseUnconfirmed } from '@/lib/users/password';

const changePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, 'Enter your current password.'),
    newPassword: z.string().min(1, 'Choose a new password.'),
    confirmPassword: z.string(),
  });

// Batched: a wrong current password is counted in a transaction of its own, kept though the change is refused.
export const changePasswordAction = batchedAction('signed-in', changePasswordSchema, async (input, { user, meta }) => {
  if (input.newPassword !== input.confirmPassword) await refuseUnconfirmed(db, input.newPassword, user, 'newPassword');
  const { sessionVersion } = await changeOwnPassword(db, user.id, input, meta, user.sessionVersion);
  await renewSession(db, { id: user.id, email: user.email, name: `${user.firstName} ${user.lastName}` }, sessionVersion);
  return { message: 'Your password has been changed.' };
});
