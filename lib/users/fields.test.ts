import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, outboxMessages, roles, userEnvironments, userTokens, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { verifyPassword } from '@/lib/auth/password';
import { findToken } from '@/lib/auth/tokens';
import { AppError } from '@/lib/errors';
import { createUserFromFields, updateUserFromFields, type CreateUserFields } from './fields';
import { LAST_ADMINISTRATOR_RESET } from './admin-guard';
import { STALE_EDIT } from './update';

let db: Db;
let environmentId: string;
let otherEnvironmentId: string;
let adminId: string;
const api = { type: 'api_user' as const, id: '00000000-0000-4000-8000-000000000001', label: 'erp-sync' };
const admin: Principal = { actor: api, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
let manager: Principal;
// Read once: inside a transaction the embedded database serves nothing else, so no lookup may run there.
const roleIds = new Map<string, string>();
const roleId = async (name: string) => roleIds.get(name)!;
const row = async (id: string) => (await db.select().from(users).where(eq(users.id, id)))[0]!;
const mails = (to: string) => db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, to));
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as AppError);
const STRONG = 'Quite-Long-Passphrase-42';

beforeAll(async () => {
  db = await testDb();
  ({ environmentId, adminId } = await setUpOrganization(db));
  const { environments } = await import('@/db/schema');
  for (const r of await db.select().from(roles)) roleIds.set(r.name, r.id);
  otherEnvironmentId = (await db.insert(environments).values({ name: 'Sandbox' }).returning())[0]!.id;
  [userRoleId, administratorRoleId, managerRoleId] = [await roleId('User'), await roleId('Administrator'), await roleId('Account Manager')];
  manager = { actor: api, permissions: ['users.read', 'users.write', 'users.unlock', 'users.ban'], allEnvironments: false, environmentIds: [environmentId] };
});

let userRoleId: string;
let administratorRoleId: string;
let managerRoleId: string;
// Synchronous on purpose: a query inside a transaction callback would wait forever on PGlite's one connection.
const base = (email: string): CreateUserFields => ({ email, firstName: 'Fiona', lastName: 'Fields', roleId: userRoleId, environmentIds: [environmentId] });

describe('createUserFromFields', () => {
  it('without a password invites (status invited, invitation mail), audited with the API user as actor', async () => {
    const { userId } = await db.transaction((tx) => createUserFromFields(tx, admin, { ...(base('inv@fields.test')), tags: [{ name: 'Dept', value: 'Ops' }] }));
    const user = await row(userId);
    expect(user.status).toBe('invited');
    expect(user.tags).toEqual([{ name: 'Dept', value: 'Ops' }]);
    expect((await mails('inv@fields.test')).map((m) => m.kind)).toEqual(['invitation']);
    const [event] = await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, userId), eq(auditEvents.action, 'user.created')));
    expect(event).toMatchObject({ actorType: 'api_user', actorLabel: 'erp-sync' });
  });

  it('with a password creates an active user whose password works; requirePasswordChange and inactive are kept', async () => {
    const { userId } = await db.transaction((tx) =>
      createUserFromFields(tx, admin, { ...(base('pw@fields.test')), password: STRONG, requirePasswordChange: true, inactive: true }),
    );
    const user = await row(userId);
    expect(user.status).toBe('inactive');
    expect(user.requirePasswordChange).toBe(true);
    expect(await verifyPassword(STRONG, user.passwordHash)).toBe(true);
    expect(await mails('pw@fields.test')).toEqual([]);
  });

  it('autoGeneratePassword + sendCredentialsViaEmail mails a set-password link, never a password', async () => {
    const { userId } = await db.transaction((tx) =>
      createUserFromFields(tx, admin, { ...(base('gen@fields.test')), autoGeneratePassword: true, sendCredentialsViaEmail: true }),
    );
    const user = await row(userId);
    expect(user.status).toBe('active');
    expect(user.requirePasswordChange).toBe(true);
    const [mail] = await mails('gen@fields.test');
    expect(mail!.kind).toBe('credentials');
    expect(mail!.text).toMatch(/set-password\?token=/);
    expect(mail!.text).toContain('gen@fields.test');
    // The link lives as long as the email says (an invitation's 7 days): the next morning it still works.
    expect(mail!.text).toContain('expires in 7 days');
    await db.update(userTokens).set({ createdAt: sql`now() - interval '20 hours'` }).where(eq(userTokens.userId, userId));
    const token = new URL(mail!.links[0]!).searchParams.get('token')!;
    expect(await findToken(db, token)).toMatchObject({ userId });
  });

  it('refuses a weak password, both password and autoGeneratePassword, and garbage, writing nothing', async () => {
    const weak = await failure(db.transaction((tx) => createUserFromFields(tx, admin, { ...(base('weak@fields.test')), password: 'short' })));
    expect(weak?.fieldErrors?.password?.length).toBeGreaterThan(0);
    const both = await failure(db.transaction((tx) => createUserFromFields(tx, admin, { ...(base('both@fields.test')), password: STRONG, autoGeneratePassword: true })));
    expect(Object.keys(both!.fieldErrors!)).toEqual(['autoGeneratePassword']);
    const garbage = await failure(db.transaction((tx) => createUserFromFields(tx, admin, { email: 'not an email', firstName: '', lastName: 'x'.repeat(500), roleId: 'nope', environmentIds: ['x'] })));
    expect(Object.keys(garbage!.fieldErrors!).sort()).toEqual(['email', 'environmentIds', 'firstName', 'lastName', 'roleId']);
    for (const email of ['weak@fields.test', 'both@fields.test']) expect(await db.select().from(users).where(eq(users.email, email))).toEqual([]);
  });

  it('holds a role\'s required fields to their pattern, with or without a password', async () => {
    const [clerk] = await db.insert(roles).values({ name: 'Field Clerk', permissions: [], requiredFields: [{ label: 'Clerk number', key: 'clerkNo', pattern: 'C[0-9]{3}' }] }).returning();
    for (const extra of [{}, { password: STRONG }]) {
      const email = `clerk${Object.keys(extra).length}@fields.test`;
      const error = await failure(db.transaction((tx) => createUserFromFields(tx, admin, { ...base(email), roleId: clerk!.id, profile: { clerkNo: 'X9' }, ...extra })));
      expect(error?.fieldErrors?.['profile.clerkNo']).toEqual(['The Clerk number does not have the expected format.']);
      expect(await db.select().from(users).where(eq(users.email, email))).toEqual([]);
    }
  });

  it('an environment-scoped principal cannot grant Administrator nor place users outside its environments', async () => {
    const error = await failure(db.transaction((tx) => createUserFromFields(tx, manager, { ...(base('esc@fields.test')), roleId: administratorRoleId })));
    expect(error!.fieldErrors!.roleId![0]).toContain('cannot grant the Administrator role');
    const outside = await failure(db.transaction((tx) => createUserFromFields(tx, manager, { ...(base('out@fields.test')), environmentIds: [otherEnvironmentId] })));
    expect(outside!.fieldErrors!.environmentIds).toBeDefined();
  });

  it('refuses a duplicate email ignoring case', async () => {
    const error = await failure(db.transaction((tx) => createUserFromFields(tx, admin, { ...(base('ADA@example.test')), password: STRONG })));
    expect(error!.fieldErrors!.email).toEqual(['A user with this email already exists.']);
  });

  // PostgreSQL only: on the embedded database the transactions run one after another and the check before the insert answers.
  it.skipIf(process.env.VITEST_DB !== 'postgres')('of simultaneous creations with a password and one email, keeps one; the others get the email field\'s error', async () => {
    const emails = ['Twin@Fields.test', 'twin@fields.test', 'TWIN@FIELDS.TEST', 'tWiN@fields.test'];
    const results = await Promise.all(emails.map((email) => failure(db.transaction((tx) => createUserFromFields(tx, admin, { ...base(email), password: STRONG })))));
    expect(results.filter((e) => e === null)).toHaveLength(1);
    for (const error of results.filter((e) => e !== null)) expect(error!.fieldErrors?.email).toEqual(['A user with this email already exists.']);
  });

  it('refuses profile fields the role does not have, naming each, and field names that are no key (NUL, spaces)', async () => {
    const extra = await failure(db.transaction((tx) => createUserFromFields(tx, admin, { ...base('extra@fields.test'), profile: { costCenter: '42', nickname: 'x' } })));
    expect(Object.keys(extra!.fieldErrors ?? {})).toEqual(['profile.costCenter', 'profile.nickname']);
    expect(await db.select().from(users).where(eq(users.email, 'extra@fields.test'))).toHaveLength(0);
    for (const key of ['a\u0000', 'two words', '']) {
      const error = await failure(db.transaction((tx) => createUserFromFields(tx, admin, { ...base('badkey@fields.test'), profile: { [key]: 'b' } })));
      expect(error, JSON.stringify(key)).toBeInstanceOf(AppError);
      expect(error!.fieldErrors?.profile?.[0], JSON.stringify(key)).toContain('keys of the fields a role asks for');
    }
  });

  it('refuses half a surrogate pair in names and tags as a field error, writing nothing', async () => {
    const name = await failure(db.transaction((tx) => createUserFromFields(tx, admin, { ...base('lone@fields.test'), firstName: 'U\ud800ma' })));
    expect(name!.fieldErrors?.firstName?.[0]).toContain('broken characters');
    const tag = await failure(db.transaction((tx) => createUserFromFields(tx, admin, { ...base('lone@fields.test'), tags: [{ name: 'x\udc00', value: '' }] })));
    expect(Object.keys(tag!.fieldErrors ?? {})).toContain('tags');
    expect(await db.select().from(users).where(eq(users.email, 'lone@fields.test'))).toHaveLength(0);
  });
});

describe('updateUserFromFields', () => {
  it('changes only the fields given: names, email, tags, role, environments', async () => {
    const user = await insertUser(db, { email: 'upd@fields.test', environmentId, tags: [{ name: 'A', value: '1' }] });
    const result = await db.transaction((tx) =>
      updateUserFromFields(tx, admin, user.id, { firstName: 'New', email: 'upd2@fields.test', roleId: managerRoleId, environmentIds: [otherEnvironmentId] }),
    );
    expect(result.changed).toBe(true);
    const after = await row(user.id);
    expect(after).toMatchObject({ firstName: 'New', lastName: user.lastName, email: 'upd2@fields.test', tags: [{ name: 'A', value: '1' }], roleId: managerRoleId });
    expect(result.version).toBe(after.version);
    const envs = await db.select().from(userEnvironments).where(eq(userEnvironments.userId, user.id));
    expect(envs.map((e) => e.environmentId)).toEqual([otherEnvironmentId]);
    const again = await db.transaction((tx) => updateUserFromFields(tx, admin, user.id, { firstName: 'New' }));
    expect(again).toEqual({ changed: false, version: after.version });
  });

  it('refuses a stale version and changes nothing', async () => {
    const user = await insertUser(db, { email: 'stale@fields.test', environmentId });
    const error = await failure(db.transaction((tx) => updateUserFromFields(tx, admin, user.id, { version: user.version + 5, firstName: 'X' })));
    expect(error).toMatchObject({ code: 'conflict', message: STALE_EDIT });
    expect((await row(user.id)).firstName).toBe(user.firstName);
  });

  it('sets a password under the policy, requirePasswordChange, and sends credentials', async () => {
    const user = await insertUser(db, { email: 'pw2@fields.test', environmentId });
    const weak = await failure(db.transaction((tx) => updateUserFromFields(tx, admin, user.id, { password: 'pw2@fields.test' })));
    expect(weak!.fieldErrors!.password).toBeDefined();
    await db.transaction((tx) => updateUserFromFields(tx, admin, user.id, { password: STRONG, requirePasswordChange: true, sendCredentialsViaEmail: true }));
    const after = await row(user.id);
    expect(await verifyPassword(STRONG, after.passwordHash)).toBe(true);
    expect(after.requirePasswordChange).toBe(true);
    expect(after.sessionVersion).toBeGreaterThan(user.sessionVersion);
    expect((await mails('pw2@fields.test')).map((m) => m.kind).sort()).toEqual(['credentials', 'password_changed']);
  });

  it('tells an active user when someone else sets their password, as a link or an email change does: a takeover through a key is not silent', async () => {
    const user = await insertUser(db, { email: 'told@fields.test', environmentId });
    await db.transaction((tx) => updateUserFromFields(tx, admin, user.id, { password: STRONG }));
    await db.transaction((tx) => updateUserFromFields(tx, admin, user.id, { autoGenerateNewPassword: true }));
    expect((await mails('told@fields.test')).map((m) => m.kind)).toEqual(['password_changed', 'password_changed']);
  });

  it('autoGenerateNewPassword replaces the password with none anyone knows (none at all, as a Reset leaves it) and requires a change', async () => {
    const user = await insertUser(db, { email: 'gen2@fields.test', environmentId });
    await db.transaction((tx) => updateUserFromFields(tx, admin, user.id, { password: STRONG }));
    const before = await row(user.id);
    await db.transaction((tx) => updateUserFromFields(tx, admin, user.id, { autoGenerateNewPassword: true }));
    const after = await row(user.id);
    expect(after).toMatchObject({ status: 'active', passwordHash: null, requirePasswordChange: true, sessionVersion: before.sessionVersion + 1 });
  });

  it('sends sign-in details only where the link can set a password: a field error saying why otherwise, and nothing written', async () => {
    const tokensOf = async (id: string) => (await db.select().from(userTokens).where(eq(userTokens.userId, id))).length;
    const audited = async (id: string) => (await db.select().from(auditEvents).where(eq(auditEvents.targetId, id))).map((e) => e.action);
    const send = { sendCredentialsViaEmail: true };
    const cases: [string, Omit<Parameters<typeof insertUser>[1], 'email'>, Record<string, unknown>, RegExp][] = [
      ['locked', { status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(), failedAttempts: 10 }, send, /is locked, so the emailed link would not work: unlock them/],
      ['inactive', { status: 'inactive' }, send, /is inactive, so the emailed link would not work: make them active/],
      ['banned', { status: 'banned', banReason: 'Left' }, send, /is banned, so the emailed link would not work: validate them first/],
      ['invited', { status: 'invited', passwordHash: null }, send, /has not accepted the invitation yet: resend the invitation/],
      // Made inactive by this very request: refused whole, so the user stays active and unrenamed.
      ['deactivated', {}, { ...send, inactive: true, firstName: 'Renamed' }, /is inactive, so the emailed link would not work/],
    ];
    for (const [name, state, fields, message] of cases) {
      const user = await insertUser(db, { email: `creds-${name}@fields.test`, environmentId, ...state });
      const error = await failure(db.transaction((tx) => updateUserFromFields(tx, admin, user.id, fields)));
      expect(error, name).toMatchObject({ code: 'invalid', fieldErrors: { sendCredentialsViaEmail: [expect.stringMatching(message)] } });
      expect(Object.keys(error!.fieldErrors!), name).toEqual(['sendCredentialsViaEmail']);
      expect(await row(user.id), name).toMatchObject({ status: user.status, firstName: user.firstName, version: user.version });
      expect([await mails(user.email), await tokensOf(user.id), await audited(user.id)], name).toEqual([[], 0, []]);
    }

    // Unlocked or reactivated in the same request, the link works: sent.
    const locked = await insertUser(db, { email: 'creds-unlock@fields.test', environmentId, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() });
    const inactive = await insertUser(db, { email: 'creds-reactivate@fields.test', environmentId, status: 'inactive' });
    await db.transaction((tx) => updateUserFromFields(tx, admin, locked.id, { locked: false, ...send }));
    await db.transaction((tx) => updateUserFromFields(tx, admin, inactive.id, { inactive: false, ...send }));
    for (const user of [locked, inactive]) {
      expect((await row(user.id)).status).toBe('active');
      expect((await mails(user.email)).map((m) => m.kind)).toContain('credentials');
      expect(await audited(user.id)).toContain('user.credentials_sent');
    }

    // CreateUser: an inactive user cannot use the link either.
    const created = await failure(db.transaction((tx) => createUserFromFields(tx, admin, { ...base('creds-new@fields.test'), password: STRONG, inactive: true, ...send })));
    expect(created!.fieldErrors).toEqual({ sendCredentialsViaEmail: [expect.stringMatching(/would be inactive, so the emailed link would not work/)] });
    expect(await db.select().from(users).where(eq(users.email, 'creds-new@fields.test'))).toEqual([]);
  });

  it('inactive true/false, locked false unlocks, locked true is refused', async () => {
    const user = await insertUser(db, { email: 'status@fields.test', environmentId, status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() });
    const refused = await failure(db.transaction((tx) => updateUserFromFields(tx, admin, user.id, { locked: true })));
    expect(Object.keys(refused!.fieldErrors!)).toEqual(['locked']);
    await db.transaction((tx) => updateUserFromFields(tx, admin, user.id, { locked: false }));
    expect((await row(user.id)).status).toBe('active');
    await db.transaction((tx) => updateUserFromFields(tx, admin, user.id, { inactive: true }));
    expect((await row(user.id)).status).toBe('inactive');
    await db.transaction((tx) => updateUserFromFields(tx, admin, user.id, { inactive: false }));
    expect((await row(user.id)).status).toBe('active');
  });

  it('a user outside the principal\'s environments is not found; unknown fields are refused', async () => {
    const outsider = await insertUser(db, { email: 'outsider@fields.test', environmentId: otherEnvironmentId });
    const error = await failure(db.transaction((tx) => updateUserFromFields(tx, manager, outsider.id, { firstName: 'X' })));
    expect(error).toMatchObject({ code: 'not_found' });
    const unknown = await failure(db.transaction((tx) => updateUserFromFields(tx, admin, outsider.id, { firstName: 'X', isAdmin: true } as never)));
    expect(unknown).toMatchObject({ code: 'invalid' });
    expect((await row(outsider.id)).firstName).toBe(outsider.firstName);
  });

  it('an Account Manager-like principal cannot change an Administrator', async () => {
    const error = await failure(db.transaction((tx) => updateUserFromFields(tx, manager, adminId, { firstName: 'Mallory' })));
    expect(error?.code).toMatch(/not_found|forbidden/);
  });

  it('the last active Administrator cannot be made inactive', async () => {
    const error = await failure(db.transaction((tx) => updateUserFromFields(tx, admin, adminId, { inactive: true })));
    expect(error).toMatchObject({ code: 'conflict' });
    expect((await row(adminId)).status).toBe('active');
  });
});

describe('a key and the portal sign-in of the people who run it', () => {
  it('a generated password is one nobody knows: it cannot take the last Administrator who can sign in, and nothing is written', async () => {
    const before = await row(adminId);
    const error = await failure(db.transaction((tx) => updateUserFromFields(tx, admin, adminId, { autoGenerateNewPassword: true, sendCredentialsViaEmail: true })));
    expect(error).toMatchObject({ code: 'conflict', message: LAST_ADMINISTRATOR_RESET });
    const after = await row(adminId);
    expect([after.passwordHash, after.requirePasswordChange, after.version]).toEqual([before.passwordHash, before.requirePasswordChange, before.version]);
    expect(await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, adminId), eq(auditEvents.action, 'user.password_changed')))).toHaveLength(0);
  });

  it('generated passwords, one Administrator after another or all at once, never leave none who can sign in', async () => {
    await insertUser(db, { email: 'second-admin@fields.test', role: 'Administrator' });
    const canSignIn = () =>
      db
        .select({ id: users.id })
        .from(users)
        .innerJoin(roles, eq(roles.id, users.roleId))
        .where(and(eq(roles.name, 'Administrator'), eq(users.status, 'active'), sql`${users.passwordHash} is not null`));
    const administrators = await canSignIn();
    expect(administrators.length).toBeGreaterThanOrEqual(2);
    const results = await Promise.allSettled(administrators.map(({ id }) => db.transaction((tx) => updateUserFromFields(tx, admin, id, { autoGenerateNewPassword: true }))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(administrators.length - 1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toMatchObject([{ code: 'conflict', message: LAST_ADMINISTRATOR_RESET }]);
    expect(await canSignIn()).toHaveLength(1);
  });

  it('makes nobody an Administrator, and sets neither the password nor the email address of one (its holder would sign in to the portal as them)', async () => {
    const made = await failure(db.transaction((tx) => createUserFromFields(tx, admin, { ...base('keyadmin@fields.test'), roleId: administratorRoleId, environmentIds: [], password: STRONG })));
    expect(made!.fieldErrors!.roleId![0]).toBe('A key cannot grant the Administrator role: it does more than manage users, and is granted in the portal.');
    // Nor in two steps: a user whose password it set, then made an Administrator.
    const plain = await insertUser(db, { email: 'keypromote@fields.test', environmentId });
    await db.transaction((tx) => updateUserFromFields(tx, admin, plain.id, { password: STRONG }));
    const promoted = await failure(db.transaction((tx) => updateUserFromFields(tx, admin, plain.id, { roleId: administratorRoleId })));
    expect(promoted!.fieldErrors!.roleId![0]).toContain('A key cannot grant the Administrator role');
    expect((await row(plain.id)).roleId).toBe(userRoleId);

    const other = await insertUser(db, { email: 'keyvictim@fields.test', role: 'Administrator' });
    for (const change of [{ password: STRONG }, { email: 'attacker@elsewhere.test' }, { email: 'attacker@elsewhere.test', sendCredentialsViaEmail: true }]) {
      const error = await failure(db.transaction((tx) => updateUserFromFields(tx, admin, other.id, change)));
      expect(error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('A key cannot set the password or change the email address of keyvictim@fields.test') });
    }
    const after = await row(other.id);
    expect([after.email, after.passwordHash, after.version]).toEqual([other.email, other.passwordHash, other.version]);
    expect(await mails('attacker@elsewhere.test')).toHaveLength(0);
    // What an integration is for still works on them: names, tags, a generated password (which gives nobody a sign-in).
    await db.transaction((tx) => updateUserFromFields(tx, admin, other.id, { firstName: 'Renamed', autoGenerateNewPassword: true }));
    expect((await row(other.id)).firstName).toBe('Renamed');
    // And on a user whose role only manages users, or less, a key sets the password as before.
    expect((await verifyPassword(STRONG, (await row(plain.id)).passwordHash))).toBe(true);
  });
});

describe("updateUserFromFields and a role's required fields (REST PATCH, SOAP UpdateUser)", () => {
  it('a role change without the fields is refused on Role, by name; with `profile` it is made; values not named are kept', async () => {
    const [contractor] = await db.insert(roles).values({ name: 'Fields Contractor', permissions: [], requiredFields: [{ label: 'Employee ID', key: 'employeeId' }, { label: 'Agency', key: 'agency' }] }).returning();
    const user = await insertUser(db, { email: 'needs-fields@fields.test', environmentId });
    const refused = await failure(db.transaction((tx) => updateUserFromFields(tx, admin, user.id, { roleId: contractor!.id })));
    expect(refused).toMatchObject({ code: 'invalid', fieldErrors: { roleId: [expect.stringMatching(/^The Fields Contractor role asks for Employee ID and Agency, which needs-fields@fields\.test does not have/)] } });
    expect(refused!.message).toBe(refused!.fieldErrors!.roleId![0]);
    expect(await row(user.id)).toMatchObject({ roleId: userRoleId, profile: {}, version: user.version });

    const partial = await failure(db.transaction((tx) => updateUserFromFields(tx, admin, user.id, { roleId: contractor!.id, profile: { employeeId: 'E7' } })));
    expect(partial).toMatchObject({ fieldErrors: { 'profile.agency': ['Enter the Agency.'] } });
    await db.transaction((tx) => updateUserFromFields(tx, admin, user.id, { roleId: contractor!.id, profile: { employeeId: 'E7', agency: 'Acme' } }));
    expect(await row(user.id)).toMatchObject({ roleId: contractor!.id, profile: { employeeId: 'E7', agency: 'Acme' } });
    // A later PATCH naming one field changes only that one.
    await db.transaction((tx) => updateUserFromFields(tx, admin, user.id, { profile: { agency: 'Globex' } }));
    expect((await row(user.id)).profile).toEqual({ employeeId: 'E7', agency: 'Globex' });
  });

  it('inactive on an invited user is refused by name whoever calls', async () => {
    const invited = await insertUser(db, { email: 'invited-inactive@fields.test', environmentId, status: 'invited', activatedAt: null });
    expect(await failure(db.transaction((tx) => updateUserFromFields(tx, admin, invited.id, { inactive: true })))).toMatchObject({
      fieldErrors: { inactive: [expect.stringContaining('has not accepted the invitation yet')] },
    });
    expect((await row(invited.id)).status).toBe('invited');
  });
});
