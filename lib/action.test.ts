import { eq } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { auditEvents, environments } from '@/db/schema';
import { setUpOrganization, testDb } from '@/db/testing';
import type { SessionUser } from '@/lib/auth/session';

// The wrapper is exercised as a browser would call it: with no session, a User-role session,
// and a manager's session. Only the session lookup and request headers are stood in for.
const session = vi.hoisted(() => ({ user: null as SessionUser | null }));
vi.mock('@/lib/auth/session', () => ({ getCurrentUser: async () => session.user }));
vi.mock('next/headers', () => ({ headers: async () => new Headers({ 'user-agent': 'vitest', 'x-forwarded-for': '198.51.100.7' }) }));
vi.mock('next/cache', () => ({ revalidatePath: vi.fn() }));

const { action } = await import('./action');
const { AppError } = await import('./errors');

let db: Db;
const member: SessionUser = { id: '00000000-0000-4000-8000-000000000001', email: 'uma@example.test', firstName: 'Uma', lastName: 'User', roleId: 'r', roleName: 'User', permissions: [], allEnvironments: false, environmentIds: [], requirePasswordChange: false, passwordChangedAt: null };
const manager: SessionUser = { ...member, id: '00000000-0000-4000-8000-000000000002', email: 'mo@example.test', roleName: 'Account Manager', permissions: ['users.read', 'users.write'] };

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
  await setUpOrganization(db);
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
});
