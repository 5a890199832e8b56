import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, outboxMessages, securitySettings, users } from '@/db/schema';
import { findToken } from '@/lib/auth/tokens';
import { sendResetLink } from '@/lib/users/access';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { runInactivityJob } from './inactivity';

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);
let db: Db;

beforeAll(async () => {
  db = await testDb();
  await setUpOrganization(db);
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

  it('does nothing when the setting is 0', async () => {
    await db.update(securitySettings).set({ inactivityDays: 0 }).where(eq(securitySettings.inactivityDays, 90));
    await insertUser(db, { email: 'ancient@example.test', lastSignInAt: daysAgo(5000), activatedAt: daysAgo(5000) });
    expect(await runInactivityJob(db)).toEqual({ ran: true, inactivated: 0 });
  });
});
