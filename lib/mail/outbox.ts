// The outbox: emails are rows written in the transaction of the change that causes them, so a change
// that rolls back sends nothing, and a committed change always has its message.
import type { Queryable } from '@/db/client';
import { outboxMessages } from '@/db/schema';
import { getOrganization } from '@/lib/settings';
import type { Mail } from './templates';

export async function enqueueMail(q: Queryable, to: { email: string; userId?: string }, mail: Mail): Promise<void> {
  await q.insert(outboxMessages).values({ ...mail, toAddress: to.email, userId: to.userId ?? null });
}

export async function organizationName(q: Queryable): Promise<string> {
  return (await getOrganization(q))?.name ?? 'Userdesk';
}

/** The absolute link a message points to, on the portal's public URL. */
export function portalUrl(path: string): string {
  const base = process.env.NEXTAUTH_URL || `http://localhost:${process.env.PORT ?? 3000}`;
  return new URL(path, base).toString();
}
