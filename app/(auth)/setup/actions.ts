'use server';

import { z } from 'zod';
import { SECURITY_DEFAULTS } from '@/db/schema';
import { action } from '@/lib/action';
import { checkPassword } from '@/lib/auth/password-policy';
import { setupOrganization, setupSchema } from '@/lib/org/setup';
import { PASSWORDS_DIFFER, refuseUnconfirmed } from '@/lib/users/password';

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

// Typed twice: a typo here would leave the only account with a password nobody knows, and without
// mail the reset link waits in an outbox only an Administrator can open.
// When another field is already wrong (a bad email), the password is judged in the same answer (the
// defaults apply before setup) instead of on the next try; otherwise setupOrganization judges it.
const setupFormSchema = setupSchema.extend({ confirmPassword: z.string() }).superRefine(
  (input, ctx) => {
    if (!input.password) return;
    const owner = { email: text(input.email), firstName: text(input.firstName), lastName: text(input.lastName) };
    for (const message of checkPassword(input.password, SECURITY_DEFAULTS, owner)) ctx.addIssue({ code: 'custom', message, path: ['password'] });
    if (input.password !== input.confirmPassword) ctx.addIssue({ code: 'custom', message: PASSWORDS_DIFFER, path: ['confirmPassword'] });
  },
  {
    when: ({ issues, value }) => {
      const form = value as Record<string, unknown> | undefined;
      return issues.length > 0 && typeof form?.password === 'string' && typeof form.confirmPassword === 'string';
    },
  },
);

export const setupAction = action('public', setupFormSchema, async ({ confirmPassword, ...input }, { tx, meta }) => {
  if (input.password !== confirmPassword) await refuseUnconfirmed(tx, input.password, input, 'password');
  await setupOrganization(tx, input, meta);
  return { message: 'Userdesk is ready. Signing you in…' };
});
