// The profile page's server actions (and Add), called as a browser would post them, past the UI: as
// an Administrator, an Account Manager and for oneself. Each refusal names its field (never a bare
// "something went wrong"), writes nothing and records no audit event; each change is audited once.
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, environments, outboxMessages, roles, userEnvironments, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { loadSessionUser, type SessionUser } from '@/lib/auth/session';
import { LAST_ADMINISTRATOR } from '@/lib/users/admin-guard';
import { STALE_EDIT } from '@/lib/users/update';

const session = vi.hoisted(() => ({ user: null as SessionUser | null }));
vi.mock('@/lib/auth/session', async (original) => ({ ...(await original<object>()), getCurrentUser: async () => session.user }));
vi.mock('next/headers', () => ({ headers: async () => new Headers(), cookies: async () => ({ get: () => undefined, set: () => {} }) }));
vi.mock('next/cache', () => ({ revalidatePath: vi.fn() }));
// Add ends in a redirect to the new profile: thrown, as Next.js does, so the test can read where to.
vi.mock('next/navigation', () => ({ redirect: (to: string) => { throw Object.assign(new Error('NEXT_REDIRECT'), { to }); } }));

const actions = await import('./actions');
const { addUserAction } = await import('../new/actions');
const { bulkUsersAction } = await import('../bulk-actions');

let db: Db;
let adminId: string;
let production: string;
let sandbox: string;
let roleIds: Record<string, string>;
let contractor: string;
let n = 0;

const idle = { status: 'idle' } as const;
const form = (values: Record<string, string | string[]>) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(values)) for (const item of [v].flat()) data.append(k, item);
  return data;
};
const reload = async (id: string) => (await db.select().from(users).where(eq(users.id, id)))[0]!;
const memberships = async (id: string) => (await db.select().from(userEnvironments).where(eq(userEnvironments.userId, id))).map((m) => m.environmentId).sort();
const auditOf = async (id: string) => db.select().from(auditEvents).where(eq(auditEvents.targetId, id)).orderBy(auditEvents.id);
/** Signs in as that user, with the session the portal would load for them. */
const signInAs = async (id: string) => {
  session.user = await loadSessionUser(db, id, (await reload(id)).sessionVersion);
  expect(session.user).not.toBeNull();
};
const person = (values: Partial<Parameters<typeof insertUser>[1]> = {}) => insertUser(db, { email: `person${++n}@example.test`, environmentId: production, ...values });
/** The edit form as the page posts it for this user, with some fields changed. */
const edit = (u: { id: string; email: string; firstName: string; lastName: string; version: number }, changes: Record<string, string | string[]> = {}) =>
  form({ userId: u.id, version: String(u.version), firstName: u.firstName, lastName: u.lastName, email: u.email, roleId: roleIds.User!, environmentIds: production, ...changes });

beforeAll(async () => {
  db = await testDb();
  ({ adminId, environmentId: production } = await setUpOrganization(db));
  sandbox = (await db.insert(environments).values({ name: 'Sandbox' }).returning())[0]!.id;
  contractor = (await db.insert(roles).values({ name: 'Contractor', permissions: [], requiredFields: [{ label: 'Employee ID', key: 'employeeId', pattern: 'E[0-9]+' }, { label: 'Agency', key: 'agency' }] }).returning())[0]!.id;
  roleIds = Object.fromEntries((await db.select().from(roles)).map((r) => [r.name, r.id]));
});
beforeEach(() => {
  session.user = null;
});

/** Runs the call and checks that the user row and their audit history are exactly as before. */
async function refusedUnchanged(userId: string, call: () => Promise<unknown>) {
  const [row, events, envs] = [await reload(userId), (await auditOf(userId)).length, await memberships(userId)];
  const result = await call();
  expect(await reload(userId)).toEqual(row);
  expect((await auditOf(userId)).length).toBe(events);
  expect(await memberships(userId)).toEqual(envs);
  return result;
}

describe('nobody narrows their own access', () => {
  it('an Administrator cannot change their own role, even with another Administrator left', async () => {
    const other = await person({ role: 'Administrator', environmentId: undefined });
    await signInAs(other.id);
    const result = await refusedUnchanged(other.id, () => actions.updateUserAction(idle, edit(other, { roleId: roleIds['Account Manager']! })));
    expect(result).toMatchObject({ status: 'error', fieldErrors: { roleId: ['You cannot change your own role: ask an Administrator.'] } });
    expect(result).not.toHaveProperty('code');
  });

  it('an Administrator with memberships left from an earlier role still saves their own profile (they bound nothing)', async () => {
    const other = await person({ role: 'Administrator', environmentId: production });
    await signInAs(other.id);
    expect(await actions.updateUserAction(idle, edit(other, { roleId: roleIds.Administrator!, environmentIds: [], firstName: 'Own' }))).toEqual({ status: 'success', message: 'Changes saved.' });
    expect(await reload(other.id)).toMatchObject({ firstName: 'Own', roleId: roleIds.Administrator, status: 'active' });
  });

  it('an Account Manager cannot demote themselves, leave one of their environments, reset or ban themselves', async () => {
    const manager = await person({ role: 'Account Manager' });
    await db.insert(userEnvironments).values({ userId: manager.id, environmentId: sandbox });
    await signInAs(manager.id);
    const mine = { roleId: roleIds['Account Manager']!, environmentIds: [production, sandbox] };
    expect(await refusedUnchanged(manager.id, () => actions.updateUserAction(idle, edit(manager, { ...mine, roleId: roleIds.User! })))).toMatchObject({
      fieldErrors: { roleId: [expect.stringContaining('your own role')] },
    });
    expect(await refusedUnchanged(manager.id, () => actions.updateUserAction(idle, edit(manager, { ...mine, environmentIds: production })))).toMatchObject({
      fieldErrors: { environmentIds: [expect.stringContaining('take yourself out of an environment')] },
    });
    expect(await refusedUnchanged(manager.id, () => actions.updateUserAction(idle, edit(manager, { ...mine, inactive: 'on' })))).toMatchObject({
      fieldErrors: { inactive: [expect.stringContaining('cannot make yourself inactive')] },
    });
    expect(await refusedUnchanged(manager.id, () => actions.resetUserAction(idle, form({ userId: manager.id })))).toEqual({
      status: 'error',
      message: 'You cannot reset yourself: change your password on your profile instead.',
    });
    expect(await refusedUnchanged(manager.id, () => actions.banUserAction(idle, form({ userId: manager.id, version: String(manager.version), reason: 'x' })))).toMatchObject({
      message: 'You cannot ban yourself.',
    });
    // Nor through the list's row actions (bulk, one user): skipped by name.
    const rowActions: Record<string, string>[] = [{ kind: 'reset' }, { kind: 'role', roleId: roleIds.User! }, { kind: 'removeEnvironment', environmentId: sandbox }];
    for (const fields of rowActions)
      expect(await refusedUnchanged(manager.id, () => bulkUsersAction(idle, form({ scope: 'selection', userIds: manager.id, ...fields })))).toMatchObject({
        status: 'error',
        message: expect.stringMatching(/1 user skipped, for example person\d+@example\.test: You cannot/),
      });
    // Their own names, email and tags are theirs to correct; joining a further environment they manage is harmless.
    expect(await actions.updateUserAction(idle, edit(manager, { ...mine, firstName: 'Renamed', tagName: 'Desk', tagValue: '4' }))).toEqual({ status: 'success', message: 'Changes saved.' });
    expect(await reload(manager.id)).toMatchObject({ firstName: 'Renamed', tags: [{ name: 'Desk', value: '4' }], status: 'active' });
  });
});

describe('what an Account Manager may not reach', () => {
  it('refuses a role above them, an environment they do not manage, an Administrator and users elsewhere, writing nothing', async () => {
    const manager = await person({ role: 'Account Manager' });
    const target = await person();
    const outsider = await person({ environmentId: sandbox });
    const auditor = (await db.insert(roles).values({ name: `Auditor ${n}`, permissions: ['users.read', 'audit.read'] }).returning())[0]!;
    await signInAs(manager.id);
    const admin = await reload(adminId);
    const refusals: [string, () => Promise<unknown>, unknown][] = [
      [target.id, () => actions.updateUserAction(idle, edit(target, { roleId: roleIds.Administrator! })), { fieldErrors: { roleId: [expect.stringContaining('cannot grant the Administrator role')] } }],
      [target.id, () => actions.updateUserAction(idle, edit(target, { roleId: auditor.id })), { fieldErrors: { roleId: [expect.stringContaining(`cannot grant the ${auditor.name} role`)] } }],
      [target.id, () => actions.updateUserAction(idle, edit(target, { environmentIds: [production, sandbox] })), { fieldErrors: { environmentIds: ['Choose environments you manage.'] } }],
      [adminId, () => actions.updateUserAction(idle, edit(admin, { roleId: roleIds.Administrator! })), { message: expect.stringContaining('their role has permissions you do not hold') }],
      [adminId, () => actions.resendInvitationAction(idle, form({ userId: adminId })), { message: expect.stringContaining('their role has permissions you do not hold') }],
      [outsider.id, () => actions.updateUserAction(idle, edit(outsider)), { message: 'No such user in your environments.' }],
      [outsider.id, () => actions.validateUserAction(idle, form({ userId: outsider.id })), { message: 'No such user in your environments.' }],
    ];
    for (const [id, call, expected] of refusals) expect(await refusedUnchanged(id, call)).toMatchObject({ status: 'error', ...(expected as object) });
    const added = await addUserAction(idle, form({ firstName: 'A', lastName: 'B', email: `elsewhere${n}@example.test`, roleId: roleIds.User!, environmentIds: sandbox }));
    expect(added).toMatchObject({ fieldErrors: { environmentIds: ['Choose environments you manage.'] } });
    expect(await db.select().from(users).where(eq(users.email, `elsewhere${n}@example.test`))).toEqual([]);
  });
});

describe('statuses the edit form cannot reach', () => {
  it('Inactive on an invited or banned user is a field error, never a silent "Nothing changed"; a save never lifts a ban', async () => {
    await signInAs(adminId);
    const invited = await person({ status: 'invited', activatedAt: null, passwordChangedAt: null });
    const banned = await person({ status: 'banned', banReason: 'Fraud' });
    expect(await refusedUnchanged(invited.id, () => actions.updateUserAction(idle, edit(invited, { inactive: 'on' })))).toMatchObject({
      fieldErrors: { inactive: [expect.stringContaining('has not accepted the invitation yet')] },
    });
    expect(await refusedUnchanged(banned.id, () => actions.updateUserAction(idle, edit(banned, { inactive: 'on' })))).toMatchObject({
      fieldErrors: { inactive: [expect.stringContaining('is banned, which already withdraws access')] },
    });
    // Other fields of a banned user may be corrected; the ban stays.
    expect(await actions.updateUserAction(idle, edit(banned, { lastName: 'Corrected', status: 'active' }))).toMatchObject({ status: 'success' });
    expect(await reload(banned.id)).toMatchObject({ status: 'banned', banReason: 'Fraud', lastName: 'Corrected' });
  });

  it('resending an invitation says why it cannot, by status', async () => {
    await signInAs(adminId);
    const neverAccepted = await person({ status: 'banned', banReason: 'x', activatedAt: null });
    const active = await person();
    const inactive = await person({ status: 'inactive' });
    expect(await actions.resendInvitationAction(idle, form({ userId: neverAccepted.id }))).toMatchObject({ message: `${neverAccepted.email} is banned: Validate them first, then resend the invitation.` });
    expect(await actions.resendInvitationAction(idle, form({ userId: active.id }))).toMatchObject({ message: `${active.email} has already accepted the invitation.` });
    expect(await actions.resendInvitationAction(idle, form({ userId: inactive.id }))).toMatchObject({ message: `${inactive.email} has already accepted the invitation.` });
    expect(await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, neverAccepted.email))).toEqual([]);
  });

  it('Validate of a user reset before the ban says they have no password and no link, instead of "can sign in"', async () => {
    await signInAs(adminId);
    const user = await person({ passwordHash: 'old' });
    expect(await actions.resetUserAction(idle, form({ userId: user.id }))).toMatchObject({ status: 'success' });
    expect(await actions.banUserAction(idle, form({ userId: user.id, version: String((await reload(user.id)).version), reason: 'Suspicious' }))).toMatchObject({ status: 'success' });
    expect(await actions.validateUserAction(idle, form({ userId: user.id }))).toEqual({ status: 'success', message: expect.stringContaining('reset them to send a new link') });
    const other = await person({ passwordHash: 'kept' });
    await actions.banUserAction(idle, form({ userId: other.id, version: String(other.version), reason: 'x' }));
    expect(await actions.validateUserAction(idle, form({ userId: other.id }))).toEqual({ status: 'success', message: 'The user is active again and can sign in.' });
  });
});

describe('Unlock of an expired password', () => {
  it('says the user must choose a new one, and requires it', async () => {
    await signInAs(adminId);
    const user = await person({ status: 'locked', lockReason: 'password_expired', lockedAt: new Date(), passwordChangedAt: new Date(Date.now() - 400 * 86_400_000) });
    expect(await actions.unlockUserAction(idle, form({ userId: user.id }))).toEqual({
      status: 'success',
      message: 'The user is unlocked: at their next sign-in they must choose a new password, as theirs has expired.',
    });
    expect(await reload(user.id)).toMatchObject({ status: 'active', requirePasswordChange: true, lockReason: null });
  });
});

describe('what changed since the form was opened (loadConflict)', () => {
  it('a forged time PostgreSQL cannot read (year 0000) answers nothing instead of an error', async () => {
    await signInAs(adminId);
    const user = await person();
    expect(await actions.loadConflict(user.id, '0000-06-01')).toBeNull();
    expect(await actions.loadConflict(user.id, new Date(0).toISOString())).toMatchObject({ version: user.version });
  });

  it('is not read by someone held to a password change, as the page is not', async () => {
    await signInAs(adminId);
    const user = await person();
    session.user = { ...session.user!, requirePasswordChange: true };
    expect(await actions.loadConflict(user.id, new Date(0).toISOString())).toBeNull();
  });
});

describe('the last Administrator', () => {
  it('is refused on the Role field as what it is, not as "someone else changed this user"', async () => {
    // Only one active Administrator left: the org's own. Another Administrator tries to demote them.
    await db.update(users).set({ status: 'inactive' }).where(and(eq(users.roleId, roleIds.Administrator!), sql`${users.id} <> ${adminId}`));
    const deputy = await person({ role: 'Administrator', environmentId: undefined });
    await signInAs(deputy.id);
    // The deputy does not count (their password was cleared, as a reset does), yet acts: the guard is what refuses.
    await db.update(users).set({ passwordHash: null }).where(eq(users.id, deputy.id));
    const admin = await reload(adminId);
    const result = await refusedUnchanged(adminId, () => actions.updateUserAction(idle, edit(admin, { roleId: roleIds['Account Manager']! })));
    expect(result).toEqual({ status: 'error', message: LAST_ADMINISTRATOR, fieldErrors: { roleId: [LAST_ADMINISTRATOR] } });
    await db.update(users).set({ status: 'inactive' }).where(eq(users.id, deputy.id));
  });

  it('a stale save is the one conflict the form is told to show as one', async () => {
    await signInAs(adminId);
    const user = await person();
    expect(await actions.updateUserAction(idle, edit(user, { firstName: 'First' }))).toMatchObject({ status: 'success' });
    expect(await actions.updateUserAction(idle, edit(user, { firstName: 'Second' }))).toEqual({ status: 'error', message: STALE_EDIT, code: 'conflict' });
    expect((await reload(user.id)).firstName).toBe('First');
  });
});

describe('environments the form does not list', () => {
  it('an edit keeps a membership of an archived environment (restored, it is still theirs), and does not audit it as changed', async () => {
    await signInAs(adminId);
    const archived = (await db.insert(environments).values({ name: `Old ${n}`, archivedAt: new Date() }).returning())[0]!.id;
    const user = await person();
    await db.insert(userEnvironments).values({ userId: user.id, environmentId: archived });
    expect(await actions.updateUserAction(idle, edit(user, { firstName: 'Renamed' }))).toMatchObject({ status: 'success' });
    expect(await memberships(user.id)).toEqual([production, archived].sort());
    const [event] = (await auditOf(user.id)).slice(-1);
    expect(event!.changes).toEqual({ firstName: { before: 'Test', after: 'Renamed' } });
    // Named again (an API client sending back what it read), it is accepted; a new archived one is not.
    const again = await reload(user.id);
    expect(await actions.updateUserAction(idle, edit(again, { environmentIds: [production, archived, sandbox] }))).toMatchObject({ status: 'success' });
    const other = (await db.insert(environments).values({ name: `Older ${n}`, archivedAt: new Date() }).returning())[0]!.id;
    const last = await reload(user.id);
    expect(await refusedUnchanged(user.id, () => actions.updateUserAction(idle, edit(last, { environmentIds: [production, other] })))).toMatchObject({
      fieldErrors: { environmentIds: ['Choose environments you manage.'] },
    });
    // Only in an archived environment is in none that works: the editor is asked for one.
    const limbo = await person({ environmentId: archived });
    expect(await refusedUnchanged(limbo.id, () => actions.updateUserAction(idle, edit(limbo, { environmentIds: [] })))).toMatchObject({
      fieldErrors: { environmentIds: ['Choose at least one environment.'] },
    });
  });
});

describe("a role's required fields on the profile", () => {
  it('a new role needs its fields: refused without them, named per field; saved and audited with them', async () => {
    await signInAs(adminId);
    const user = await person();
    const result = await refusedUnchanged(user.id, () => actions.updateUserAction(idle, edit(user, { roleId: contractor })));
    expect(result).toMatchObject({ status: 'error', fieldErrors: { 'profile.employeeId': ['Enter the Employee ID.'], 'profile.agency': ['Enter the Agency.'] } });
    expect(await refusedUnchanged(user.id, () => actions.updateUserAction(idle, edit(user, { roleId: contractor, 'profile.employeeId': 'X1', 'profile.agency': 'Acme' })))).toMatchObject({
      fieldErrors: { 'profile.employeeId': ['The Employee ID does not have the expected format.'] },
    });
    expect(await actions.updateUserAction(idle, edit(user, { roleId: contractor, 'profile.employeeId': ' E42 ', 'profile.agency': 'Acme', 'profile.salary': '1' }))).toEqual({ status: 'success', message: 'Changes saved.' });
    expect((await reload(user.id)).profile).toEqual({ employeeId: 'E42', agency: 'Acme' });
    const events = (await auditOf(user.id)).filter((e) => e.action === 'user.role_changed');
    expect(events).toHaveLength(1);
    expect(events[0]!.changes).toMatchObject({ role: { before: 'User', after: 'Contractor' }, profile: { before: {}, after: { agency: 'Acme', employeeId: 'E42' } } });

    // Emptying one is refused; changing one is checked against its pattern.
    const now = await reload(user.id);
    const same = { roleId: contractor, 'profile.employeeId': 'E42', 'profile.agency': 'Acme' };
    expect(await refusedUnchanged(user.id, () => actions.updateUserAction(idle, edit(now, { ...same, 'profile.agency': '  ' })))).toMatchObject({ fieldErrors: { 'profile.agency': ['Enter the Agency.'] } });
    expect(await actions.updateUserAction(idle, edit(now, { ...same, 'profile.employeeId': 'E43' }))).toMatchObject({ status: 'success' });
    expect((await reload(user.id)).profile).toEqual({ employeeId: 'E43', agency: 'Acme' });
  });

  it('a field the role gained later does not block an unrelated edit; bulk gets a sentence it can show', async () => {
    await signInAs(adminId);
    const user = await person({ role: 'Contractor', profile: { employeeId: 'E1' } });
    const before = await reload(user.id);
    expect(await actions.updateUserAction(idle, edit(before, { roleId: contractor, 'profile.employeeId': 'E1', 'profile.agency': '', firstName: 'Later' }))).toMatchObject({ status: 'success' });
    expect(await reload(user.id)).toMatchObject({ firstName: 'Later', profile: { employeeId: 'E1' } });

    const plain = await person();
    const result = await refusedUnchanged(plain.id, () => bulkUsersAction(idle, form({ scope: 'selection', kind: 'role', roleId: contractor, userIds: plain.id })));
    expect(result).toMatchObject({
      status: 'error',
      message: `No user was given the new role. 1 user skipped, for example ${plain.email}: The Contractor role asks for Employee ID and Agency, which ${plain.email} does not have: give the role where they can be entered (their profile page, an import, or the REST API's profile).`,
    });
  });

  it('a field keyed like a built-in object property (constructor) is read as a field, never as the property', async () => {
    await signInAs(adminId);
    const odd = (await db.insert(roles).values({ name: 'Odd keys', permissions: [], requiredFields: [{ label: 'Builder', key: 'constructor' }, { label: 'Text', key: 'toString' }] }).returning())[0]!;
    const email = `odd${++n}@example.test`;
    const missing = await addUserAction(idle, form({ firstName: 'O', lastName: 'K', email, roleId: odd.id, environmentIds: production }));
    expect(missing).toMatchObject({ status: 'error', fieldErrors: { 'profile.constructor': ['Enter the Builder.'], 'profile.toString': ['Enter the Text.'] } });
    const added = await addUserAction(idle, form({ firstName: 'O', lastName: 'K', email, roleId: odd.id, environmentIds: production, 'profile.constructor': 'Bob', 'profile.toString': 'T' })).catch((e) => e);
    expect(added.to).toMatch(/^\/users\/[0-9a-f-]{36}\?added=1$/);
    const [row] = await db.select().from(users).where(eq(users.email, email));
    expect(row!.profile).toEqual({ constructor: 'Bob', toString: 'T' });
    const user = await person();
    expect(await actions.updateUserAction(idle, edit(user, { roleId: odd.id }))).toMatchObject({ fieldErrors: { 'profile.constructor': ['Enter the Builder.'] } });
  });
});

describe('Locked Users: "all N matching"', () => {
  it('acts on those locked when the list was read; a garbled read time is refused, not dropped', async () => {
    await signInAs(adminId);
    const readAt = new Date();
    const shown = await person({ email: `lockedsnap-shown${++n}@example.test`, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(readAt.getTime() - 5_000), failedAttempts: 10, createdAt: new Date(readAt.getTime() - 60_000) });
    const later = await person({ email: `lockedsnap-later${++n}@example.test`, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(readAt.getTime() + 5_000), failedAttempts: 10, createdAt: new Date(readAt.getTime() - 60_000) });
    const all = (readAt: string) => bulkUsersAction(idle, form({ scope: 'matching', kind: 'unlock', q: 'lockedsnap-', status: 'locked', readAt }));
    for (const garbled of ['yesterday', '275760-09-13T00:00:00Z', ''])
      expect(await all(garbled)).toEqual({ status: 'error', message: 'The list you chose from is not recognised: reload the page and try again.' });
    expect((await reload(shown.id)).status).toBe('locked');
    expect(await all(readAt.toISOString())).toEqual({ status: 'success', message: '1 user unlocked.' });
    expect((await reload(shown.id)).status).toBe('active');
    expect(await reload(later.id)).toMatchObject({ status: 'locked', failedAttempts: 10 });
    expect(await auditOf(later.id)).toHaveLength(0);
  });
});

describe('"all N matching" with filters the list cannot read', () => {
  it('refuses a garbled filter by name, never acting on everyone the list would then show, nor saying none matches', async () => {
    await signInAs(adminId);
    const readAt = new Date(Date.now() + 60_000).toISOString();
    const bystander = await person({ email: `quorvath-bystander${++n}@example.test`, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(Date.now() - 5_000) });
    const ban = (filters: Record<string, string>) => bulkUsersAction(idle, form({ scope: 'matching', kind: 'ban', reason: 'crafted', readAt, ...filters }));
    const refusal = (label: string) => ({ status: 'error', message: `The ${label} filter is not one the list offers: reload the page and try again.` });
    for (const [filters, label] of [
      [{ status: 'garbage' }, 'Status'],
      [{ status: 'LOCKED' }, 'Status'],
      [{ q: 'quorvath-', status: 'garbage' }, 'Status'],
      [{ role: "x' or 1=1--" }, 'Role'],
      [{ env: 'nope' }, 'Also in environment'],
      [{ tag: '   ' }, 'Tag'],
      [{ idle: 'forever' }, 'No sign-in for'],
      [{ idle: '0' }, 'No sign-in for'],
    ] as const)
      expect(await refusedUnchanged(bystander.id, () => ban(filters))).toEqual(refusal(label));
    // A selection made on Locked Users carries its status too: a garbled one is refused, not dropped.
    expect(await refusedUnchanged(bystander.id, () => bulkUsersAction(idle, form({ scope: 'selection', kind: 'unlock', userIds: bystander.id, status: 'lockd' })))).toEqual(refusal('Status'));
    // Read as the list reads them, the filters still work.
    expect(await bulkUsersAction(idle, form({ scope: 'matching', kind: 'unlock', q: 'quorvath-', status: 'locked', readAt }))).toEqual({ status: 'success', message: '1 user unlocked.' });
  });
});

describe('"all N matching" and the environment switcher', () => {
  it('acts in the environment of the list it was chosen from, not one switched to since (in another tab); never in one the caller cannot see', async () => {
    // The switcher's cookie is absent here, so the current environment is Production; the list was Sandbox's.
    await signInAs(adminId);
    const inSandbox = await person({ email: `envsnap-sandbox${++n}@example.test`, environmentId: sandbox, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(Date.now() - 5_000) });
    const inProduction = await person({ email: `envsnap-production${++n}@example.test`, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(Date.now() - 5_000) });
    const all = (listEnvironmentId: string) => bulkUsersAction(idle, form({ scope: 'matching', kind: 'unlock', q: 'envsnap-', status: 'locked', listEnvironmentId, readAt: new Date().toISOString() }));
    expect(await all(sandbox)).toEqual({ status: 'success', message: '1 user unlocked.' });
    expect((await reload(inSandbox.id)).status).toBe('active');
    expect((await reload(inProduction.id)).status).toBe('locked');

    const manager = await person({ role: 'Account Manager' });
    await signInAs(manager.id);
    await db.update(users).set({ status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(Date.now() - 5_000) }).where(eq(users.id, inSandbox.id));
    for (const elsewhere of [sandbox, 'not-an-id'])
      expect(await all(elsewhere)).toEqual({ status: 'error', message: 'The list you chose from is not of an environment you work in: reload the page and try again.' });
    expect((await reload(inSandbox.id)).status).toBe('locked');
    expect((await reload(inProduction.id)).status).toBe('locked');
  });
});

describe('what a posted form holds beyond its fields', () => {
  it('status, password hash, session version, ban reason and ids sent along are ignored by edit and Add', async () => {
    await signInAs(adminId);
    const user = await person({ passwordHash: 'theirs', status: 'locked', lockReason: 'failed_attempts' });
    const extras = { status: 'active', passwordHash: 'evil', sessionVersion: '1', banReason: 'x', lockReason: '', requirePasswordChange: 'on', id: adminId, activatedAt: '2020-01-01', 'profile.salary': '1' };
    expect(await actions.updateUserAction(idle, edit(user, { ...extras, firstName: 'Only' }))).toMatchObject({ status: 'success' });
    const after = await reload(user.id);
    expect(after).toMatchObject({ firstName: 'Only', status: 'locked', lockReason: 'failed_attempts', passwordHash: 'theirs', requirePasswordChange: false, profile: {}, sessionVersion: user.sessionVersion });
    const email = `extras${++n}@example.test`;
    await addUserAction(idle, form({ firstName: 'A', lastName: 'B', email, roleId: roleIds.User!, environmentIds: production, ...extras, version: '7' })).catch(() => undefined);
    const [added] = await db.select().from(users).where(eq(users.email, email));
    expect(added).toMatchObject({ status: 'invited', passwordHash: null, requirePasswordChange: false, profile: {}, version: 1, banReason: null });
    expect(added!.id).not.toBe(adminId);
  });

  it('a missing or garbled version, or ids that are not ids, get a message a person can act on', async () => {
    await signInAs(adminId);
    const user = await person();
    // A hidden field: nothing on the page to highlight, so the message alone says what to do.
    const outOfDate = { status: 'error', message: 'This page is out of date: reload it and try again.' };
    for (const version of ['', 'abc', '1.5', '1e3', '-1', '99999999999999999999'])
      expect(await refusedUnchanged(user.id, () => actions.updateUserAction(idle, edit(user, { version })))).toEqual(outOfDate);
    expect(await actions.banUserAction(idle, form({ userId: user.id, reason: 'x' }))).toEqual(outOfDate);
    // The form's own fields wrong as well: the hidden one, which only a reload mends, is what is said.
    const without = (data: FormData, field: string) => (data.delete(field), data);
    expect(await refusedUnchanged(user.id, () => actions.updateUserAction(idle, without(edit(user, { firstName: '' }), 'version')))).toEqual(outOfDate);
    for (const act of [actions.updateUserAction, actions.banUserAction, actions.validateUserAction, actions.unlockUserAction, actions.resetUserAction, actions.resendInvitationAction]) {
      expect(await refusedUnchanged(user.id, () => act(idle, without(edit(user, { reason: 'x' }), 'userId')))).toEqual(outOfDate);
      for (const userId of ['', 'nope']) expect(await refusedUnchanged(user.id, () => act(idle, edit(user, { userId, reason: 'x' })))).toEqual(outOfDate);
    }
    expect(await actions.updateUserAction(idle, edit(user, { environmentIds: ['nope'] }))).toMatchObject({ fieldErrors: { environmentIds: ['Choose environments from the list.'] } });
    expect(await actions.updateUserAction(idle, edit(user, { roleId: 'nope' }))).toMatchObject({ fieldErrors: { roleId: ['Choose a role.'] } });
    // Fields left out, or posted twice, are asked for by name (never "expected string, received undefined").
    expect(await addUserAction(idle, form({ email: ['a@example.test', 'b@example.test'], roleId: roleIds.User!, environmentIds: production }))).toMatchObject({
      fieldErrors: { firstName: ['Enter the first name.'], lastName: ['Enter the last name.'], email: ['The email address must be one piece of text.'] },
    });
    expect(await actions.banUserAction(idle, form({ userId: user.id, version: String(user.version) }))).toMatchObject({
      fieldErrors: { reason: ["Give a reason: it is kept in the user's history."] },
    });
    const tags = Array.from({ length: 10_000 }, (_, i) => `t${i}`);
    expect(await refusedUnchanged(user.id, () => actions.updateUserAction(idle, edit(user, { tagName: tags, tagValue: tags })))).toMatchObject({ fieldErrors: { tags: ['A user has at most 50 tags.'] } });
    expect(await refusedUnchanged(user.id, () => actions.updateUserAction(idle, edit(user, { tagName: ['Team', ' TEAM '], tagValue: ['a', 'b'] })))).toMatchObject({
      fieldErrors: { tags: ['The tag TEAM is there twice. Keep one value per tag name.'] },
    });
    expect(await refusedUnchanged(user.id, () => actions.updateUserAction(idle, edit(user, { tagName: 'Big', tagValue: 'x'.repeat(501) })))).toMatchObject({
      fieldErrors: { tags: ['The tag value is at most 500 characters.'] },
    });
  });
});

describe('audit', () => {
  it('one edit is one event with every change before and after; a refused one leaves none', async () => {
    await signInAs(adminId);
    const user = await person();
    expect(await actions.updateUserAction(idle, edit(user, { firstName: 'Z', email: `moved${n}@example.test`, tagName: 'A', tagValue: '1', environmentIds: [production, sandbox], inactive: 'on' }))).toMatchObject({ status: 'success' });
    const events = await auditOf(user.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'user.updated',
      targetLabel: `moved${n}@example.test`,
      changes: {
        firstName: { before: 'Test', after: 'Z' },
        email: { before: user.email, after: `moved${n}@example.test` },
        tags: { before: [], after: [{ name: 'A', value: '1' }] },
        status: { before: 'active', after: 'inactive' },
        environments: { before: [production], after: [production, sandbox] },
      },
    });
    // Refused after some checks passed (the email is taken): the transaction leaves no event behind.
    const now = await reload(user.id);
    expect(await actions.updateUserAction(idle, edit(now, { firstName: 'Again', email: 'ada@example.test', environmentIds: [production, sandbox], inactive: 'on' }))).toMatchObject({
      fieldErrors: { email: ['A user with this email already exists.'] },
    });
    expect(await auditOf(user.id)).toHaveLength(1);
  });
});

// PostgreSQL only: the embedded database runs one transaction at a time, so nothing races there.
describe.runIf(process.env.VITEST_DB === 'postgres')('concurrent callers', () => {
  it('two saves and a ban made from one version: exactly one lands, the others are told someone else changed the user', async () => {
    await signInAs(adminId);
    const user = await person();
    const results = await Promise.all([
      actions.updateUserAction(idle, edit(user, { firstName: 'One' })),
      actions.updateUserAction(idle, edit(user, { firstName: 'Two' })),
      actions.banUserAction(idle, form({ userId: user.id, version: String(user.version), reason: 'Racing' })),
    ]);
    expect(results.filter((r) => r.status === 'success')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'error')).toEqual([expect.objectContaining({ message: STALE_EDIT, code: 'conflict' }), expect.objectContaining({ message: STALE_EDIT, code: 'conflict' })]);
    expect(await auditOf(user.id)).toHaveLength(1);
    expect((await reload(user.id)).version).toBe(user.version + 1);
  });

  it('Adds of one address in three spellings, and an email change racing an Add: one user, the rest a field error', async () => {
    await signInAs(adminId);
    const adds = await Promise.all(
      ['Race@Example.test', 'race@example.TEST', ' RACE@example.test '].map((email) =>
        addUserAction(idle, form({ firstName: 'R', lastName: 'C', email, roleId: roleIds.User!, environmentIds: production })).catch((e: { to?: string }) => ({ status: 'redirect', to: e.to })),
      ),
    );
    expect(adds.filter((r) => r.status === 'redirect')).toHaveLength(1);
    expect(adds.filter((r) => r.status === 'error')).toEqual([expect.objectContaining({ fieldErrors: { email: ['A user with this email already exists.'] } }), expect.anything()]);
    expect(await db.select().from(users).where(sql`lower(${users.email}) = 'race@example.test'`)).toHaveLength(1);

    const mover = await person();
    const [moved, added] = await Promise.all([
      actions.updateUserAction(idle, edit(mover, { email: 'Wanted@example.test' })),
      addUserAction(idle, form({ firstName: 'W', lastName: 'D', email: 'wanted@EXAMPLE.test', roleId: roleIds.User!, environmentIds: production })).catch((e: { to?: string }) => ({ status: 'redirect', to: e.to })),
    ]);
    expect([moved.status, added.status].sort()).toEqual(['error', moved.status === 'success' ? 'success' : 'redirect'].sort());
    for (const r of [moved, added]) if (r.status === 'error') expect(r).toMatchObject({ fieldErrors: { email: ['A user with this email already exists.'] } });
    expect(await db.select().from(users).where(sql`lower(${users.email}) = 'wanted@example.test'`)).toHaveLength(1);
  });

  it('the last two Administrators demoting each other at once: one wins, and the other, demoted by it, changes nothing', async () => {
    await db.update(users).set({ status: 'inactive' }).where(and(eq(users.roleId, roleIds.Administrator!), sql`${users.id} <> ${adminId}`));
    const other = await person({ role: 'Administrator', environmentId: undefined });
    await signInAs(adminId);
    const ada = session.user!;
    await signInAs(other.id);
    const them = session.user!;
    const demote = async (as: SessionUser, target: { id: string; email: string; firstName: string; lastName: string; version: number }) => {
      session.user = as;
      return actions.updateUserAction(idle, edit(target, { roleId: roleIds['Account Manager']! }));
    };
    const adaNow = await reload(adminId);
    const results = await Promise.all([demote(ada, other), demote(them, adaNow)]);
    expect(results.filter((r) => r.status === 'success')).toHaveLength(1);
    // Each holds itself (lib/action.ts) and waits for the other: PostgreSQL ends one, which runs again and
    // finds its caller demoted by the winner (the session ended), so it changes nothing.
    expect(results.find((r) => r.status === 'error')).toEqual({ status: 'error', message: 'Your session has ended. Sign in again.' });
    expect(await db.select().from(users).where(and(eq(users.roleId, roleIds.Administrator!), eq(users.status, 'active')))).toHaveLength(1);
  });
});
