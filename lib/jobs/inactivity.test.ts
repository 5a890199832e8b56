import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, outboxMessages, roles, securitySettings, users } from '@/db/schema';
import { principalOf, type Principal } from '@/lib/auth/principal';
import { findToken } from '@/lib/auth/tokens';
import { resetUser, sendResetLink, unlockUser } from '@/lib/users/access';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { runInactivityJob } from './inactivity';

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);
let db: Db;
let admin: Principal;

beforeAll(async () => {
  db = await testDb();
  const { adminId } = await setUpOrganization(db);
  const [adminRole] = await db.select().from(roles).where(eq(roles.name, 'Administrator'));
  admin = principalOf({ id: adminId, email: 'ada@example.test', permissions: adminRole!.permissions as never, allEnvironments: true, environmentIds: [] });
});

describe('runInactivityJob', () => {
  it('inactivates users idle past the setting, once, and audits each with the system as actor', async () => {
    const idle = await insertUser(db, { email: 'idle@example.test', lastSignInAt: daysAgo(120), activatedAt: daysAgo(300) });
    const reactivated = await insertUser(db, { email: 'back@example.test', lastSignInAt: daysAgo(120), activatedAt: daysAgo(1) });
    const neverSignedIn = await insertUser(db, { email: 'never@example.test', activatedAt: daysAgo(100) });
    const recent = await insertUser(db, { email: 'recent@example.test', lastSignInAt: daysAgo(10), activatedAt: daysAgo(400) });
    const invited = await insertUser(db, { email: 'invited@example.test', status: 'invited', activatedAt: null, createdAt: daysAgo(200) });

    expect(await runInactivityJob(db)).toEqual({ ran: true, inactivated: 2 });
    const status = async (id: string) => (await db.select().from(users).where(eq(users.id, id)))[0]!.status;
    expect(await status(idle.id)).toBe('inactive');
    expect(await status(neverSignedIn.id)).toBe('inactive');
    expect(await status(recent.id)).toBe('active');
    expect(await status(reactivated.id)).toBe('active');
    expect(await status(invited.id)).toBe('invited');
    const events = await db.select().from(auditEvents).where(eq(auditEvents.action, 'user.inactivated'));
    expect(events.map((e) => [e.targetId, e.actorType])).toEqual(expect.arrayContaining([[idle.id, 'system'], [neverSignedIn.id, 'system']]));

    expect(await runInactivityJob(db)).toEqual({ ran: true, inactivated: 0 });
    expect(await db.select().from(auditEvents).where(eq(auditEvents.action, 'user.inactivated'))).toHaveLength(2);
  });

  it('voids the outstanding reset links of those it inactivates, and cancels their waiting emails', async () => {
    const idle = await insertUser(db, { email: 'idle.link@example.test', lastSignInAt: daysAgo(200), activatedAt: daysAgo(300) });
    const token = new URL(await db.transaction((tx) => sendResetLink(tx, { id: idle.id, email: idle.email, firstName: 'I' }))).searchParams.get('token')!;
    expect(await findToken(db, token)).not.toBeNull();
    expect((await runInactivityJob(db)).inactivated).toBe(1);
    expect(await findToken(db, token)).toBeNull();
    const [mail] = await db.select().from(outboxMessages).where(eq(outboxMessages.userId, idle.id));
    expect(mail!.status).toBe('cancelled');
  });

  it('leaves alone a user a manager just unlocked or reset, and the reset link they were sent', async () => {
    // Locked long ago (a lock is not inactivity: the job skips locked users), then brought back by a manager.
    const locked = () => ({ lastSignInAt: daysAgo(200), activatedAt: daysAgo(300), status: 'locked' as const, lockReason: 'failed_attempts' as const, lockedAt: daysAgo(150) });
    const unlocked = await insertUser(db, { email: 'unlocked.old@example.test', ...locked() });
    const reset = await insertUser(db, { email: 'reset.old@example.test', ...locked() });
    await db.transaction((tx) => unlockUser(tx, admin, unlocked.id));
    await db.transaction((tx) => resetUser(tx, admin, reset.id));
    const [mail] = await db.select().from(outboxMessages).where(eq(outboxMessages.userId, reset.id));
    const token = decodeURIComponent(/token=([^&\s]+)/.exec(mail!.text)![1]!);
    expect(await findToken(db, token)).not.toBeNull();

    await runInactivityJob(db);
    const status = async (id: string) => (await db.select().from(users).where(eq(users.id, id)))[0]!.status;
    expect(await status(unlocked.id)).toBe('active');
    expect(await status(reset.id)).toBe('active');
    expect(await findToken(db, token)).not.toBeNull();
  });

  it('says which API users stop working with the people it inactivates: in the audit log and on the API Users tab', async () => {
    const { createApiUser, listApiUsers, countApiUsers } = await import('@/lib/api-users/manage');
    const { describeAuditEvent } = await import('@/lib/audit/describe');
    const quietMaker = await insertUser(db, { email: 'quill.maker@example.test', role: 'Administrator', lastSignInAt: daysAgo(200), activatedAt: daysAgo(300) });
    const quietActor = await insertUser(db, { email: 'quill.actor@example.test', lastSignInAt: daysAgo(200), activatedAt: daysAgo(300) });
    const expires = new Date(Date.now() + 30 * 86_400_000);
    const makerPrincipal = principalOf({ id: quietMaker.id, email: quietMaker.email, permissions: admin.permissions as never, allEnvironments: true, environmentIds: [] });
    const made = await db.transaction((tx) => createApiUser(tx, makerPrincipal, { username: 'quill-made', description: '', scope: 'organization', environmentIds: [], expiresAt: expires, rateLimitPerMinute: 600 }));
    const actsAs = await db.transaction((tx) => createApiUser(tx, admin, { username: 'quill-acts', description: '', scope: 'user', userId: quietActor.id, environmentIds: [], expiresAt: expires, rateLimitPerMinute: 600 }));
    const untouched = await db.transaction((tx) => createApiUser(tx, admin, { username: 'quill-other', description: '', scope: 'organization', environmentIds: [], expiresAt: expires, rateLimitPerMinute: 600 }));

    expect((await runInactivityJob(db)).inactivated).toBe(2);
    const stopped = await db.select().from(auditEvents).where(eq(auditEvents.action, 'api_user.suspended'));
    expect(stopped.map((e) => [e.targetId, e.actorType]).sort()).toEqual([[made.id, 'system'], [actsAs.id, 'system']].sort());
    const sentences = stopped.map((e) => describeAuditEvent(e).sentence);
    expect(sentences.join(' | ')).toMatch(/quill-made.*quill\.maker@example\.test.*inactive/);
    expect(sentences.join(' | ')).toMatch(/quill-acts.*quill\.actor@example\.test.*inactive/);
    // The people's own history names the keys that stopped with them.
    const [makerEvent] = await db.select().from(auditEvents).where(eq(auditEvents.targetId, quietMaker.id));
    expect(makerEvent!.detail).toMatch(/quill-made/);

    // Every active Administrator is emailed the list (the inactivated maker is not).
    const notices = await db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'api_user_suspended'));
    expect(notices.map((m) => m.toAddress)).toEqual(['ada@example.test']);
    expect(notices[0]!.text).toMatch(/quill-acts \(the user it acts as, quill\.actor@example\.test, is inactive\); quill-made \(its creator, quill\.maker@example\.test, is inactive\)/);
    const { rows } = await listApiUsers(db, admin, { includeInactive: false, limit: 1000 });
    const byName = Object.fromEntries(rows.map((r) => [r.username, r]));
    expect(byName['quill-made']).toMatchObject({ status: 'suspended', suspendedBecause: 'its creator is inactive', suspendedLabel: 'Creator inactive' });
    expect(byName['quill-acts']).toMatchObject({ status: 'suspended', suspendedBecause: 'the user it acts as is inactive', suspendedLabel: 'User inactive' });
    expect(byName['quill-other']!.status).toBe('active');
    expect((await countApiUsers(db, { includeInactive: false })).suspended).toBeGreaterThanOrEqual(2);
    void untouched;
  });

  it('keeps the Administrator who can sign in, not one waiting on a reset link, so a run does not fail (undoing every other inactivation) every hour', async () => {
    // Every Administrator idle for long, but one reset just now (active from now, no password).
    await db.update(users).set({ lastSignInAt: daysAgo(400), activatedAt: daysAgo(400) }).where(eq(users.roleId, (await db.select().from(roles).where(eq(roles.name, 'Administrator')))[0]!.id));
    const waiting = await insertUser(db, { email: 'waiting.admin@example.test', role: 'Administrator', status: 'active', activatedAt: new Date() });
    await db.update(users).set({ passwordHash: null, requirePasswordChange: true }).where(eq(users.id, waiting.id));
    const idle = await insertUser(db, { email: 'idle.again@example.test', lastSignInAt: daysAgo(300), activatedAt: daysAgo(300) });
    const result = await runInactivityJob(db);
    expect(result.ran).toBe(true);
    const status = async (id: string) => (await db.select().from(users).where(eq(users.id, id)))[0]!.status;
    expect(await status(idle.id)).toBe('inactive');
    expect(await status(waiting.id)).toBe('active');
    // One Administrator who can sign in is left: the one seen most recently among those with a password.
    const canSignIn = await db
      .select({ id: users.id })
      .from(users)
      .innerJoin(roles, eq(roles.id, users.roleId))
      .where(sql`${roles.name} = 'Administrator' and ${users.status} = 'active' and ${users.passwordHash} is not null`);
    expect(canSignIn).toHaveLength(1);
  });

  it('does nothing when the setting is 0', async () => {
    await db.update(securitySettings).set({ inactivityDays: 0 }).where(eq(securitySettings.inactivityDays, 90));
    await insertUser(db, { email: 'ancient@example.test', lastSignInAt: daysAgo(5000), activatedAt: daysAgo(5000) });
    expect(await runInactivityJob(db)).toEqual({ ran: true, inactivated: 0 });
  });
});
