// Send again, refused when the person the message was for has lost the access it speaks of.
import { eq } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, outboxMessages, roles, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { principalOf, type Principal } from '@/lib/auth/principal';
import { unlockUser } from '@/lib/users/access';
import { banUser } from '@/lib/users/update';
import { retryOutboxMessage } from './manage';
import { enqueueMail } from './outbox';
import { apiUserExpiringMail } from './templates';

let db: Db;
let admin: Principal;

beforeAll(async () => {
  db = await testDb();
  const { adminId } = await setUpOrganization(db);
  const [adminRole] = await db.select().from(roles).where(eq(roles.name, 'Administrator'));
  admin = principalOf({ id: adminId, email: 'ada@example.test', permissions: adminRole!.permissions as never, allEnvironments: true, environmentIds: [] });
});

const failLast = async (userId: string) => {
  const [mail] = await db.select().from(outboxMessages).where(eq(outboxMessages.userId, userId));
  await db.update(outboxMessages).set({ status: 'failed', nextAttemptAt: null }).where(eq(outboxMessages.id, mail!.id));
  return mail!;
};
const statusOf = async (id: string) => (await db.select().from(outboxMessages).where(eq(outboxMessages.id, id)))[0]!.status;

it('does not send a notice again to a user banned since ("your account was unlocked" would be untrue)', async () => {
  const user = await insertUser(db, { email: 'banned.later@example.test', status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() });
  await db.transaction((tx) => unlockUser(tx, admin, user.id));
  const notice = await failLast(user.id);
  expect(notice.kind).toBe('unlocked');
  const { version } = (await db.select().from(users).where(eq(users.id, user.id)))[0]!;
  await db.transaction((tx) => banUser(tx, admin, user.id, { reason: 'Left the company', version }));
  await expect(db.transaction((tx) => retryOutboxMessage(tx, admin, notice.id))).rejects.toThrow('who is banned');
  expect(await statusOf(notice.id)).toBe('failed');
  expect(await db.select().from(auditEvents).where(eq(auditEvents.targetId, notice.id))).toHaveLength(0);
});

it('sends an API key warning again only to a person who is still an active Administrator', async () => {
  const grace = await insertUser(db, { email: 'grace.admin@example.test', role: 'Administrator' });
  await enqueueMail(db, { email: grace.email, userId: grace.id }, apiUserExpiringMail('Acme', 'Grace', 'erp-sync', new Date(Date.now() + 7 * 86_400_000), 'http://localhost/users/api'));
  const warning = await failLast(grace.id);
  const [userRole] = await db.select().from(roles).where(eq(roles.name, 'User'));
  await db.update(users).set({ roleId: userRole!.id }).where(eq(users.id, grace.id));
  await expect(db.transaction((tx) => retryOutboxMessage(tx, admin, warning.id))).rejects.toThrow('no longer an active Administrator');
  expect(await statusOf(warning.id)).toBe('failed');
  const [adminRole] = await db.select().from(roles).where(eq(roles.name, 'Administrator'));
  await db.update(users).set({ roleId: adminRole!.id }).where(eq(users.id, grace.id));
  await db.transaction((tx) => retryOutboxMessage(tx, admin, warning.id));
  expect(await statusOf(warning.id)).toBe('pending');
});
