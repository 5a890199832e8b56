'use server';

import { z } from 'zod';
import { action } from '@/lib/action';
import { cancelOutboxMessage, retryOutboxMessage } from '@/lib/mail/manage';

// The outbox belongs to whoever manages the organization's settings (the page's own permission).
const messageSchema = z.object({ id: z.uuid('Choose a message from the outbox.') });

export const retryMessageAction = action('settings.manage', messageSchema, async ({ id }, { tx, actor, meta }) => {
  const message = await retryOutboxMessage(tx, actor, id, meta);
  return { message: `"${message.subject}" to ${message.toAddress} will be sent again.`, revalidate: '/outbox' };
});

export const cancelMessageAction = action('settings.manage', messageSchema, async ({ id }, { tx, actor, meta }) => {
  const message = await cancelOutboxMessage(tx, actor, id, meta);
  return { message: `"${message.subject}" to ${message.toAddress} is cancelled and will not be sent.`, revalidate: '/outbox' };
});
