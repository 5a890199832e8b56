import { and, eq, inArray, like, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, environments, MAIL_PRIORITY, outboxMessages, roles, userEnvironments, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import { LAST_ADMINISTRATOR_RESET } from './admin-guard';
import type { Principal } from '@/lib/auth/principal';
import { describeBulkResult, runBulk } from './bulk';
import { countLockedUsers, listLockedUsers, lockedParamsSchema } from './locked';
import { countUsers, listFilter, listParamsSchema, listUsers } from './list';

let db: Db;
let environmentId: string;
let sandboxId: string;
let adminId: string;
const admin = (): Principal => ({ actor: { type: 'user', id: adminId, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] });
const roleId = async (name: string) => (await db.select().from(roles).where(eq(roles.name, name)))[0]!.id;
const statusOf = async (prefix: string) => db.select({ status: users.status, roleId: users.roleId, environmentIds: users.environmentIds }).from(users).where(like(users.email, `${prefix}%`));
const auditCount = async (action: string, ids: string[]) =>
  (await db.select({ n: sql<number>`count(*)::int` }).from(auditEvents).where(and(eq(auditEvents.action, action), inArray(auditEvents.targetId, ids))))[0]!.n;

beforeAll(async () => {
  db = await testDb();
  ({ environmentId, adminId } = await setUpOrganization(db));
  sandboxId = (await db.insert(environments).values({ name: 'Sandbox' }).returning())[0]!.id;
});

describe('runBulk on all users matching the filters', () => {
  it('bans every match in batches, one audit event and session end per user', async () => {
    const made = [];
    for (let i = 0; i < 23; i++) made.push(await insertUser(db, { email: `banme${i}@example.test`, lastName: 'Banme', environmentId }));
    const result = await runBulk(db, admin(), { environmentId, filter: { q: 'banme' } }, { kind: 'ban', reason: 'Contract ended' }, undefined, 5, 3);
    expect(result).toEqual({ done: 23, skipped: 0, problems: [] });
    expect((await statusOf('banme')).every((u) => u.status === 'banned')).toBe(true);
    expect(await auditCount('user.banned', made.map((m) => m.id))).toBe(23);
  });

  it('skips what the single action refuses (the caller themself, the last Administrator), and keeps the rest', async () => {
    const other = await insertUser(db, { email: 'keep-admin-peer@example.test', role: 'User', environmentId });
    const result = await runBulk(db, admin(), { ids: [adminId, other.id] }, { kind: 'ban', reason: 'x' });
    expect(result.done).toBe(1);
    expect(result.skipped).toBe(1);
    expect(result.problems[0]!.message).toMatch(/yourself/);
    expect((await db.select().from(users).where(eq(users.id, adminId)))[0]!.status).toBe('active');
  });

  it('never bans or demotes the last active Administrator (Contract A), however the selection is made', async () => {
    const second = await insertUser(db, { email: 'second-admin@example.test', role: 'Administrator' });
    const system: Principal = { actor: { type: 'system' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const result = await runBulk(db, system, { ids: [adminId, second.id] }, { kind: 'ban', reason: 'x' });
    expect(result).toMatchObject({ done: 1, skipped: 1, problems: [{ message: expect.stringContaining('without an active Administrator') }] });
    const admins = await db.select({ status: users.status }).from(users).where(inArray(users.id, [adminId, second.id]));
    expect(admins.filter((a) => a.status === 'active')).toHaveLength(1);
    // Put things back for the other tests.
    await db.update(users).set({ status: 'active', banReason: null }).where(inArray(users.id, [adminId, second.id]));
    await db.update(users).set({ status: 'inactive' }).where(eq(users.id, second.id));
  });

  it('a Reset the last-Administrator guard refuses is not half done, however the selection is made: the password stays, no link, no event', async () => {
    // B is the only Administrator left who can sign in (the other was reset and has not yet chosen a
    // password). The guard refuses B's reset after the password was cleared; the batch goes on past a
    // refusal, and used to commit the clearing with it.
    const b = await insertUser(db, { email: 'guard-reset-b@example.test', role: 'Administrator' });
    const caller: Principal = { actor: { type: 'system' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const [first] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, adminId));
    await db.update(users).set({ passwordHash: null }).where(eq(users.id, adminId));
    try {
      for (const target of [{ ids: [b.id] }, { environmentId, filter: { q: 'guard-reset-b' } }]) {
        const result = await runBulk(db, caller, target, { kind: 'reset' });
        expect(result).toEqual({ done: 0, skipped: 1, problems: [{ email: b.email, message: LAST_ADMINISTRATOR_RESET }] });
        const [after] = await db.select({ passwordHash: users.passwordHash, sessionVersion: users.sessionVersion, version: users.version }).from(users).where(eq(users.id, b.id));
        expect(after).toEqual({ passwordHash: b.passwordHash, sessionVersion: b.sessionVersion, version: b.version });
        expect(await auditCount('user.reset', [b.id])).toBe(0);
        expect(await db.select().from(outboxMessages).where(eq(outboxMessages.userId, b.id))).toHaveLength(0);
      }
    } finally {
      await db.update(users).set({ passwordHash: first!.passwordHash }).where(eq(users.id, adminId));
      await db.update(users).set({ status: 'inactive' }).where(eq(users.id, b.id));
    }
  });

  it('refuses a caller without the permission before touching anyone', async () => {
    const victim = await insertUser(db, { email: 'noperm@example.test', environmentId });
    const reader: Principal = { actor: { type: 'system' }, permissions: ['users.read'], allEnvironments: true, environmentIds: [] };
    await expect(runBulk(db, reader, { ids: [victim.id] }, { kind: 'ban', reason: 'x' })).rejects.toThrow(/permission/);
    expect((await db.select().from(users).where(eq(users.id, victim.id)))[0]!.status).toBe('active');
  });

  it('never reaches users outside a manager\'s environments, even with their ids', async () => {
    const outsider = await insertUser(db, { email: 'outsider-bulk@example.test', environmentId: sandboxId });
    const manager: Principal = { actor: { type: 'system' }, permissions: ['users.read', 'users.write', 'users.ban', 'users.unlock'], allEnvironments: false, environmentIds: [environmentId] };
    const result = await runBulk(db, manager, { ids: [outsider.id] }, { kind: 'ban', reason: 'x' });
    expect(result.done).toBe(0);
    // Nor says who they are: an id from an old page or the audit log does not reveal their email now.
    expect(result.problems).toEqual([{ email: 'A user', message: 'No such user in your environments.' }]);
    expect((await db.select().from(users).where(eq(users.id, outsider.id)))[0]!.status).toBe('active');
    const all = await runBulk(db, manager, { environmentId: sandboxId, filter: { q: 'outsider-bulk' } }, { kind: 'ban', reason: 'x' });
    expect(all.done).toBe(0);
  });

  it('changes role, adds to and removes from an environment, audited per user', async () => {
    const made = [];
    for (let i = 0; i < 7; i++) made.push(await insertUser(db, { email: `moveme${i}@example.test`, environmentId }));
    const manager = await roleId('Account Manager');
    expect((await runBulk(db, admin(), { environmentId, filter: { q: 'moveme' } }, { kind: 'role', roleId: manager }, undefined, 3)).done).toBe(7);
    expect((await statusOf('moveme')).every((u) => u.roleId === manager)).toBe(true);
    expect(await auditCount('user.role_changed', made.map((m) => m.id))).toBe(7);
    expect((await runBulk(db, admin(), { environmentId, filter: { q: 'moveme' } }, { kind: 'addEnvironment', environmentId: sandboxId })).done).toBe(7);
    expect((await statusOf('moveme')).every((u) => u.environmentIds.includes(sandboxId))).toBe(true);
    expect((await runBulk(db, admin(), { ids: made.map((m) => m.id) }, { kind: 'removeEnvironment', environmentId })).done).toBe(7);
    expect((await statusOf('moveme')).every((u) => !u.environmentIds.includes(environmentId))).toBe(true);
  });

  it('unlocks and resets locked users; each reset gets one email', async () => {
    const made = [];
    for (let i = 0; i < 6; i++) made.push(await insertUser(db, { email: `lockbulk${i}@example.test`, environmentId, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(Date.now() - i * 60_000), failedAttempts: 10 }));
    const reset = await runBulk(db, admin(), { ids: made.slice(0, 3).map((m) => m.id) }, { kind: 'reset' });
    expect(reset.done).toBe(3);
    const mails = await db.select().from(outboxMessages).where(inArray(outboxMessages.userId, made.map((m) => m.id)));
    expect(mails).toHaveLength(3);
    const unlocked = await runBulk(db, admin(), { environmentId, filter: { q: 'lockbulk', status: 'locked' } }, { kind: 'unlock' }, undefined, 2);
    expect(unlocked.done).toBe(3);
    expect((await statusOf('lockbulk')).every((u) => u.status === 'active')).toBe(true);
  });
});

describe('notices of "all matching"', () => {
  // Mail of "all matching" by the thousand (30,000 after an attack) must not hold up a reset link someone asks for meanwhile.
  it.each([
    ['unlock', 'unlocked'],
    ['reset', 'reset'],
  ] as const)('a %s of every match sends its mail behind urgent mail; a selection\'s stays urgent', async (kind, mailKind) => {
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await insertUser(db, { email: `${kind}prio${i}@example.test`, environmentId, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(Date.now() - 1_000) }));
    await runBulk(db, admin(), { ids: [made[0]!.id], status: 'locked' }, { kind });
    await runBulk(db, admin(), { environmentId, filter: { q: `${kind}prio`, status: 'locked' } }, { kind });
    const priorities = await db.select({ userId: outboxMessages.userId, priority: outboxMessages.priority, kind: outboxMessages.kind }).from(outboxMessages).where(inArray(outboxMessages.userId, made.map((m) => m.id)));
    expect(priorities.map((p) => [p.userId, p.kind, p.priority]).sort()).toEqual(
      [[made[0]!.id, mailKind, MAIL_PRIORITY.urgent], [made[1]!.id, mailKind, MAIL_PRIORITY.bulk], [made[2]!.id, mailKind, MAIL_PRIORITY.bulk]].sort(),
    );
  });
});

describe('Add to / Remove from an environment', () => {
  it('refuses an environment the caller cannot choose (archived, outside their own, unknown) before touching anyone', async () => {
    const [archived] = await db.insert(environments).values({ name: 'Old Branch', archivedAt: new Date() }).returning();
    const [hidden] = await db.insert(environments).values({ name: 'Hidden Branch' }).returning();
    const member = await insertUser(db, { email: 'envpick-member@example.test', environmentId });
    await db.insert(userEnvironments).values([{ userId: member.id, environmentId: archived!.id }, { userId: member.id, environmentId: hidden!.id }]);
    const manager: Principal = { actor: { type: 'system' }, permissions: ['users.read', 'users.write'], allEnvironments: false, environmentIds: [environmentId, sandboxId] };
    const cases: [Principal, string][] = [[admin(), archived!.id], [manager, hidden!.id], [admin(), '00000000-0000-4000-8000-000000000000']];
    for (const [principal, chosen] of cases)
      for (const kind of ['addEnvironment', 'removeEnvironment'] as const)
        for (const target of [{ ids: [member.id] }, { environmentId, filter: { q: 'envpick-' } }])
          await expect(runBulk(db, principal, target, { kind, environmentId: chosen }), `${kind} ${chosen}`).rejects.toMatchObject({ code: 'invalid', message: 'Choose an environment you manage.', fieldErrors: { environmentId: ['Choose an environment you manage.'] } });
    expect((await statusOf('envpick-member'))[0]!.environmentIds.sort()).toEqual([environmentId, archived!.id, hidden!.id].sort());
  });

  it('counts only the users it moves: all matching leaves out those already in (or not in) the environment', async () => {
    for (let i = 0; i < 3; i++) await insertUser(db, { email: `envcount-in${i}@example.test`, environmentId: sandboxId });
    for (let i = 0; i < 2; i++) await insertUser(db, { email: `envcount-out${i}@example.test`, environmentId });
    await db.insert(userEnvironments).select(db.select({ userId: users.id, environmentId: sql`${environmentId}::uuid`.as('environment_id') }).from(users).where(like(users.email, 'envcount-in%')));
    expect(await runBulk(db, admin(), { environmentId, filter: { q: 'envcount-' } }, { kind: 'removeEnvironment', environmentId: sandboxId })).toEqual({ done: 3, skipped: 0, problems: [] });
    expect(await runBulk(db, admin(), { environmentId, filter: { q: 'envcount-' } }, { kind: 'addEnvironment', environmentId: sandboxId })).toEqual({ done: 5, skipped: 0, problems: [] });
    expect(await runBulk(db, admin(), { environmentId, filter: { q: 'envcount-' } }, { kind: 'addEnvironment', environmentId: sandboxId })).toEqual({ done: 0, skipped: 0, problems: [] });
  });
});

describe('Change role', () => {
  it('refuses a role the caller cannot grant, or no role at all, once and before touching anyone (not user by user through every match)', async () => {
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await insertUser(db, { email: `rolepick-${i}@example.test`, environmentId }));
    const manager: Principal = { actor: { type: 'system' }, permissions: ['users.read', 'users.write'], allEnvironments: false, environmentIds: [environmentId] };
    const administrator = await roleId('Administrator');
    const refusal = 'You cannot grant the Administrator role: it has permissions or reach you do not hold.';
    for (const target of [{ ids: made.map((m) => m.id) }, { environmentId, filter: { q: 'rolepick-' } }]) {
      await expect(runBulk(db, manager, target, { kind: 'role', roleId: administrator })).rejects.toMatchObject({ code: 'invalid', message: refusal, fieldErrors: { roleId: [refusal] } });
      await expect(runBulk(db, admin(), target, { kind: 'role', roleId: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'invalid', message: 'Choose a role.' });
    }
    expect(await auditCount('user.role_changed', made.map((m) => m.id))).toBe(0);
  });

  it('gives Administrators (in no environment of their own) a role tied to environments in the environment of the list', async () => {
    const admins = [];
    for (let i = 0; i < 2; i++) admins.push(await insertUser(db, { email: `step-down-${i}@example.test`, role: 'Administrator' }));
    const accountManager = await roleId('Account Manager');
    const result = await runBulk(db, admin(), { ids: admins.map((a) => a.id) }, { kind: 'role', roleId: accountManager, environmentId: sandboxId });
    expect(result).toEqual({ done: 2, skipped: 0, problems: [] });
    expect(await statusOf('step-down-')).toEqual(admins.map(() => ({ status: 'active', roleId: accountManager, environmentIds: [sandboxId] })));
    // A user already in environments keeps them.
    const member = await insertUser(db, { email: 'keeps-env@example.test', environmentId });
    await runBulk(db, admin(), { ids: [member.id] }, { kind: 'role', roleId: accountManager, environmentId: sandboxId });
    expect(await statusOf('keeps-env')).toEqual([{ status: 'active', roleId: accountManager, environmentIds: [environmentId] }]);
  });
});

describe('runBulk when the caller changes while it runs', () => {
  // A bulk change outlives the request that started it (a Ban of 100,000 users takes many minutes):
  // the caller banned, or demoted, meanwhile must not go on acting with the rights they had, not even
  // for the rest of the batch under way: its transaction reads their rights again as it ends, and rolls back.
  const run = async (prefix: string, change: string) => {
    const manager = await insertUser(db, { email: `mgr-${prefix}@example.test`, role: 'Account Manager', environmentId });
    const victims = [];
    for (let i = 0; i < 3; i++) victims.push(await insertUser(db, { email: `${prefix}${i}@example.test`, environmentId }));
    // Banning the first victim changes the manager, in that batch's transaction (as another instance would while it runs).
    await db.execute(sql.raw(`create function ${prefix.replaceAll('-', '_')}() returns trigger language plpgsql as $$
      begin ${change.replace('$MGR', `'${manager.id}'`)}; return new; end $$`));
    await db.execute(sql.raw(`create trigger ${prefix.replaceAll('-', '_')} after update on users for each row
      when (new.id = '${victims[0]!.id}' and new.status = 'banned') execute function ${prefix.replaceAll('-', '_')}()`));
    const principal: Principal = {
      actor: { type: 'user', id: manager.id, label: manager.email },
      permissions: ['users.read', 'users.write', 'users.ban', 'users.unlock'],
      allEnvironments: false,
      environmentIds: [environmentId],
      actsAs: manager.id,
    };
    const outcome = await runBulk(db, principal, { ids: victims.map((v) => v.id) }, { kind: 'ban', reason: 'x' }, undefined, 1, 1).catch((e: Error) => e);
    await db.execute(sql.raw(`drop trigger ${prefix.replaceAll('-', '_')} on users`));
    const banned = (await statusOf(prefix)).filter((u) => u.status === 'banned').length;
    return { outcome, banned };
  };

  it('stops when the caller is banned', async () => {
    const { outcome, banned } = await run('stale-ban', `update users set status = 'banned', ban_reason = 'x' where id = $MGR`);
    expect(banned).toBe(0);
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).message).toBe('No user was banned. Stopped there: you no longer have permission to do that.');
  });

  it('stops when the caller loses the permission (their role changed)', async () => {
    const { outcome, banned } = await run('stale-role', `update users set role_id = (select id from roles where name = 'User') where id = $MGR`);
    expect(banned).toBe(0);
    expect((outcome as Error).message).toMatch(/no longer/);
  });
});

describe('list filters (environment, tag, idle days) and Locked Users', () => {
  it('filters by tag, idle days and a second environment', async () => {
    await insertUser(db, { email: 'tagged-a@example.test', environmentId, tags: [{ name: 'Dept', value: 'Sales' }], lastSignInAt: new Date() });
    await insertUser(db, { email: 'tagged-b@example.test', environmentId, tags: [{ name: 'Dept', value: 'Legal' }], lastSignInAt: new Date(Date.now() - 40 * 86_400_000) });
    const p = (raw: Record<string, string>) => listParamsSchema.parse({ q: 'tagged-', ...raw });
    const emails = async (raw: Record<string, string>) => (await listUsers(db, admin(), environmentId, p(raw))).users.map((u) => u.email).sort();
    expect(await emails({ tag: 'Dept=Sales' })).toEqual(['tagged-a@example.test']);
    expect(await emails({ tag: 'Dept' })).toEqual(['tagged-a@example.test', 'tagged-b@example.test']);
    expect(await emails({ idle: '30' })).toEqual(['tagged-b@example.test']);
    expect(await emails({ env: sandboxId })).toEqual([]);
    expect(listParamsSchema.parse({ idle: '-3', tag: 'a\u0000', env: 'x' })).toMatchObject({ idle: undefined, tag: undefined, env: undefined });
  });

  it('pages the locked users by locked-since with a count, without repeats', async () => {
    for (let i = 0; i < 13; i++) await insertUser(db, { email: `paged-lock${i}@example.test`, environmentId, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(Date.now() - (i % 4) * 3_600_000), failedAttempts: 10 });
    const params = lockedParamsSchema.parse({ q: 'paged-lock' });
    const seen: string[] = [];
    let page = await listLockedUsers(db, admin(), environmentId, params);
    const listPage = async (after: string) => listLockedUsers(db, admin(), environmentId, { ...params, after });
    seen.push(...page.users.map((u) => u.id));
    while (page.next) {
      page = await listPage(page.next);
      seen.push(...page.users.map((u) => u.id));
    }
    expect(new Set(seen).size).toBe(13);
    expect((await countLockedUsers(db, admin(), environmentId, { q: 'paged-lock' })).count).toBe(13);
    expect((await countUsers(db, listFilter(admin(), environmentId, { q: 'paged-lock', sort: 'lockedAt' }))).count).toBe(13);
  });
});

describe('runBulk on users whose state changes between the selection and the action', () => {
  it('acts on all matching only where the action applies: Unlock of a search counts the locked, not the rest as skipped', async () => {
    for (let i = 0; i < 3; i++) await insertUser(db, { email: `mixunlock-a${i}@example.test`, environmentId });
    for (let i = 0; i < 2; i++) await insertUser(db, { email: `mixunlock-l${i}@example.test`, environmentId, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() });
    await insertUser(db, { email: 'mixunlock-b@example.test', environmentId, status: 'banned', banReason: 'x' });
    expect(await runBulk(db, admin(), { environmentId, filter: { q: 'mixunlock' } }, { kind: 'unlock' })).toEqual({ done: 2, skipped: 0, problems: [] });
    expect(await runBulk(db, admin(), { environmentId, filter: { q: 'mixunlock' } }, { kind: 'ban', reason: 'x' })).toEqual({ done: 5, skipped: 0, problems: [] });
  });

  it('leaves alone a user who no longer matches when reached (unlocked meanwhile): not reset, not mailed, not counted', async () => {
    const made: { id: string }[] = [];
    for (let i = 0; i < 3; i++) made.push(await insertUser(db, { email: `driftreset${i}@example.test`, environmentId, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() }));
    // Another manager's Unlock of the last commits after the walk chose the batch, before its transaction.
    const racing = Object.create(db) as Db;
    racing.transaction = (async (run: Parameters<Db['transaction']>[0]) => {
      await db.update(users).set({ status: 'active', lockReason: null, lockedAt: null }).where(eq(users.id, made[2]!.id));
      return db.transaction(run);
    }) as Db['transaction'];
    const result = await runBulk(racing, admin(), { environmentId, filter: { q: 'driftreset', status: 'locked' } }, { kind: 'reset' });
    expect(result).toEqual({ done: 2, skipped: 0, problems: [] });
    expect(await auditCount('user.reset', [made[2]!.id])).toBe(0);
    expect(await db.select().from(outboxMessages).where(eq(outboxMessages.userId, made[2]!.id))).toHaveLength(0);
  });

  it('a selection made on Locked Users (status locked) skips, by name, a user unlocked since', async () => {
    const locked = await insertUser(db, { email: 'selreset-l@example.test', environmentId, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() });
    const since = await insertUser(db, { email: 'selreset-a@example.test', environmentId });
    const result = await runBulk(db, admin(), { ids: [locked.id, since.id, since.id], status: 'locked' }, { kind: 'reset' });
    expect(result).toEqual({ done: 1, skipped: 1, problems: [{ email: 'selreset-a@example.test', message: 'selreset-a@example.test is no longer locked.' }] });
    expect(await auditCount('user.reset', [since.id])).toBe(0);
  });

  it('all matching on Locked Users acts on those locked when the list was shown, not on someone locked since', async () => {
    // The page counted two; then a third was locked (an attacker's guesses, say). Unlocking "all 2"
    // must not quietly unlock them too, with their failed attempts wiped.
    const shown = new Date();
    const before = [];
    for (let i = 0; i < 2; i++) before.push(await insertUser(db, { email: `snaplock-${i}@example.test`, environmentId, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(shown.getTime() - 60_000), failedAttempts: 10, createdAt: new Date(shown.getTime() - 120_000) }));
    const since = await insertUser(db, { email: 'snaplock-since@example.test', environmentId, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(shown.getTime() + 1_000), failedAttempts: 10, createdAt: new Date(shown.getTime() - 120_000) });
    const result = await runBulk(db, admin(), { environmentId, filter: { q: 'snaplock-', status: 'locked' }, readAt: shown }, { kind: 'unlock' });
    expect(result).toEqual({ done: 2, skipped: 0, problems: [] });
    const [after] = await db.select({ status: users.status, failedAttempts: users.failedAttempts }).from(users).where(eq(users.id, since.id));
    expect(after).toEqual({ status: 'locked', failedAttempts: 10 });
    expect(await db.select().from(outboxMessages).where(eq(outboxMessages.userId, since.id))).toHaveLength(0);
    expect(await auditCount('user.unlocked', before.map((b) => b.id))).toBe(2);
  });

  it('any action on all matching locked users, a Ban too, leaves out someone locked after the list was shown', async () => {
    const shown = new Date();
    const seen = await insertUser(db, { email: 'banlocked-seen@example.test', environmentId, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(shown.getTime() - 60_000), createdAt: new Date(shown.getTime() - 120_000) });
    const since = await insertUser(db, { email: 'banlocked-since@example.test', environmentId, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(shown.getTime() + 1_000), createdAt: new Date(shown.getTime() - 120_000) });
    const result = await runBulk(db, admin(), { environmentId, filter: { q: 'banlocked-', status: 'locked' }, readAt: shown }, { kind: 'ban', reason: 'Attack' });
    expect(result).toEqual({ done: 1, skipped: 0, problems: [] });
    const status = async (id: string) => (await db.select({ status: users.status }).from(users).where(eq(users.id, id)))[0]!.status;
    expect([await status(seen.id), await status(since.id)]).toEqual(['banned', 'locked']);
  });

  it('all matching on All Users leaves out whoever was locked, added or went idle after the list was shown', async () => {
    // All Users offers Unlock and Reset of all matching too: the bound of Locked Users must hold there,
    // and a Ban of "all 2" must not take in users invited since, nor those who only crossed the idle line since.
    const shown = new Date();
    const ago = (ms: number) => new Date(shown.getTime() - ms);
    const day = 86_400_000;
    await insertUser(db, { email: 'allsnap-seen@example.test', environmentId, status: 'locked', lockReason: 'failed_attempts', lockedAt: ago(60_000), failedAttempts: 10, createdAt: ago(40 * day), lastSignInAt: ago(31 * day) });
    const lockedSince = await insertUser(db, { email: 'allsnap-locked@example.test', environmentId, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(shown.getTime() + 1_000), failedAttempts: 10, createdAt: ago(40 * day), lastSignInAt: ago(31 * day) });
    const unlocked = await runBulk(db, admin(), { environmentId, filter: { q: 'allsnap-' }, readAt: shown }, { kind: 'unlock' });
    expect(unlocked).toEqual({ done: 1, skipped: 0, problems: [] });
    expect((await db.select({ status: users.status, failedAttempts: users.failedAttempts }).from(users).where(eq(users.id, lockedSince.id)))[0]).toEqual({ status: 'locked', failedAttempts: 10 });
    expect(await runBulk(db, admin(), { environmentId, filter: { q: 'allsnap-locked' }, readAt: shown }, { kind: 'reset' })).toEqual({ done: 0, skipped: 0, problems: [] });

    await insertUser(db, { email: 'allsnap-new@example.test', environmentId, status: 'invited', createdAt: new Date(shown.getTime() + 1_000) });
    // Not yet idle for 30 days when the list was read (two minutes ago), but idle for 30 days now.
    await insertUser(db, { email: 'allsnap-crossing@example.test', environmentId, createdAt: ago(40 * day), lastSignInAt: ago(30 * day + 60_000) });
    const banned = await runBulk(db, admin(), { environmentId, filter: { q: 'allsnap-', idle: 30 }, readAt: new Date(shown.getTime() - 120_000) }, { kind: 'ban', reason: 'Left' });
    expect(banned).toEqual({ done: 2, skipped: 0, problems: [] });
    const statuses = Object.fromEntries((await db.select({ email: users.email, status: users.status }).from(users).where(like(users.email, 'allsnap-%'))).map((u) => [u.email, u.status]));
    expect(statuses).toEqual({ 'allsnap-seen@example.test': 'banned', 'allsnap-locked@example.test': 'banned', 'allsnap-new@example.test': 'invited', 'allsnap-crossing@example.test': 'active' });
  });

  it('says so when every matching user was dealt with by someone else first', async () => {
    await insertUser(db, { email: 'gone-first@example.test', environmentId, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() });
    const racing = Object.create(db) as Db;
    racing.transaction = (async (run: Parameters<Db['transaction']>[0]) => {
      await db.update(users).set({ status: 'active', lockReason: null, lockedAt: null }).where(like(users.email, 'gone-first%'));
      return db.transaction(run);
    }) as Db['transaction'];
    const result = await runBulk(racing, admin(), { environmentId, filter: { q: 'gone-first', status: 'locked' } }, { kind: 'unlock' });
    expect(describeBulkResult({ kind: 'unlock' }, result)).toBe('No user was unlocked: none matches the filters any more.');
  });
});
