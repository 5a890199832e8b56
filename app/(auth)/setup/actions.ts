'use server';

import { z } from 'zod';
import { action } from '@/lib/action';
import { setupOrganization, setupSchema } from '@/lib/org/setup';
import { refuseUnconfirmed } from '@/lib/users/password';

// Typed twice: a typo here would leave the only account with a password nobody knows, and without
// mail the reset link waits in an outbox only an Administrator can open.
const setupFormSchema = setupSchema.extend({ confirmPassword: z.string() });

export const setupAction = action('public', setupFormSchema, async ({ confirmPassword, ...input }, { tx, meta }) => {
  if (input.password !== confirmPassword) await refuseUnconfirmed(tx, input.password, input, 'password');
  await setupOrganization(tx, input, meta);
  return { message: 'Userdesk is ready. Signing you in…' };
});
