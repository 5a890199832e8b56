// A link being used while a manager acts on its user (resend, email change, ban, reset): both lock the
// user's row and the link's row, in the same order, so one waits for the other and neither dies of a
// deadlock ("Something went wrong") halfway through.
import { eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { outboxMessages, roles, users } from '@/db/schema';
import { setUpOrganization, testDb } from '@/db/testing';
import { principalOf, type Principal } from '@/lib/auth/principal';
import { completePasswordLink, resendInvitation } from './access';
import { inviteUser } from './create';

let db: Db;
let admin: Principal;
let environmentId: string;

beforeAll(async () => {
  db = await testDb();
  const org = await setUpOrganization(db);
  environmentId = org.environmentId;
  const [adminRole] = await db.select().from(roles).where(eq(roles.name, 'Administrator'));
  admin = principalOf({ id: org.adminId, email: 'ada@example.test', permissions: adminRole!.permissions as never, allEnvironments: true, environmentIds: [] });
  // Using up or voiding a link takes a moment, so the other side arrives while the link's row is held.
  await db.execute(sql.raw(`create function slow_token() returns trigger language plpgsql as $$ begin perform pg_sleep(0.6); return new; end $$`));
  await db.execute(sql.raw(`create trigger slow_token after update on user_tokens for each row when (old.consumed_at is null and new.consumed_at is not null) execute function slow_token()`));
});

it('accepting an invitation while it is resent: the acceptance stands, the resend is refused, no deadlock', async () => {
  const [userRole] = await db.select().from(roles).where(eq(roles.name, 'User'));
  const user = await db.transaction((tx) =>
    inviteUser(tx, admin, { firstName: 'Rae', lastName: 'Race', email: 'rae@example.test', roleId: userRole!.id, environmentIds: [environmentId], tags: [], profile: {} }),
  );
  const [mail] = await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, 'rae@example.test'));
  const token = /token=([A-Za-z0-9_-]+)/.exec(mail!.text)![1]!;
  const accept = db.transaction((tx) => completePasswordLink(tx, token, 'Welcome-Aboard-Passphrase-1'));
  await new Promise((resolve) => setTimeout(resolve, 150));
  const resend = db.transaction((tx) => resendInvitation(tx, admin, user.id));
  const [accepted, resent] = await Promise.allSettled([accept, resend]);
  expect(accepted.status).toBe('fulfilled');
  expect(resent).toMatchObject({ status: 'rejected', reason: { code: 'conflict' } });
  expect((await db.select({ status: users.status }).from(users).where(eq(users.id, user.id)))[0]!.status).toBe('active');
}, 30_000);
