// Administrators' hands on the queue (theirs alone: see isAdministrator): send a failed (or cancelled) message again, or cancel one that
// is still waiting. Each is audited in the same transaction.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '@/db/client';
import { outboxMessages, users } from '@/db/schema';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { requireAdministratorOf, type Principal } from '@/lib/auth/principal';
import { findToken } from '@/lib/auth/tokens';
import { AppError } from '@/lib/errors';
import { isActiveAdministrator } from '@/lib/users/admin-guard';
import { LINK_KINDS, SUPERSEDED } from './outbox';

const target = (m: { id: string; subject: string; toAddress: string }) => ({ type: 'outbox_message', id: m.id, label: `${m.subject} to ${m.toAddress}` });

async function current(tx: Tx, id: string) {
  const [message] = await tx
    .select({
      id: outboxMessages.id,
      status: outboxMessages.status,
      subject: outboxMessages.subject,
      toAddress: outboxMessages.toAddress,
      lastError: outboxMessages.lastError,
      kind: outboxMessages.kind,
      links: outboxMessages.links,
      userId: outboxMessages.userId,
    })
    .from(outboxMessages)
    .where(eq(outboxMessages.id, id))
    // Held until commit: a sender's claim skips it meanwhile, so the status read here stays true.
    .for('update');
  if (!message) throw new AppError('not_found', 'That message is no longer in the outbox.');
  return message;
}

const CANNOT_RETRY: Partial<Record<string, string>> = {
  pending: 'That message is already waiting to be sent.',
  sending: 'That message is being sent right now.',
  sent: 'That message was already sent.',
};
const CANNOT_CANCEL: Partial<Record<string, string>> = {
  sending: 'That message is being sent right now and can no longer be cancelled.',
  sent: 'That message was already sent.',
  failed: 'That message failed and will not be sent again unless you send it again.',
  cancelled: 'That message was already cancelled.',
};

/**
 * A message carrying a single-use link goes out again only while that link works. Voiding marks the
 * messages still waiting, but not one an Administrator had already cancelled (a typo'd address, then
 * corrected), nor a link used or expired since: the link itself is the answer.
 */
async function linkStillWorks(tx: Tx, message: { kind: string; links: unknown; userId: string | null }) {
  if (!LINK_KINDS.includes(message.kind)) return true;
  const tokens = (Array.isArray(message.links) ? message.links : []).map((url) => (typeof url === 'string' ? /[?&]token=([^&#]+)/.exec(url)?.[1] : undefined));
  if (tokens.length === 0 || tokens.some((t) => !t)) return false;
  for (const token of tokens) if ((await findToken(tx, decodeURIComponent(token!)))?.userId !== message.userId) return false;
  return true;
}

/**
 * A message to a user goes out again only to the address they sign in with now: a notice written
 * before their email was corrected would go to the old (perhaps mistyped, perhaps someone else's)
 * address. The notice of the change itself is meant for the old address.
 */
async function addressStillTheirs(tx: Tx, message: { kind: string; userId: string | null; toAddress: string }) {
  if (!message.userId || message.kind === 'email_changed') return true;
  const [user] = await tx.select({ email: users.email }).from(users).where(eq(users.id, message.userId));
  return user !== undefined && user.email.toLowerCase() === message.toAddress.toLowerCase();
}

/**
 * Nor to someone whose access was withdrawn since: a banned user is told nothing more ("your account was
 * unlocked, sign in again" would be untrue), and a warning about API keys goes only to a person who is
 * still an active Administrator. The notice of an email change is meant for the old address whatever came after.
 */
async function recipientRefusal(tx: Tx, message: { kind: string; userId: string | null; toAddress: string }): Promise<string | null> {
  if (!message.userId || message.kind === 'email_changed') return null;
  const [user] = await tx.select({ status: users.status }).from(users).where(eq(users.id, message.userId));
  if (user?.status === 'banned') return `That message is for ${message.toAddress}, who is banned: it is not sent again.`;
  if ((message.kind === 'api_user_expiring' || message.kind === 'api_user_suspended') && !(await isActiveAdministrator(tx, message.userId)))
    return `That message is for ${message.toAddress}, who is no longer an active Administrator: it is not sent again.`;
  return null;
}

/** A failed or cancelled message goes back in the queue, due now, with a fresh set of attempts. */
export async function retryOutboxMessage(tx: Tx, principal: Principal, id: string, meta?: RequestMeta) {
  requireAdministratorOf(principal);
  const actor = principal.actor;
  const message = await current(tx, id);
  if (message.lastError === SUPERSEDED || !(await linkStillWorks(tx, message)))
    throw new AppError('conflict', 'That message\'s link no longer works. Send a new invitation or reset link from the user\'s page instead.');
  if (!(await addressStillTheirs(tx, message)))
    throw new AppError('conflict', `That message is addressed to ${message.toAddress}, which this user no longer signs in with: it is not sent again.`);
  const refusal = await recipientRefusal(tx, message);
  if (refusal) throw new AppError('conflict', refusal);
  const [updated] = await tx
    .update(outboxMessages)
    .set({ status: 'pending', attempts: 0, nextAttemptAt: sql`now()`, claimedBy: null })
    .where(and(eq(outboxMessages.id, id), inArray(outboxMessages.status, ['failed', 'cancelled'])))
    .returning({ id: outboxMessages.id });
  if (!updated) throw new AppError('conflict', CANNOT_RETRY[message.status] ?? 'That message cannot be sent again.');
  await recordAudit(tx, { actor, meta, action: 'mail.retried', target: target(message), changes: { status: { before: message.status, after: 'pending' } } });
  return message;
}

/** A message still waiting (not yet in a sender's hands) is never sent. */
export async function cancelOutboxMessage(tx: Tx, principal: Principal, id: string, meta?: RequestMeta) {
  requireAdministratorOf(principal);
  const actor = principal.actor;
  const message = await current(tx, id);
  const [updated] = await tx
    .update(outboxMessages)
    .set({ status: 'cancelled', nextAttemptAt: null, claimedBy: null })
    .where(and(eq(outboxMessages.id, id), eq(outboxMessages.status, 'pending')))
    .returning({ id: outboxMessages.id });
  if (!updated) throw new AppError('conflict', CANNOT_CANCEL[message.status] ?? 'That message cannot be cancelled.');
  await recordAudit(tx, { actor, meta, action: 'mail.cancelled', target: target(message), changes: { status: { before: 'pending', after: 'cancelled' } } });
  return message;
}
