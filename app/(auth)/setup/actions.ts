'use server';

import { action } from '@/lib/action';
import { setupOrganization, setupSchema } from '@/lib/org/setup';

export const setupAction = action('public', setupSchema, async (input, { tx, meta }) => {
  await setupOrganization(tx, input, meta);
  return { message: 'Userdesk is ready. Signing you in…' };
});
