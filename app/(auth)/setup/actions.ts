'use server';

import { z } from 'zod';
import { action } from '@/lib/action';
import { setupOrganization, setupSchema } from '@/lib/org/setup';

// Typed twice: a typo here would leave the only account with a password nobody knows, and without
// mail the reset link waits in an outbox only an Administrator can open.
const setupFormSchema = setupSchema
  .extend({ confirmPassword: z.string() })
  .refine((v) => v.password === v.confirmPassword, { path: ['confirmPassword'], message: 'The passwords do not match.' });

export const setupAction = action('public', setupFormSchema, async ({ confirmPassword: _, ...input }, { tx, meta }) => {
  await setupOrganization(tx, input, meta);
  return { message: 'Userdesk is ready. Signing you in…' };
});
