import { eq } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { auditEvents, environments, roles, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import type { SessionUser } from '@/lib/auth/session';

// The wrapper is exercised as a browser would call it: with no session, a User-role session,
// and a manager's session. Only the session lookup and request headers are stood in for.
const session = vi.hoisted(() => ({ user: null as SessionUser | null }));
vi.mock('@/lib/auth/session', async (original) => ({ ...(await original<object>()), getCurrentUser: async () => session.user }));
vi.mock('next/headers', () => ({ headers: async () => new Headers({ 'user-agent': 'vitest', 'x-forwarded-for': '198.51.100.7' }) }));
vi.mock('next/cache', () => ({ revalidatePath: vi.fn() }));

const { action } = await import('./action');
const { AppError } = await import('./errors');
const { loadSessionUser } = await import('@/lib/auth/session');

let db: Db;
let member: SessionUser;
let manager: SessionUser;
const sessionOf = async (email: string, role: string, environmentId: string) => {
  const row = await insertUser(db, { email, role, environmentId });
  return (await loadSessionUser(db, row.id, row.sessionVersion))!;
};

// A representative change: renames an environment and records it.
const rename = action('users.write', z.object({ name: z.string().trim().min(1, 'Enter a name.') }), async (input, { tx, audit }) => {
  await tx.update(environments).set({ name: input.name }).where(eq(environments.name, 'Production'));
  await audit({ action: 'environment.renamed', detail: input.name });
  if (input.name === 'explode') throw new AppError('conflict', 'Someone else changed this first.');
  return { message: 'Renamed.' };
});

const form = (values: Record<string, string>) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(values)) data.append(k, v);
  return data;
};
const environmentNames = async () => (await db.select().from(environments)).map((e) => e.name);

beforeAll(async () => {
  db = await testDb();
  const { environmentId } = await setUpOrganization(db);
  member = await sessionOf('uma@example.test', 'User', environmentId);
  manager = await sessionOf('mo@example.test', 'Account Manager', environmentId);
});
beforeEach(() => {
  session.user = null;
});

describe('action()', () => {
  it('refuses a signed-out caller and writes nothing', async () => {
    expect(await rename({ status: 'idle' }, form({ name: 'Hacked' }))).toEqual({ status: 'error', message: 'Your session has ended. Sign in again.' });
    expect(await environmentNames()).toEqual(['Production']);
  });

  it('refuses a caller without the permission and writes nothing', async () => {
    session.user = member;
    expect(await rename({ status: 'idle' }, form({ name: 'Hacked' }))).toEqual({ status: 'error', message: 'You do not have permission to do that.' });
    expect(await environmentNames()).toEqual(['Production']);
  });

  it('returns every field error', async () => {
    session.user = manager;
    expect(await rename({ status: 'idle' }, form({ name: '  ' }))).toEqual({ status: 'error', message: 'Check the highlighted fields.', fieldErrors: { name: ['Enter a name.'] } });
  });

  it('rolls back the change and its audit event together when the action fails', async () => {
    session.user = manager;
    const before = (await db.select().from(auditEvents)).length;
    expect(await rename({ status: 'idle' }, form({ name: 'explode' }))).toMatchObject({ status: 'error', message: 'Someone else changed this first.' });
    expect(await environmentNames()).toEqual(['Production']);
    expect(await db.select().from(auditEvents)).toHaveLength(before);
  });

  it('commits the change with its audit event, the caller as actor', async () => {
    session.user = manager;
    expect(await rename({ status: 'idle' }, form({ name: 'Live' }))).toEqual({ status: 'success', message: 'Renamed.' });
    expect(await environmentNames()).toEqual(['Live']);
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.action, 'environment.renamed'));
    expect(event).toMatchObject({ actorType: 'user', actorId: manager.id, actorLabel: manager.email, ip: '198.51.100.7', userAgent: 'vitest' });
  });

  // The session read at the start of the request is a copy: what the caller may do is read again inside
  // the change's transaction (another instance may have banned or demoted them meanwhile).
  describe('rights taken away after the request began', () => {
    const demoted = async (change: (id: string) => Promise<unknown>) => {
      const caller = await sessionOf(`caller${Math.random()}@example.test`, 'Account Manager', manager.environmentIds[0]!);
      session.user = caller;
      await change(caller.id);
      const before = (await db.select().from(auditEvents)).length;
      const names = await environmentNames();
      const result = await rename({ status: 'idle' }, form({ name: 'Stale rights' }));
      expect(await environmentNames()).toEqual(names);
      expect(await db.select().from(auditEvents)).toHaveLength(before);
      return result;
    };

    it('a caller banned since changes nothing', async () => {
      expect(await demoted((id) => db.update(users).set({ status: 'banned' }).where(eq(users.id, id)))).toEqual({ status: 'error', message: 'Your session has ended. Sign in again.' });
    });

    it('a caller whose sessions were ended (a role or password change moved the session version on) changes nothing', async () => {
      expect(await demoted((id) => db.update(users).set({ sessionVersion: 2 }).where(eq(users.id, id)))).toEqual({ status: 'error', message: 'Your session has ended. Sign in again.' });
    });

    it("a caller whose role lost the permission changes nothing, though the session's copy still holds it", async () => {
      const [weaker] = await db.insert(roles).values({ name: `Reader ${Math.random()}`, permissions: ['users.read'] }).returning();
      expect(await demoted((id) => db.update(users).set({ roleId: weaker!.id }).where(eq(users.id, id)))).toEqual({ status: 'error', message: 'You do not have permission to do that.' });
    });

    it('a caller told to change their password since changes nothing', async () => {
      expect(await demoted((id) => db.update(users).set({ requirePasswordChange: true }).where(eq(users.id, id)))).toEqual({ status: 'error', message: 'Change your password before you continue.' });
    });

    // The embedded database has one connection: nothing runs beside the change there.
    it.skipIf(process.env.VITEST_DB !== 'postgres')('a demotion made while the change runs waits for it to commit (the caller is held FOR SHARE)', async () => {
      const caller = await sessionOf(`held${Math.random()}@example.test`, 'Account Manager', manager.environmentIds[0]!);
      session.user = caller;
      const order: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const slow = action('users.write', z.object({}), async (_input, { tx }) => {
        await tx.select().from(environments);
        await gate;
        order.push('change');
        return { message: 'Done.' };
      });
      const running = slow({ status: 'idle' }, form({}));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const demotion = db
        .update(users)
        .set({ status: 'banned' })
        .where(eq(users.id, caller.id))
        .then(() => order.push('ban'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      release();
      expect(await running).toEqual({ status: 'success', message: 'Done.' });
      await demotion;
      expect(order).toEqual(['change', 'ban']);
    });
  });
});
