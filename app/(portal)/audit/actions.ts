'use server';

import { z } from 'zod';
import { action } from '@/lib/action';
import { purgeNow, setRetentionDays } from '@/lib/audit/chain';
import { principalOf } from '@/lib/auth/principal';
import { wholeNumberSchema } from '@/lib/validation';

export const setRetentionAction = action(
  'settings.manage',
  // Whole digits only: an emptied field read as 0 kept every event forever, and "0x10" as 16 days.
  z.object({
    retentionDays: wholeNumberSchema(0, 36_500, {
      required: 'Enter a number of days (0 keeps every event forever).',
      whole: 'Enter whole days.',
      min: 'Enter 0 (keep forever) or more days.',
      max: 'At most 36,500 days.',
    }),
  }),
  async (input, { tx, user, meta }) => {
    await setRetentionDays(tx, principalOf(user), input.retentionDays, meta);
    return { message: input.retentionDays === 0 ? 'Audit events are kept forever.' : `Audit events are kept for ${input.retentionDays} days.`, revalidate: '/audit' };
  },
);

export const purgeAction = action('settings.manage', z.object({}), async (_input, { tx, user, meta }) => {
  const removed = await purgeNow(tx, principalOf(user), meta);
  return { message: removed === 0 ? 'Nothing is past the retention period.' : `${removed} event(s) past the retention period were purged.`, revalidate: '/audit' };
});
