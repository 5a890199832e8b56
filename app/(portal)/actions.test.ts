// The portal's server actions, called as a browser would post them, with three kinds of caller:
// nobody, a User-role account, and an Account Manager aiming above their station. Each is refused on
// the server and nothing is written.
import { eq } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, auditSettings, bulkJobs, environments, roles, securitySettings, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { SessionUser } from '@/lib/auth/session';

const session = vi.hoisted(() => ({ user: null as SessionUser | null }));
vi.mock('@/lib/auth/session', async (original) => ({ ...(await original<object>()), getCurrentUser: async () => session.user }));
vi.mock('next/headers', () => ({ headers: async () => new Headers(), cookies: async () => ({ get: () => undefined, set: () => {} }) }));
vi.mock('next/cache', () => ({ revalidatePath: vi.fn() }));

const userActions = await import('./users/[id]/actions');
const { bulkUsersAction, cancelBulkJobAction } = await import('./users/bulk-actions');
const bulkProgress = await import('../api/bulk/[id]/route');
const { startBulkJob } = await import('@/lib/users/bulk-jobs');
const { switchEnvironment } = await import('./actions');
const { addUserAction } = await import('./users/new/actions');
const { updateSecuritySettingsAction } = await import('./settings/security/actions');
const { purgeAction, setRetentionAction } = await import('./audit/actions');
const apiActions = await import('./users/api/actions');
const { updateRoleAction } = await import('./settings/roles/actions');
const { cancelImportAction } = await import('./users/import/actions');

let db: Db;
let member: SessionUser;
let manager: SessionUser;
let adminId: string;
let environmentId: string;
let roleIds: Record<string, string>;

const form = (values: Record<string, string | string[]>) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(values)) for (const item of [v].flat()) data.append(k, item);
  return data;
};
const idle = { status: 'idle' } as const;
const sessionFor = (row: typeof users.$inferSelect, role: string, environmentIds: string[]): SessionUser => ({
  id: row.id,
  email: row.email,
  firstName: row.firstName,
  lastName: row.lastName,
  roleId: roleIds[role]!,
  roleName: role,
  permissions: role === 'Account Manager' ? ['users.read', 'users.write', 'users.unlock', 'users.ban'] : [],
  allEnvironments: false,
  environmentIds,
  requirePasswordChange: false,
  passwordChangedAt: null,
  sessionVersion: row.sessionVersion,
});

beforeAll(async () => {
  db = await testDb();
  ({ adminId, environmentId } = await setUpOrganization(db));
  roleIds = Object.fromEntries((await db.select().from(roles)).map((r) => [r.name, r.id]));
  member = sessionFor(await insertUser(db, { email: 'member@example.test', environmentId }), 'User', [environmentId]);
  manager = sessionFor(await insertUser(db, { email: 'manager@example.test', role: 'Account Manager', environmentId }), 'Account Manager', [environmentId]);
});
beforeEach(() => {
  session.user = null;
});

const auditCount = async () => (await db.select().from(auditEvents)).length;
/** A signed-in holder of a role of its own (what a session may do is read from the database, not the session). */
const holderOf = async (role: { permissions: string[]; allEnvironments: boolean }, environmentIds: string[]): Promise<SessionUser> => {
  const name = `Custom ${Math.random()}`;
  const [created] = await db.insert(roles).values({ name, ...role }).returning();
  roleIds[name] = created!.id;
  const row = await insertUser(db, { email: `${name.replace(/\W/g, '')}@example.test`, role: name, environmentId: environmentIds[0] });
  return { ...sessionFor(row, name, environmentIds), permissions: role.permissions as SessionUser['permissions'], allEnvironments: role.allEnvironments };
};

describe('portal server actions refuse callers without the right', () => {
  it.each([
    ['signed out', () => null, 'Your session has ended. Sign in again.'],
    ['a User-role account', () => member, 'You do not have permission to do that.'],
  ])('%s', async (_who, who, message) => {
    session.user = who();
    const target = await insertUser(db, { email: `t${Math.random()}@example.test`, environmentId, status: 'locked' });
    const before = await auditCount();
    const calls = [
      userActions.banUserAction(idle, form({ userId: target.id, version: '1', reason: 'x' })),
      userActions.validateUserAction(idle, form({ userId: target.id })),
      userActions.unlockUserAction(idle, form({ userId: target.id })),
      userActions.resetUserAction(idle, form({ userId: target.id })),
      userActions.resendInvitationAction(idle, form({ userId: target.id })),
      userActions.updateUserAction(idle, form({ userId: target.id, version: '1', firstName: 'X', lastName: 'Y', email: target.email, roleId: roleIds.User! })),
      bulkUsersAction(idle, form({ scope: 'selection', kind: 'unlock', userIds: target.id })),
      bulkUsersAction(idle, form({ scope: 'matching', kind: 'reset' })),
      addUserAction(idle, form({ firstName: 'A', lastName: 'B', email: 'new@example.test', roleId: roleIds.User!, environmentIds: environmentId })),
      updateSecuritySettingsAction(idle, form({ lockoutThreshold: '3' })),
    ];
    for (const result of await Promise.all(calls)) expect(result).toEqual({ status: 'error', message });
    expect(await auditCount()).toBe(before);
    expect((await db.select().from(users).where(eq(users.id, target.id)))[0]).toMatchObject({ status: 'locked', firstName: target.firstName });
  });

  it('a list read in year 0000 (a forged readAt) is refused as unrecognised, not a database error', async () => {
    session.user = manager;
    for (const readAt of ['0000-01-01T00:00:00Z', '0000-06-01T00:00:00.000+00:00'])
      expect(await bulkUsersAction(idle, form({ scope: 'matching', kind: 'unlock', readAt }))).toEqual({
        status: 'error',
        message: 'The list you chose from is not recognised: reload the page and try again.',
      });
  });

  it('an Account Manager cannot change an Administrator, nor reach settings', async () => {
    session.user = manager;
    const [admin] = await db.select().from(users).where(eq(users.id, adminId));
    const before = await auditCount();
    expect(await userActions.banUserAction(idle, form({ userId: adminId, version: String(admin!.version), reason: 'coup' }))).toMatchObject({
      status: 'error',
      message: expect.stringContaining('their role has permissions you do not hold'),
    });
    expect(await userActions.resetUserAction(idle, form({ userId: adminId }))).toMatchObject({ status: 'error' });
    expect(await updateSecuritySettingsAction(idle, form({ lockoutThreshold: '3' }))).toEqual({ status: 'error', message: 'You do not have permission to do that.' });
    expect(await auditCount()).toBe(before);
    expect((await db.select().from(securitySettings))[0]!.lockoutThreshold).toBe(10);
  });

  it('settings for the whole organization need its whole reach: settings.manage in one environment is not enough', async () => {
    session.user = await holderOf({ permissions: [...manager.permissions, 'settings.manage'], allEnvironments: false }, [environmentId]);
    const before = await auditCount();
    const weaker = { lockoutThreshold: '100', autoUnlockMinutes: '1', passwordMinLength: '8', passwordMaxAgeDays: '0', passwordWarningDays: '0', inactivityDays: '0', invitationLifetimeDays: '90', resetLifetimeMinutes: '10080' };
    expect(await updateSecuritySettingsAction(idle, form(weaker))).toMatchObject({ status: 'error', message: expect.stringContaining('Only Administrators') });
    expect(await auditCount()).toBe(before);
    expect((await db.select().from(securitySettings))[0]).toMatchObject({ lockoutThreshold: 10, passwordMinLength: 12, requireDigit: true });
  });

  it('only an Administrator shortens or purges the audit log: settings.manage in every environment is not enough', async () => {
    session.user = await holderOf({ permissions: ['settings.manage'], allEnvironments: true }, []);
    const before = await auditCount();
    expect(await setRetentionAction(idle, form({ retentionDays: '1' }))).toMatchObject({ status: 'error', message: expect.stringContaining('Only Administrators') });
    expect(await purgeAction(idle, form({}))).toMatchObject({ status: 'error', message: expect.stringContaining('Only Administrators') });
    expect(await auditCount()).toBe(before);
    expect(await db.select().from(auditSettings)).toEqual([]);
  });

  it('the audit retention takes whole days only: an emptied field or a hex or exponent number is refused by name, not kept forever', async () => {
    const [adminRow] = await db.select().from(users).where(eq(users.id, adminId));
    session.user = { ...sessionFor(adminRow!, 'Administrator', []), permissions: [...PERMISSIONS], allEnvironments: true };
    expect(await setRetentionAction(idle, form({ retentionDays: '400' }))).toMatchObject({ status: 'success' });
    // Not so short that one session could empty the log of its own recent doings.
    for (const short of ['1', '29'])
      expect(await setRetentionAction(idle, form({ retentionDays: short }))).toMatchObject({ status: 'error', fieldErrors: { retentionDays: ['Keep events for at least 30 days (or 0, to keep every event forever).'] } });
    for (const garbage of ['', '  ', '0x10', '1e3', '1.5', 'forever'])
      expect(await setRetentionAction(idle, form({ retentionDays: garbage })), garbage).toMatchObject({ status: 'error', fieldErrors: { retentionDays: [expect.any(String)] } });
    expect(await setRetentionAction(idle, form({ retentionDays: '' }))).toMatchObject({ fieldErrors: { retentionDays: ['Enter a number of days (0 keeps every event forever).'] } });
    expect((await db.select().from(auditSettings))[0]!.retentionDays).toBe(400);
  });

  it('a crafted id or version is refused in words naming the field, never zod\'s "Invalid UUID" or "Too small"', async () => {
    const [adminRow] = await db.select().from(users).where(eq(users.id, adminId));
    session.user = { ...sessionFor(adminRow!, 'Administrator', []), permissions: [...PERMISSIONS], allEnvironments: true };
    const before = await auditCount();
    expect(await userActions.validateUserAction(idle, form({ userId: "x' or 1=1--" }))).toEqual({ status: 'error', message: 'This page is out of date: reload it and try again.' });
    expect(await apiActions.revokeApiUserAction(idle, form({ id: 'nope' }))).toMatchObject({ fieldErrors: { id: ['Choose an API user from the list.'] } });
    expect(await apiActions.deleteApiUserAction(idle, form({}))).toMatchObject({ fieldErrors: { id: ['Choose an API user from the list.'] } });
    expect(await cancelImportAction(idle, form({ jobId: '1' }))).toMatchObject({ fieldErrors: { jobId: ['Choose an import.'] } });
    const created = await apiActions.createApiUserAction({ status: 'idle' }, form({ username: 'crafted-envs', scope: 'environments', environmentIds: ' ', expiresAt: '2099-01-01', rateLimitPerMinute: '5' }));
    expect(created).toMatchObject({ status: 'error', fieldErrors: { environmentIds: ['Choose environments from the list.'] } });
    const [role] = await db.select().from(roles).where(eq(roles.name, 'User'));
    expect(await updateRoleAction(idle, form({ roleId: role!.id, version: '', name: 'User', permissions: [] }))).toEqual({ status: 'error', message: expect.stringMatching(/^Someone else changed this role/) });
    expect(await auditCount()).toBe(before);
  });

  it('an Account Manager cannot reach a user outside their environments', async () => {
    session.user = manager;
    const [sandbox] = await db.insert(environments).values({ name: 'Sandbox' }).returning();
    const outsider = await insertUser(db, { email: 'outsider@example.test', environmentId: sandbox!.id, status: 'locked' });
    expect(await userActions.unlockUserAction(idle, form({ userId: outsider.id }))).toEqual({ status: 'error', message: 'No such user in your environments.' });
    expect((await db.select().from(users).where(eq(users.id, outsider.id)))[0]!.status).toBe('locked');
  });

  it('the stale-save view of a shared member names only the environments the manager works in', async () => {
    session.user = manager;
    const [elsewhere] = await db.insert(environments).values({ name: 'Conflict elsewhere' }).returning();
    const shared = await insertUser(db, { email: 'shared-conflict@example.test', environmentId });
    const { userEnvironments } = await import('@/db/schema');
    await db.insert(userEnvironments).values({ userId: shared.id, environmentId: elsewhere!.id });
    const conflict = await userActions.loadConflict(shared.id, '1970-01-01T00:00:00Z');
    expect(conflict?.current.environmentIds).toEqual([environmentId]);
  });

  it('an Account Manager may unlock a user of their environment', async () => {
    session.user = manager;
    const target = await insertUser(db, { email: 'mine@example.test', environmentId, status: 'locked', lockReason: 'failed_attempts' });
    expect(await userActions.unlockUserAction(idle, form({ userId: target.id }))).toMatchObject({ status: 'success' });
    expect((await db.select().from(users).where(eq(users.id, target.id)))[0]!.status).toBe('active');
  });

  it('bulk actions check each permission: a User-role account with only users.read gets nothing done', async () => {
    session.user = { ...member, permissions: ['users.read'] };
    const target = await insertUser(db, { email: `bulk-read${Math.random()}@example.test`, environmentId });
    const before = await auditCount();
    expect(await bulkUsersAction(idle, form({ scope: 'selection', kind: 'ban', reason: 'x', userIds: target.id }))).toEqual({ status: 'error', message: 'You do not have permission to do that.' });
    expect(await bulkUsersAction(idle, form({ scope: 'matching', kind: 'ban', reason: 'x', q: 'bulk-read' }))).toEqual({ status: 'error', message: 'You do not have permission to do that.' });
    expect(await auditCount()).toBe(before);
  });

  it('a bulk action that every user refuses answers an error naming why, not a success', async () => {
    session.user = manager;
    const boss = await insertUser(db, { email: `bulk-boss${Math.random()}@example.test`, role: 'Administrator', status: 'locked', lockReason: 'failed_attempts' });
    const result = await bulkUsersAction(idle, form({ scope: 'selection', kind: 'reset', userIds: boss.id }));
    expect(result).toMatchObject({ status: 'error', message: expect.stringMatching(/^No user was reset and emailed a link\. 1 user skipped, for example .*their role has permissions you do not hold\.$/) });
    expect((await db.select().from(users).where(eq(users.id, boss.id)))[0]!.status).toBe('locked');
  });

  it('Reset from Locked Users on a user unlocked since is refused by name and keeps their password; a garbage status is refused by name', async () => {
    session.user = manager;
    const since = await insertUser(db, { email: `bulk-since${Math.random()}@example.test`, environmentId, passwordHash: 'kept' });
    const result = await bulkUsersAction(idle, form({ scope: 'selection', kind: 'reset', status: 'locked', userIds: since.id }));
    expect(result).toEqual({ status: 'error', message: `No user was reset and emailed a link. 1 user skipped, for example ${since.email}: ${since.email} is no longer locked.` });
    expect((await db.select().from(users).where(eq(users.id, since.id)))[0]!.passwordHash).toBe('kept');
    expect(await bulkUsersAction(idle, form({ scope: 'selection', kind: 'unlock', status: "locked'--", userIds: since.id }))).toEqual({ status: 'error', message: 'The Status filter is not one the list offers: reload the page and try again.' });
  });

  it('a bulk ban without a reason names the field and changes nothing', async () => {
    session.user = manager;
    const target = await insertUser(db, { email: `bulk-noreason${Math.random()}@example.test`, environmentId });
    const result = await bulkUsersAction(idle, form({ scope: 'selection', kind: 'ban', reason: ' ', userIds: target.id }));
    expect(result).toMatchObject({ status: 'error', fieldErrors: { reason: [expect.stringContaining('reason')] } });
    expect((await db.select().from(users).where(eq(users.id, target.id)))[0]!.status).toBe('active');
  });

  it('a crafted selection is refused by name: over 1,000 ids, an id that is not one, an unknown kind; a repeated id counts once', async () => {
    session.user = manager;
    const target = await insertUser(db, { email: `bulk-crafted${Math.random()}@example.test`, environmentId });
    const many = Array.from({ length: 1001 }, () => target.id);
    expect(await bulkUsersAction(idle, form({ scope: 'selection', kind: 'ban', reason: 'x', userIds: many }))).toMatchObject({ status: 'error', message: 'Select at most 1000 users at once.' });
    expect(await bulkUsersAction(idle, form({ scope: 'selection', kind: 'ban', reason: 'x', userIds: [target.id, "x' or 1=1--"] }))).toMatchObject({ status: 'error', message: 'Select users from the list.' });
    expect(await bulkUsersAction(idle, form({ scope: 'selection', kind: 'delete', userIds: target.id }))).toMatchObject({ status: 'error' });
    expect(await bulkUsersAction(idle, form({ scope: 'everyone', kind: 'ban', reason: 'x', userIds: target.id }))).toMatchObject({ status: 'error', message: 'Choose the users to act on.' });
    expect((await db.select().from(users).where(eq(users.id, target.id)))[0]!.status).toBe('active');
    expect(await bulkUsersAction(idle, form({ scope: 'selection', kind: 'ban', reason: 'x', userIds: [target.id, target.id, target.id] }))).toMatchObject({ status: 'success', message: '1 user banned.' });
  });
});

describe('bulk actions running in the background', () => {
  it('only the person who started one sees its progress or cancels it; a garbage id is a 404, not a 500', async () => {
    for (let i = 0; i < 3; i++) await insertUser(db, { email: `bg-job${i}@example.test`, environmentId, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(Date.now() - 60_000) });
    const admin = { actor: { type: 'user' as const, id: adminId, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const job = (await startBulkJob(db, admin, environmentId, { q: 'bg-job' }, new Date(Date.now() + 1000), { kind: 'unlock' }))!;
    const progress = (id: string) => bulkProgress.GET(new Request(`http://localhost/api/bulk/${id}`), { params: Promise.resolve({ id }) });

    session.user = null;
    expect((await progress(job.id)).status).toBe(401);
    expect(await cancelBulkJobAction(idle, form({ jobId: job.id }))).toMatchObject({ status: 'error', message: 'Your session has ended. Sign in again.' });
    for (const caller of [manager, member]) {
      session.user = caller;
      expect((await progress(job.id)).status).toBe(404);
      expect(await cancelBulkJobAction(idle, form({ jobId: job.id }))).toMatchObject({ status: 'error' });
    }
    session.user = manager;
    for (const garbage of ['nope', '1', `${job.id}'`, '%00', job.id.toUpperCase().replace(/-/g, '')]) expect((await progress(garbage)).status).toBe(404);
    expect(await cancelBulkJobAction(idle, form({ jobId: 'nope' }))).toMatchObject({ status: 'error' });
    expect((await db.select().from(bulkJobs).where(eq(bulkJobs.id, job.id)))[0]).toMatchObject({ status: 'queued', cancelRequested: false });

    session.user = { ...manager, id: adminId, email: 'ada@example.test', permissions: [...PERMISSIONS], allEnvironments: true, environmentIds: [] };
    const mine = await progress(job.id);
    expect(mine.status).toBe(200);
    expect(await mine.json()).toMatchObject({ id: job.id, status: 'queued', total: 3, done: 0, kind: 'unlock' });
    expect(await cancelBulkJobAction(idle, form({ jobId: job.id }))).toMatchObject({ status: 'success' });
    expect((await db.select().from(bulkJobs).where(eq(bulkJobs.id, job.id)))[0]).toMatchObject({ status: 'cancelled' });
  });
});

describe('switchEnvironment', () => {
  it('answers a refusal as a message (never a thrown error, so never an HTTP 500)', async () => {
    session.user = null;
    expect(await switchEnvironment(environmentId)).toEqual({ status: 'error', message: 'Your session has ended. Sign in again.' });
    session.user = member;
    const [other] = await db.insert(environments).values({ name: 'Elsewhere' }).returning();
    expect(await switchEnvironment(other!.id)).toMatchObject({ status: 'error', message: expect.stringContaining('cannot work in that environment') });
    expect(await switchEnvironment({ not: 'a string' })).toMatchObject({ status: 'error' });
    expect(await switchEnvironment(environmentId)).toMatchObject({ status: 'success' });
  });
});
