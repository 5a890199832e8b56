// The outbox: emails are rows written in the transaction of the change that causes them, so a change
// that rolls back sends nothing, and a committed change always has its message.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { MAIL_PRIORITY, outboxMessages } from '@/db/schema';
import { getOrganization } from '@/lib/settings';
import type { Mail } from './templates';

export type MailPriority = keyof typeof MAIL_PRIORITY;

// Mail sent by the thousand (an import's invitations) waits behind everything else, so a reset link
// or a lock notice is never stuck behind the 90,000th invitation.
const BULK_KINDS = new Set(['invitation', 'credentials']);

export const priorityOf = (kind: string): MailPriority => (BULK_KINDS.has(kind) ? 'bulk' : 'urgent');

export async function enqueueMail(
  q: Queryable,
  to: { email: string; userId?: string },
  mail: Mail,
  options: { priority?: MailPriority } = {},
): Promise<void> {
  await q.insert(outboxMessages).values({
    kind: mail.kind,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    links: mail.links ?? [],
    priority: MAIL_PRIORITY[options.priority ?? priorityOf(mail.kind)],
    toAddress: to.email,
    userId: to.userId ?? null,
  });
}

/** Messages carrying a single-use link (lib/auth/tokens): any newer link, or a voiding, kills theirs. */
export const LINK_KINDS = ['invitation', 'reset', 'credentials'];
export const SUPERSEDED = 'Not sent: its link was replaced by a newer one or voided, so it would no longer work.';

/**
 * The user's link messages still waiting (or failed, and so one "Send again" away, or in a sender's hands:
 * a send that fails would put it back in the queue) are cancelled when their links die: resending an
 * invitation, or correcting a typo'd address, must not later deliver the old message (a dead link, or
 * the organization's invitation to the wrong address). A sender's result for a cancelled message is not
 * recorded (it marks only rows still `sending`), so one already on the wire may still arrive.
 */
export async function cancelLinkMail(q: Queryable, userIds: string | readonly string[]): Promise<void> {
  // One id, or many as one array parameter (a job may void the links of thousands at once).
  const whose = typeof userIds === 'string' ? eq(outboxMessages.userId, userIds) : sql`${outboxMessages.userId} = any(${`{${userIds.join(',')}}`}::uuid[])`;
  await q
    .update(outboxMessages)
    .set({ status: 'cancelled', nextAttemptAt: null, claimedBy: null, lastError: SUPERSEDED })
    // The statuses as written, not parameters: so the planner can use the partial index outbox_user_waiting_idx.
    .where(and(whose, sql`${outboxMessages.status} <> 'sent' and ${outboxMessages.status} <> 'cancelled'`, inArray(outboxMessages.kind, LINK_KINDS)));
}

export const ADDRESS_CHANGED = 'Not sent: the user\'s email was changed since, and this address may not be theirs.';

/**
 * When a user's email changes, what still waits for the old address is not sent there (a corrected typo's
 * owner, or whoever took the mailbox, must not read the user's notices): only the notice of the change is.
 */
export async function cancelMailToOldAddress(q: Queryable, userId: string, oldAddress: string): Promise<void> {
  await q
    .update(outboxMessages)
    .set({ status: 'cancelled', nextAttemptAt: null, claimedBy: null, lastError: ADDRESS_CHANGED })
    .where(
      and(
        eq(outboxMessages.userId, userId),
        // Waiting, or in a sender's hands; one that failed stays as it is (Send again refuses it: see manage.ts).
        inArray(outboxMessages.status, ['pending', 'sending']),
        sql`lower(${outboxMessages.toAddress}) = lower(${oldAddress})`,
        sql`${outboxMessages.kind} <> 'email_changed'`,
      ),
    );
}

export async function organizationName(q: Queryable): Promise<string> {
  return (await getOrganization(q))?.name ?? 'Userdesk';
}

/** The portal's public origin (NEXTAUTH_URL), where every link it emails points. */
export function portalOrigin(): string {
  return new URL(process.env.NEXTAUTH_URL || `http://localhost:${process.env.PORT ?? 3000}`).origin;
}

/** The absolute link a message points to, on the portal's public URL. */
export function portalUrl(path: string): string {
  const base = process.env.NEXTAUTH_URL || `http://localhost:${process.env.PORT ?? 3000}`;
  return new URL(path, base).toString();
}
