'use server';

import { z } from 'zod';
import { action } from '@/lib/action';
import { purgeNow, setRetentionDays } from '@/lib/audit/chain';
import { principalOf } from '@/lib/auth/principal';

export const setRetentionAction = action(
  'settings.manage',
  z.object({ retentionDays: z.coerce.number('Enter a number of days.').int('Enter whole days.').min(0, 'Enter 0 (keep forever) or more days.').max(36_500, 'At most 36,500 days.') }),
  async (input, { tx, user, meta }) => {
    await setRetentionDays(tx, principalOf(user), input.retentionDays, meta);
    return { message: input.retentionDays === 0 ? 'Audit events are kept forever.' : `Audit events are kept for ${input.retentionDays} days.`, revalidate: '/audit' };
  },
);

export const purgeAction = action('settings.manage', z.object({}), async (_input, { tx, user, meta }) => {
  const removed = await purgeNow(tx, principalOf(user), meta);
  return { message: removed === 0 ? 'Nothing is past the retention period.' : `${removed} event(s) past the retention period were purged.`, revalidate: '/audit' };
});
