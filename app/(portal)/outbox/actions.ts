'use server';

import { z } from 'zod';
import { action } from '@/lib/action';
import { principalOf } from '@/lib/auth/principal';
import { cancelOutboxMessage, retryOutboxMessage } from '@/lib/mail/manage';

// The outbox is the Administrators' alone (its messages hold live links): lib/mail/manage checks that.
const messageSchema = z.object({ id: z.uuid('Choose a message from the outbox.') });

export const retryMessageAction = action('settings.manage', messageSchema, async ({ id }, { tx, user, meta }) => {
  const message = await retryOutboxMessage(tx, principalOf(user), id, meta);
  return { message: `"${message.subject}" to ${message.toAddress} will be sent again.`, revalidate: '/outbox' };
});

export const cancelMessageAction = action('settings.manage', messageSchema, async ({ id }, { tx, user, meta }) => {
  const message = await cancelOutboxMessage(tx, principalOf(user), id, meta);
  return { message: `"${message.subject}" to ${message.toAddress} is cancelled and will not be sent.`, revalidate: '/outbox' };
});
