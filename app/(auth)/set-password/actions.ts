'use server';

import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '@/db/client';
import { users } from '@/db/schema';
import { action } from '@/lib/action';
import { renewSession } from '@/lib/auth/session';
import { findToken } from '@/lib/auth/tokens';
import { completePasswordLink, INVALID_LINK } from '@/lib/users/access';
import { refuseUnconfirmed } from '@/lib/users/password';

/** The account a link is for, as the password policy reads it (null for a link that does not work). */
async function linkOwner(tx: Tx, token: string) {
  const link = await findToken(tx, token);
  if (!link) return null;
  const [user] = await tx.select({ email: users.email, firstName: users.firstName, lastName: users.lastName }).from(users).where(eq(users.id, link.userId));
  return user ?? null;
}

const setPasswordSchema = z
  .object({
    token: z.string(INVALID_LINK).min(1, INVALID_LINK),
    password: z.string().min(1, 'Choose a password.'),
    confirmPassword: z.string(),
  });

// Public: the link is the credential. Setting the password signs the user in.
export const setPasswordAction = action('public', setPasswordSchema, async (input, { tx, meta }) => {
  if (input.password !== input.confirmPassword) await refuseUnconfirmed(tx, input.password, await linkOwner(tx, input.token), 'password');
  const user = await completePasswordLink(tx, input.token, input.password, meta);
  await renewSession(tx, user, user.sessionVersion);
  return { message: 'Your password is set.', redirectTo: '/' };
});
