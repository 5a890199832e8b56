// The outbox's actions called as a browser would post them: only a caller holding the page's
// permission (settings.manage: Administrators) may send a message again or cancel one, and each
// change is audited with its caller.
import { eq, sql } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, outboxMessages } from '@/db/schema';
import { setUpOrganization, testDb } from '@/db/testing';
import type { SessionUser } from '@/lib/auth/session';
import { enqueueMail } from '@/lib/mail/outbox';
import { passwordChangedMail } from '@/lib/mail/templates';

const session = vi.hoisted(() => ({ user: null as SessionUser | null }));
vi.mock('@/lib/auth/session', async (original) => ({ ...(await original<object>()), getCurrentUser: async () => session.user }));
vi.mock('next/headers', () => ({ headers: async () => new Headers(), cookies: async () => ({ get: () => undefined, set: () => {} }) }));
vi.mock('next/cache', () => ({ revalidatePath: vi.fn() }));

const { cancelMessageAction, retryMessageAction } = await import('./actions');

let db: Db;
const idle = { status: 'idle' } as const;
const base: SessionUser = { id: '', email: '', firstName: 'T', lastName: 'T', roleId: 'r', roleName: 'User', permissions: [], allEnvironments: false, environmentIds: [], requirePasswordChange: false, passwordChangedAt: null, sessionVersion: 1 };
let admin: SessionUser;
const manager: SessionUser = { ...base, id: '00000000-0000-4000-8000-000000000002', email: 'mo@example.test', roleName: 'Account Manager', permissions: ['users.read', 'users.write', 'users.unlock', 'users.ban'] };
const member: SessionUser = { ...base, id: '00000000-0000-4000-8000-000000000001', email: 'uma@example.test' };

const form = (id: string) => {
  const data = new FormData();
  data.set('id', id);
  return data;
};
const message = async (email: string) => (await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, email)))[0]!;
const queued = async (email: string, status: 'pending' | 'failed' | 'sending' | 'sent' = 'pending') => {
  // A notice without a link: a link message goes out again only while its link works (lib/mail/manage).
  await enqueueMail(db, { email }, passwordChangedMail('Acme', 'P'));
  if (status !== 'pending')
    await db.update(outboxMessages).set({ status, nextAttemptAt: status === 'sending' ? sql`now() + interval '1 minute'` : null, attempts: 8, lastError: status === 'failed' ? '451 busy' : null }).where(eq(outboxMessages.toAddress, email));
  return message(email);
};
const auditOf = async (id: string) => db.select().from(auditEvents).where(eq(auditEvents.targetId, id));

beforeAll(async () => {
  db = await testDb();
  const { adminId } = await setUpOrganization(db);
  admin = { ...base, id: adminId, email: 'ada@example.test', roleName: 'Administrator', permissions: ['users.read', 'users.write', 'users.unlock', 'users.ban', 'roles.manage', 'apiUsers.manage', 'settings.manage', 'audit.read'], allEnvironments: true };
});
beforeEach(() => {
  session.user = null;
});

describe('outbox actions', () => {
  it('refuse callers without settings.manage, and change nothing', async () => {
    const failed = await queued('failed-1@example.test', 'failed');
    const waiting = await queued('waiting-1@example.test');
    for (const user of [null, member, manager]) {
      session.user = user;
      expect(await retryMessageAction(idle, form(failed.id))).toMatchObject({ status: 'error' });
      expect(await cancelMessageAction(idle, form(waiting.id))).toMatchObject({ status: 'error' });
    }
    expect(await message('failed-1@example.test')).toMatchObject({ status: 'failed', attempts: 8 });
    expect(await message('waiting-1@example.test')).toMatchObject({ status: 'pending' });
    expect(await auditOf(failed.id)).toHaveLength(0);
    expect(await auditOf(waiting.id)).toHaveLength(0);
  });

  it('send a failed message again: due now, a fresh set of attempts, audited', async () => {
    const failed = await queued('failed-2@example.test', 'failed');
    session.user = admin;
    expect(await retryMessageAction(idle, form(failed.id))).toEqual({ status: 'success', message: `"${failed.subject}" to failed-2@example.test will be sent again.` });
    const row = await message('failed-2@example.test');
    expect(row).toMatchObject({ status: 'pending', attempts: 0 });
    expect(row.nextAttemptAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await auditOf(failed.id)).toMatchObject([{ action: 'mail.retried', actorId: admin.id, changes: { status: { before: 'failed', after: 'pending' } } }]);
  });

  it('cancel a waiting message, which is then never claimed; sending it again brings it back', async () => {
    const waiting = await queued('waiting-2@example.test');
    session.user = admin;
    expect(await cancelMessageAction(idle, form(waiting.id))).toMatchObject({ status: 'success' });
    expect(await message('waiting-2@example.test')).toMatchObject({ status: 'cancelled', nextAttemptAt: null });
    const { claimDue } = await import('@/lib/mail/deliver');
    expect((await claimDue(db, 100)).map((m) => m.id)).not.toContain(waiting.id);
    expect(await retryMessageAction(idle, form(waiting.id))).toMatchObject({ status: 'success' });
    expect(await message('waiting-2@example.test')).toMatchObject({ status: 'pending' });
    expect((await auditOf(waiting.id)).map((e) => e.action).sort()).toEqual(['mail.cancelled', 'mail.retried']);
  });

  it('refuse what does not apply, with a clear message: cancel while sending, send again what was sent, unknown or garbage ids', async () => {
    session.user = admin;
    const sending = await queued('sending-1@example.test', 'sending');
    const sent = await queued('sent-1@example.test', 'sent');
    expect(await cancelMessageAction(idle, form(sending.id))).toMatchObject({ status: 'error', message: 'That message is being sent right now and can no longer be cancelled.' });
    expect(await retryMessageAction(idle, form(sent.id))).toMatchObject({ status: 'error', message: 'That message was already sent.' });
    expect(await retryMessageAction(idle, form('00000000-0000-4000-8000-00000000dead'))).toMatchObject({ status: 'error', message: 'That message is no longer in the outbox.' });
    expect(await cancelMessageAction(idle, form("1' or '1'='1"))).toMatchObject({ status: 'error', fieldErrors: { id: ['Choose a message from the outbox.'] } });
    expect(await message('sending-1@example.test')).toMatchObject({ status: 'sending' });
    expect(await message('sent-1@example.test')).toMatchObject({ status: 'sent' });
    expect(await auditOf(sending.id)).toHaveLength(0);
  });
});
