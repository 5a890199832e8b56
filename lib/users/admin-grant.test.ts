import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, outboxMessages, roles, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { hashPassword } from '@/lib/auth/password';
import { signIn } from '@/lib/auth/sign-in';
import { findToken } from '@/lib/auth/tokens';
import { grantAdministrator } from './admin-grant';

let db: Db;
const operator = { type: 'system' as const, label: 'Operator ops@host (admin:grant)' };
const row = async (id: string) => (await db.select().from(users).where(eq(users.id, id)))[0]!;

beforeAll(async () => {
  db = await testDb();
  await setUpOrganization(db);
});

describe('grantAdministrator (break-glass)', () => {
  it('makes a banned User an active Administrator, ends their sessions and audits the operator', async () => {
    const user = await insertUser(db, { email: 'Rescuer@example.test', status: 'banned', banReason: 'Mistake', passwordHash: 'x' });
    const result = await db.transaction((tx) => grantAdministrator(tx, 'rescuer@EXAMPLE.test', operator));
    expect(result).toMatchObject({ email: 'Rescuer@example.test', before: { role: 'User', status: 'banned' }, passwordLink: null });
    const after = await row(user.id);
    const [admin] = await db.select().from(roles).where(eq(roles.name, 'Administrator'));
    expect(after).toMatchObject({ status: 'active', roleId: admin!.id, banReason: null, sessionVersion: user.sessionVersion + 1 });
    const [event] = await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, user.id), eq(auditEvents.action, 'user.administrator_granted')));
    expect(event).toMatchObject({ actorType: 'system', actorLabel: operator.label });
    expect(event!.changes).toMatchObject({ role: { before: 'User', after: 'Administrator' }, status: { before: 'banned', after: 'active' } });
  });

  it('unlocks a locked user; one without a password gets a working reset link', async () => {
    const user = await insertUser(db, { email: 'nopass@example.test', status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(), failedAttempts: 10, passwordHash: null });
    const result = await db.transaction((tx) => grantAdministrator(tx, 'nopass@example.test', operator));
    expect(await row(user.id)).toMatchObject({ status: 'active', lockReason: null, failedAttempts: 0 });
    const token = new URL(result.passwordLink!).searchParams.get('token')!;
    expect(await findToken(db, token)).toMatchObject({ userId: user.id, purpose: 'reset' });
    expect(await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, 'nopass@example.test'))).toHaveLength(1);
  });

  it('an Administrator locked out by an expired password is let in, once, to change it (not locked again at their next sign-in), and active from now', async () => {
    const password = 'Correct-Horse-42-Battery';
    const longAgo = new Date(Date.now() - 400 * 86_400_000);
    const user = await insertUser(db, {
      email: 'expired-admin@example.test',
      role: 'Administrator',
      status: 'locked',
      lockReason: 'password_expired',
      lockedAt: longAgo,
      passwordHash: await hashPassword(password),
      passwordChangedAt: longAgo,
      activatedAt: longAgo,
    });
    await db.transaction((tx) => grantAdministrator(tx, user.email, operator));
    const after = await row(user.id);
    expect(after).toMatchObject({ status: 'active', requirePasswordChange: true });
    expect(after.activatedAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(await signIn(db, user.email, password, { ip: '203.0.113.9', userAgent: null })).toMatchObject({ ok: true, mustChangePassword: true });
    expect(await row(user.id)).toMatchObject({ status: 'active' });
  });

  it('refuses an unknown email and writes nothing', async () => {
    const before = (await db.select().from(auditEvents)).length;
    await expect(db.transaction((tx) => grantAdministrator(tx, 'nobody@example.test', operator))).rejects.toThrow('No user has the email');
    expect(await db.select().from(auditEvents)).toHaveLength(before);
  });
});
