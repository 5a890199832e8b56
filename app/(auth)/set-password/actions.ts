'use server';

import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '@/db/client';
import { users } from '@/db/schema';
import { action } from '@/lib/action';
import { renewSession } from '@/lib/auth/session';
import { findToken } from '@/lib/auth/tokens';
import { completePasswordLink } from '@/lib/users/access';
import { refuseUnconfirmed } from '@/lib/users/password';

/** The account a link is for, as the password policy reads it (null for a link that does not work). */
async function linkOwner(tx: Tx, token: string) {
  const link = await findToken(tx, token);
  if (!link) return null;
  const [user] = await tx.select({ email: users.email, firstName: users.firstName, lastName: users.lastName }).from(users).where(eq(users.id, link.userId));
  return user ?? null;
}

// The form lost the token its link carried: only opening the link again brings it back.
const MISSING_LINK = 'This page lost the link it was opened from: open the link in your email again.';

const setPasswordSchema = z
  .object({
    token: z.string(MISSING_LINK).min(1, MISSING_LINK),
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
