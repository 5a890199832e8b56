'use server';

import { action } from '@/lib/action';
import { principalOf } from '@/lib/auth/principal';
import { securitySettingsSchema, updateSecuritySettings } from '@/lib/settings/security';

export const updateSecuritySettingsAction = action('settings.manage', securitySettingsSchema, async (input, { tx, user, meta }) => {
  const { changed } = await updateSecuritySettings(tx, principalOf(user), input, meta);
  return {
    message: changed === 0 ? 'Nothing changed.' : `Security settings saved (${changed} change${changed === 1 ? '' : 's'}).`,
    revalidate: '/settings/security',
  };
});
