import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { auditEvents, environments, roles, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { inviteUser } from '@/lib/users/create';
import { LAST_ADMINISTRATOR } from '@/lib/users/admin-guard';
import { createRole, deleteRole, matchesPattern, moveRoleUsers, OWN_ROLE, profileProblems, roleFormSchema, roleInputSchema, roleVersion, STALE_ROLE, updateRole } from '.';

let db: Db;
let environmentId: string;
const admin: Principal = { actor: { type: 'system' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
const roleId = async (name: string) => (await db.select().from(roles).where(eq(roles.name, name)))[0]!.id;
const input = (values: Record<string, unknown>) => roleInputSchema.parse(values);

beforeAll(async () => {
  db = await testDb();
  ({ environmentId } = await setUpOrganization(db));
});

describe('roles', () => {
  it('an Account Manager with roles.manage cannot create or widen a role beyond what they hold', async () => {
    const manager: Principal = {
      actor: { type: 'system' },
      permissions: ['users.read', 'users.write', 'roles.manage'],
      allEnvironments: false,
      environmentIds: [environmentId],
    };
    const refused = await db.transaction((tx) => createRole(tx, manager, input({ name: 'Sneaky', permissions: ['users.read', 'audit.read'] }))).catch((e) => e);
    expect(refused.code).toBe('forbidden');
    expect(refused.fieldErrors.permissions[0]).toContain('that you do not hold');
    const reach = await db.transaction((tx) => createRole(tx, manager, input({ name: 'Sneaky', permissions: ['users.read'], allEnvironments: true }))).catch((e) => e);
    expect(reach.code).toBe('forbidden');
    expect(await db.select().from(roles).where(eq(roles.name, 'Sneaky'))).toHaveLength(0);

    const ok = await db.transaction((tx) => createRole(tx, manager, input({ name: 'Helper', permissions: ['users.read'] })));
    const widen = await db.transaction((tx) => updateRole(tx, manager, ok.id, input({ name: 'Helper', permissions: ['users.read', 'settings.manage'] }))).catch((e) => e);
    expect(widen.code).toBe('forbidden');
    const administrator = await roleId('Administrator');
    const touchAdmin = await db
      .transaction((tx) => updateRole(tx, manager, administrator, input({ name: 'Administrator', permissions: [...PERMISSIONS], allEnvironments: true })))
      .catch((e) => e);
    expect(touchAdmin.code).toBe('forbidden');
  });

  it('a manager of some environments cannot change what a role grants its holders elsewhere', async () => {
    const [elsewhere] = await db.insert(environments).values({ name: 'Elsewhere' }).returning();
    const manager: Principal = { actor: { type: 'system' }, permissions: ['users.read', 'users.write', 'roles.manage'], allEnvironments: false, environmentIds: [environmentId] };
    const helper = await db.transaction((tx) => createRole(tx, manager, input({ name: 'Desk helper', permissions: ['users.read'] })));
    await insertUser(db, { email: 'helper-here@example.test', role: 'Desk helper', environmentId });
    await insertUser(db, { email: 'helper-elsewhere@example.test', role: 'Desk helper', environmentId: elsewhere!.id });
    await insertUser(db, { email: 'plain-elsewhere@example.test', role: 'User', environmentId: elsewhere!.id });
    const refused = await db.transaction((tx) => updateRole(tx, manager, helper.id, input({ name: 'Desk helper', permissions: ['users.read', 'users.write'] }))).catch((e) => e);
    expect(refused).toMatchObject({ code: 'forbidden', message: expect.stringContaining('environments you do not manage') });
    // The built-in User role takes no permission from anyone (see the next test).
    const userRole = await roleId('User');
    const user = await db.transaction((tx) => updateRole(tx, manager, userRole, input({ name: 'User', permissions: ['users.read', 'users.write'] }))).catch((e) => e);
    expect(user).toMatchObject({ message: expect.stringContaining('takes no other permissions') });
    expect((await db.select().from(roles).where(eq(roles.id, helper.id)))[0]!.permissions).toEqual(['users.read']);
    expect((await db.select().from(roles).where(eq(roles.name, 'User')))[0]!.permissions).toEqual([]);
    // An Administrator still may.
    await db.transaction((tx) => updateRole(tx, admin, helper.id, input({ name: 'Desk helper', permissions: ['users.read', 'users.write'] })));
  });

  it('built-in roles cannot be deleted nor stripped, and names stay unique', async () => {
    const administrator = await roleId('Administrator');
    await expect(db.transaction((tx) => deleteRole(tx, admin, administrator))).rejects.toThrow('built in and cannot be deleted');
    await expect(
      db.transaction((tx) => updateRole(tx, admin, administrator, input({ name: 'Administrator', permissions: ['users.read'], allEnvironments: true }))),
    ).rejects.toThrow('keeps its permissions');
    const manager = await roleId('Account Manager');
    await expect(
      db.transaction((tx) => updateRole(tx, admin, manager, input({ name: 'Account Manager', permissions: ['users.read', 'users.write', 'users.unlock'] }))),
    ).rejects.toThrow('keeps its permissions (users.ban)');
    // Nor given more: a User with users.write would be a manager, an Account Manager with settings.manage an administrator.
    const user = await roleId('User');
    await expect(db.transaction((tx) => updateRole(tx, admin, user, input({ name: 'User', permissions: ['users.read', 'users.write'] })))).rejects.toThrow(
      'The User role is built in and takes no other permissions (users.read, users.write).',
    );
    await expect(
      db.transaction((tx) => updateRole(tx, admin, manager, input({ name: 'Account Manager', permissions: ['users.read', 'users.write', 'users.unlock', 'users.ban', 'settings.manage'] }))),
    ).rejects.toThrow('takes no other permissions (settings.manage)');
    // Their required fields stay theirs to choose.
    await db.transaction((tx) => updateRole(tx, admin, user, input({ name: 'User', permissions: [], requiredFields: [{ label: 'Badge', key: 'badge' }] })));
    await db.transaction((tx) => updateRole(tx, admin, user, input({ name: 'User', permissions: [] })));
    await expect(db.transaction((tx) => createRole(tx, admin, input({ name: 'account manager' })))).rejects.toThrow('already exists');
  });

  it('refuses garbage: bad keys, duplicate keys, invalid patterns, unknown permissions', () => {
    expect(roleInputSchema.safeParse({ name: 'X', requiredFields: [{ label: 'A', key: '1bad' }] }).success).toBe(false);
    expect(roleInputSchema.safeParse({ name: 'X', requiredFields: [{ label: 'A', key: 'k' }, { label: 'B', key: 'K' }] }).success).toBe(false);
    expect(roleInputSchema.safeParse({ name: 'X', requiredFields: [{ label: 'A', key: 'k', pattern: '([' }] }).success).toBe(false);
    expect(roleInputSchema.safeParse({ name: 'X', permissions: ['root'] }).success).toBe(false);
  });

  it("refuses a required field an import could not tell apart: a standard column's name, one label twice, or another role's label under another key", async () => {
    // The import's template would have two Email columns (and refuse itself); the field could never be filled from a file.
    for (const field of [{ label: 'Email', key: 'workEmail' }, { label: 'E-mail address', key: 'mailbox' }, { label: 'Badge', key: 'tags' }, { label: 'Given name', key: 'given' }]) {
      const refused = roleFormSchema.safeParse({ name: 'X', fieldLabel: ['Code', field.label], fieldKey: ['code', field.key] });
      expect(refused.success, JSON.stringify(field)).toBe(false);
      expect(Object.values(z.flattenError(refused.error!).fieldErrors).flat().join()).toContain('import');
      expect(Object.keys(z.flattenError(refused.error!).fieldErrors)[0]).toMatch(/^requiredFields\.1\.(label|key)$/);
    }
    const twice = roleFormSchema.safeParse({ name: 'X', fieldLabel: ['Badge no', 'badge-no'], fieldKey: ['badge', 'badgeNo'] });
    expect((z.flattenError(twice.error!).fieldErrors as Record<string, string[]>)['requiredFields.1.label']).toEqual([expect.stringContaining('label')]);
    const crossed = roleFormSchema.safeParse({ name: 'X', fieldLabel: ['Badge', 'Code'], fieldKey: ['code', 'badge'] });
    expect(crossed.success).toBe(false);

    await db.transaction((tx) => createRole(tx, admin, input({ name: 'Guard', requiredFields: [{ label: 'Site badge', key: 'siteBadge' }] })));
    const clash = await db
      .transaction((tx) => createRole(tx, admin, input({ name: 'Porter', requiredFields: [{ label: 'site badge', key: 'badge' }] })))
      .catch((e) => e);
    expect(clash).toMatchObject({ code: 'invalid', fieldErrors: { requiredFields: [expect.stringContaining('Guard')] } });
    // The same field (label and key) in two roles is one column: fine.
    await db.transaction((tx) => createRole(tx, admin, input({ name: 'Porter', requiredFields: [{ label: 'Site badge', key: 'siteBadge' }] })));
  });

  it('keys a required field\'s error by its row on the form, blank rows counted', () => {
    const form = { name: 'X', fieldLabel: ['Code', '', 'Badge'], fieldKey: ['code', '', 'badge'], fieldPattern: ['E[0-9]{4}', '', '[0-9'] };
    const parsed = roleFormSchema.safeParse(form);
    expect(z.flattenError(parsed.error!).fieldErrors).toEqual({ 'requiredFields.2.pattern': [expect.stringMatching(/^This pattern is not valid/)] });
    const fine = roleFormSchema.safeParse({ ...form, fieldPattern: ['E[0-9]{4}', '', ''] });
    expect(fine.data?.requiredFields.map((f) => f.key)).toEqual(['code', 'badge']);
  });

  it('keeps a format hint per field, in plain text, and names it in the error of a value that does not match', () => {
    const form = { name: 'X', fieldLabel: ['Code', 'Badge'], fieldKey: ['code', 'badge'], fieldPattern: ['E[0-9]{4}', ''], fieldHint: ['E and 4 digits, like E1234', ''] };
    const parsed = roleFormSchema.safeParse(form);
    expect(parsed.data?.requiredFields).toEqual([
      { label: 'Code', key: 'code', pattern: 'E[0-9]{4}', hint: 'E and 4 digits, like E1234' },
      { label: 'Badge', key: 'badge' },
    ]);
    expect(profileProblems(parsed.data!.requiredFields, { code: 'E12', badge: 'b' }).map((p) => p.message)).toEqual([
      'The Code does not have the expected format: E and 4 digits, like E1234.',
    ]);
    const hidden = roleFormSchema.safeParse({ ...form, fieldHint: ['E\u202e1234', ''] });
    expect(z.flattenError(hidden.error!).fieldErrors).toEqual({ 'requiredFields.0.hint': [expect.stringContaining('format hint contains invisible')] });
  });

  it('runs patterns in linear time: a backtracking bomb answers at once; look-arounds are refused when saved', () => {
    const bomb = { label: 'Code', key: 'code', pattern: '(a+)+b' };
    expect(roleInputSchema.safeParse({ name: 'X', requiredFields: [bomb] }).success).toBe(true);
    // A backtracking engine takes about 2^40 steps on this value; RE2 reads it once.
    expect(matchesPattern(bomb, `${'a'.repeat(40)}!`)).toBe(false);
    expect(matchesPattern(bomb, 'aaab')).toBe(true);
    expect(matchesPattern({ label: 'No', key: 'no', pattern: 'E[0-9]{4}' }, 'E1234x')).toBe(false); // whole value only
    const lookbehind = roleInputSchema.safeParse({ name: 'X', requiredFields: [{ label: 'A', key: 'k', pattern: '(?<=a)b' }] });
    expect(lookbehind.error?.issues[0]?.message).toMatch(/without look-arounds or back-references/);
  });

  it('the Add form enforces a custom role\'s required fields and their pattern', async () => {
    const role = await db.transaction((tx) =>
      createRole(tx, admin, input({ name: 'Contractor', permissions: [], requiredFields: [{ label: 'Employee number', key: 'employeeNo', pattern: 'E[0-9]{4}' }] })),
    );
    const base = { firstName: 'C', lastName: 'T', roleId: role.id, environmentIds: [environmentId], tags: [] };
    const missing = await db.transaction((tx) => inviteUser(tx, admin, { ...base, email: 'c1@example.test', profile: {} })).catch((e) => e);
    expect(missing.fieldErrors['profile.employeeNo']).toEqual(['Enter the Employee number.']);
    const wrong = await db.transaction((tx) => inviteUser(tx, admin, { ...base, email: 'c1@example.test', profile: { employeeNo: 'E12' } })).catch((e) => e);
    expect(wrong.fieldErrors['profile.employeeNo']).toEqual(['The Employee number does not have the expected format.']);
    expect(await db.select().from(users).where(eq(users.email, 'c1@example.test'))).toHaveLength(0);
    await db.transaction((tx) => inviteUser(tx, admin, { ...base, email: 'c1@example.test', profile: { employeeNo: 'E1234' } }));
    expect(await db.select().from(users).where(eq(users.email, 'c1@example.test'))).toHaveLength(1);
  });

  it('changing permissions ends the holders\' sessions; a role in use is deleted only after its users move', async () => {
    const role = await db.transaction((tx) => createRole(tx, admin, input({ name: 'Reviewer', permissions: ['users.read'] })));
    const holders = await Promise.all(
      [1, 2, 3].map(async (i) => {
        const u = await insertUser(db, { email: `reviewer${i}@example.test`, environmentId });
        await db.update(users).set({ roleId: role.id }).where(eq(users.id, u.id));
        return u;
      }),
    );
    const result = await db.transaction((tx) => updateRole(tx, admin, role.id, input({ name: 'Reviewer', permissions: ['users.read', 'users.unlock'] })));
    expect(result.sessionsEnded).toBe(3);
    const after = await db.select().from(users).where(eq(users.roleId, role.id));
    expect(after.every((u) => u.sessionVersion === 2)).toBe(true);

    await expect(db.transaction((tx) => deleteRole(tx, admin, role.id))).rejects.toThrow('held by 3 users');
    const userRole = await roleId('User');
    const moved = await db.transaction((tx) => moveRoleUsers(tx, admin, role.id, userRole));
    expect(moved.moved).toBe(3);
    const events = await db.select().from(auditEvents).where(eq(auditEvents.action, 'user.role_changed'));
    expect(events.filter((e) => holders.some((h) => h.id === e.targetId))).toHaveLength(3);
    await db.transaction((tx) => deleteRole(tx, admin, role.id));
    expect(await db.select().from(roles).where(eq(roles.id, role.id))).toHaveLength(0);
    expect(await db.select().from(auditEvents).where(sql`action = 'role.deleted' and target_id = ${role.id}`)).toHaveLength(1);
  });

  it("moving users to a role with required fields is refused while a holder lacks one, naming it; with the values, they move", async () => {
    const from = await db.transaction((tx) => createRole(tx, admin, input({ name: 'Temp staff', permissions: [] })));
    const to = await db.transaction((tx) => createRole(tx, admin, input({ name: 'Notaries', permissions: [], requiredFields: [{ label: 'Commission number', key: 'commission' }] })));
    const [a, b] = await Promise.all(['move-a@example.test', 'move-b@example.test'].map((email) => insertUser(db, { email })));
    await db.update(users).set({ roleId: from.id }).where(sql`${users.id} in (${a!.id}, ${b!.id})`);
    await db.update(users).set({ profile: { commission: 'N-1' } }).where(eq(users.id, a!.id));
    await db.update(users).set({ profile: { commission: '  ' } }).where(eq(users.id, b!.id));
    await expect(db.transaction((tx) => moveRoleUsers(tx, admin, from.id, to.id))).rejects.toThrow('1 of the users of Temp staff have no Commission number');
    expect((await db.select().from(users).where(eq(users.roleId, from.id))).length).toBe(2);
    await db.update(users).set({ profile: { commission: 'N-2' } }).where(eq(users.id, b!.id));
    expect((await db.transaction((tx) => moveRoleUsers(tx, admin, from.id, to.id))).moved).toBe(2);
  });

  it('nobody moves the users of the role they hold themselves (it would change their own role), and nothing moves', async () => {
    const lead = await db.transaction((tx) => createRole(tx, admin, input({ name: 'Team lead', permissions: ['users.read', 'users.write', 'roles.manage'], allEnvironments: true })));
    const [me, peer] = await Promise.all(['lead-me@example.test', 'lead-peer@example.test'].map((email) => insertUser(db, { email })));
    await db.update(users).set({ roleId: lead.id }).where(sql`${users.id} in (${me!.id}, ${peer!.id})`);
    const asMe: Principal = { actor: { type: 'user', id: me!.id, label: me!.email }, permissions: ['users.read', 'users.write', 'roles.manage'], allEnvironments: true, environmentIds: [] };
    const userRoleIdNow = (await db.transaction((tx) => createRole(tx, admin, input({ name: 'Former leads', permissions: ['users.read'], allEnvironments: true })))).id;
    await expect(db.transaction((tx) => moveRoleUsers(tx, asMe, lead.id, userRoleIdNow))).rejects.toMatchObject({ code: 'forbidden', fieldErrors: { toRoleId: [OWN_ROLE] } });
    // Nor through a key acting as them.
    const asTheirKey: Principal = { ...asMe, actor: { type: 'api_user', id: '00000000-0000-4000-8000-00000000000a', label: 'lead-key' }, actsAs: me!.id };
    await expect(db.transaction((tx) => moveRoleUsers(tx, asTheirKey, lead.id, userRoleIdNow))).rejects.toMatchObject({ code: 'forbidden' });
    expect(await db.select().from(users).where(eq(users.roleId, lead.id))).toHaveLength(2);
  });

  it('moving the last Administrators off their role is refused and changes nothing', async () => {
    const auditor = await db.transaction((tx) => createRole(tx, admin, input({ name: 'Auditor', permissions: ['audit.read'], allEnvironments: true })));
    const administrator = await roleId('Administrator');
    await expect(db.transaction((tx) => moveRoleUsers(tx, admin, administrator, auditor.id))).rejects.toThrow(LAST_ADMINISTRATOR);
    expect((await db.select().from(users).where(eq(users.roleId, administrator))).length).toBeGreaterThan(0);
  });

  it('refuses role names with control or bidi characters, and names differing only in spacing', async () => {
    for (const name of ['Admin\u202eistrator', 'Sales\u200bRep', 'Sales\u0000Rep', 'Line\nbreak', '\u3164']) {
      const parsed = roleFormSchema.safeParse({ name });
      expect(parsed.success, JSON.stringify(name)).toBe(false);
      expect(z.flattenError(parsed.error!).fieldErrors.name).toHaveLength(1);
    }
    // Straight to lib (past the form): the taken check ignores case and spacing as the import's lookup does.
    await expect(db.transaction((tx) => createRole(tx, admin, input({ name: 'account\u00a0 MANAGER' })))).rejects.toThrow('already exists');
    const spaced = await db.transaction((tx) => createRole(tx, admin, input({ name: '  Night   shift\u00a0lead ' })));
    expect(spaced.name).toBe('Night shift lead');
    const other = await db.transaction((tx) => createRole(tx, admin, input({ name: 'Day lead' })));
    await expect(db.transaction((tx) => updateRole(tx, admin, other.id, input({ name: 'night  SHIFT lead' })))).rejects.toThrow('already exists');
  });

  it('names that only look different are one name: composed or decomposed accents, full-width letters, a Cyrillic letter in a Latin word', async () => {
    const cafe = await db.transaction((tx) => createRole(tx, admin, input({ name: 'Cafe\u0301 crew' })));
    expect(cafe.name).toBe('Caf\u00e9 crew');
    await expect(db.transaction((tx) => createRole(tx, admin, input({ name: 'CAFE\u0301 CREW' })))).rejects.toThrow('already exists');
    await expect(db.transaction((tx) => createRole(tx, admin, input({ name: '\uff35\uff53\uff45\uff52' })))).rejects.toThrow('already exists');
    const lookalike = roleFormSchema.safeParse({ name: '\u0410dministrator' });
    expect(z.flattenError(lookalike.error!).fieldErrors.name).toEqual([expect.stringContaining('Cyrillic or Greek')]);
    // Whole words in one alphabet each are fine.
    expect(roleFormSchema.safeParse({ name: 'Support \u043a\u043e\u043c\u0430\u043d\u0434\u0430' }).success).toBe(true);
    // The database folds İ to i where JavaScript does not: its index decides, and says so as the check would.
    await db.transaction((tx) => createRole(tx, admin, input({ name: '\u0130nspector' })));
    const folded = await db.transaction((tx) => createRole(tx, admin, input({ name: 'inspector' }))).catch((e) => e);
    expect(folded).toMatchObject({ code: 'invalid', message: 'A role with this name already exists.', fieldErrors: { name: ['A role with this name already exists.'] } });
    const renamed = await db.transaction((tx) => updateRole(tx, admin, cafe.id, input({ name: 'INSPECTOR' }))).catch((e) => e);
    expect(renamed).toMatchObject({ code: 'invalid', message: 'A role with this name already exists.' });
  });

  it('concurrent creates of one name: one role, and the other is told the name is taken', async () => {
    const results = await Promise.allSettled([1, 2, 3, 4].map(() => db.transaction((tx) => createRole(tx, admin, input({ name: 'Twin' })))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const refused of results.filter((r) => r.status === 'rejected')) expect(refused.reason).toMatchObject({ code: 'invalid', message: 'A role with this name already exists.' });
  });

  it('of two editors of one role, the second save is refused, not a silent overwrite', async () => {
    const role = await db.transaction((tx) => createRole(tx, admin, input({ name: 'Shared desk', permissions: ['users.read'] })));
    const seen = roleVersion(role);
    await db.transaction((tx) => updateRole(tx, admin, role.id, { ...input({ name: 'Shared desk', permissions: ['users.read', 'users.unlock'] }), version: seen }));
    const late = await db
      .transaction((tx) => updateRole(tx, admin, role.id, { ...input({ name: 'Shared desk renamed', permissions: ['users.read'] }), version: seen }))
      .catch((e) => e);
    expect(late).toMatchObject({ code: 'conflict', message: STALE_ROLE });
    const [now] = await db.select().from(roles).where(eq(roles.id, role.id));
    expect(now).toMatchObject({ name: 'Shared desk', permissions: ['users.read', 'users.unlock'] });
    // Reloaded, the same editor saves.
    await db.transaction((tx) => updateRole(tx, admin, role.id, { ...input({ name: 'Shared desk renamed', permissions: ['users.read'] }), version: roleVersion(now!) }));
  });
});
