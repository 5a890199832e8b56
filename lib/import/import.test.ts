import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq, inArray, sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { getClient, type Db } from '@/db/client';
import { auditEvents, environments, importJobs, importRows, outboxMessages, roles, userEnvironments, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { cancelImport, createImport, getImport, listImports, skippedRows, startImport, templateChoices, validationContext } from './jobs';
import { checkWorkbookSize } from './read';
import { claimJob, runJob } from './run';
import { rowOutcome } from './sheets';
import { describeAuditEvent } from '@/lib/audit/describe';
import { rows } from '@/lib/db-rows';

let db: Db;
let environmentId: string;
let sandboxId: string;
let admin: Principal;
let manager: Principal;
const dir = mkdtempSync(path.join(tmpdir(), 'import-test-'));
let fileNo = 0;

function file(name: string, content: string | Buffer) {
  const p = path.join(dir, `${++fileNo}-${name}`);
  writeFileSync(p, content);
  return { path: p, fileName: name };
}

const HEADER = 'First name,Last name,Email,Role,Environments,Tags';
const csv = (...lines: string[]) => [HEADER, ...lines].join('\n');
const skip = { existing: 'skip' as const, environmentId: null as string | null };

async function rowsOf(jobId: string) {
  return db.select().from(importRows).where(eq(importRows.jobId, jobId)).orderBy(importRows.rowNo);
}

async function run(jobId: string) {
  const claimed = await claimJob(db);
  expect(claimed).toBe(jobId);
  return runJob(db, jobId);
}

/** A started job of `count` valid users (emails <prefix><i>@example.test), claimed for runJob with options. */
async function claimedJob(prefix: string, count: number, options: { allOrNothing: boolean; sendInvitations: boolean }) {
  const last = prefix[0]!.toUpperCase() + prefix.slice(1);
  const lines = Array.from({ length: count }, (_, i) => `${last[0]}${i},${last},${prefix}${i}@example.test,User,Production,`);
  const job = await createImport(db, admin, file(`${prefix}.csv`, csv(...lines)), skip);
  await db.transaction((tx) => startImport(tx, admin, job.id, options));
  expect(await claimJob(db)).toBe(job.id);
  return job;
}

/** What an import wrote for the users whose emails start with `prefix`: users, invitations, creation audits. */
async function writtenFor(prefix: string) {
  const like = `${prefix}%`;
  const created = await db.select({ email: users.email }).from(users).where(sql`${users.email} like ${like}`);
  const invitations = await db.select().from(outboxMessages).where(sql`${outboxMessages.toAddress} like ${like}`);
  const audited = await db.select().from(auditEvents).where(and(eq(auditEvents.action, 'user.created'), sql`${auditEvents.targetLabel} like ${like}`));
  return { created, invitations: invitations.length, audited: audited.length };
}

beforeAll(async () => {
  db = await testDb();
  let adminId: string;
  ({ environmentId, adminId } = await setUpOrganization(db));
  const [sandbox] = await db.insert(environments).values({ name: 'Sandbox' }).returning();
  sandboxId = sandbox!.id;
  await db.insert(roles).values({ name: 'Notary', permissions: [], requiredFields: [{ label: 'Commission number', key: 'commission' }] });
  admin = { actor: { type: 'user', id: adminId, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  const am = await insertUser(db, { email: 'am@example.test', role: 'Account Manager', environmentId });
  manager = { actor: { type: 'user', id: am.id, label: am.email }, permissions: ['users.read', 'users.write', 'users.unlock', 'users.ban'], allEnvironments: false, environmentIds: [environmentId] };
});

describe('validation', () => {
  it('names each row and column in error, and writes no user', async () => {
    await insertUser(db, { email: 'exists@example.test', environmentId });
    const job = await createImport(
      db,
      admin,
      file(
        'people.csv',
        csv(
          'Ann,Lee,ann@example.test,User,Production,team=blue',
          'Bob,,bob@example.test,User,Production,',
          'Cid,Roe,not-an-email,User,Production,',
          'Dee,Ray,ann@EXAMPLE.test,User,Production,',
          'Eve,Fox,eve@example.test,Wizard,Production,',
          'Fay,Gil,fay@example.test,User,Mars,',
          'Gus,Hay,gus@example.test,Notary,Production,',
          'Hal,Ivy,exists@example.test,User,Production,',
          'Ida,Jo\u0007,ida@example.test,User,Production,',
          `${'x'.repeat(101)},Kay,kay@example.test,User,Production,`,
          ',,,,,',
        ),
      ),
      skip,
    );
    expect(job).toMatchObject({ totalRows: 10, newCount: 1, skipCount: 1, errorCount: 8, updateCount: 0 });
    const stored = await rowsOf(job.id);
    const errorsOf = (rowNo: number) => stored.find((r) => r.rowNo === rowNo)!.errors;
    expect(errorsOf(3)).toEqual([{ column: 'Last name', message: 'Enter the last name.' }]);
    expect(errorsOf(4)![0]).toMatchObject({ column: 'Email' });
    expect(errorsOf(5)![0]!.message).toContain('also on row 2');
    expect(errorsOf(6)![0]!.message).toContain('There is no role named "Wizard"');
    expect(errorsOf(7)![0]).toMatchObject({ column: 'Environments', message: 'There is no environment named "Mars".' });
    expect(errorsOf(8)![0]).toMatchObject({ column: 'Commission number' });
    expect(stored.find((r) => r.rowNo === 9)!.kind).toBe('skip');
    expect(errorsOf(10)![0]).toMatchObject({ column: 'Last name', message: expect.stringContaining('control character (U+0007)') });
    expect(errorsOf(11)![0]).toMatchObject({ column: 'First name', message: expect.stringContaining('at most 100') });
    expect(await db.select().from(users).where(eq(users.email, 'ann@example.test'))).toEqual([]);
  });

  it('lists every problem of a row at once: an unknown role does not hide the environments\' or the email\'s', async () => {
    const job = await createImport(db, admin, file('all-at-once.csv', csv('Eve,Fox,not-an-email,Wizard,Mars; Sandbox; Venus,')), skip);
    const [row] = await rowsOf(job.id);
    expect(row!.errors).toEqual([
      { column: 'Role', message: expect.stringContaining('There is no role named "Wizard"') },
      { column: 'Environments', message: 'There is no environment named "Mars".' },
      { column: 'Environments', message: 'There is no environment named "Venus".' },
      { column: 'Email', message: expect.any(String) },
    ]);
  });

  it('quotes a Role or Environments cell in its message without its control characters, and cut short (a NUL there failed the whole check with a 500)', async () => {
    // Past the first 4 KB, where the check for a binary file looks.
    const gap = '\n'.repeat(5_000);
    const job = await createImport(db, admin, file('nul.csv', `${HEADER}${gap}\nAnn,Lee,nul.role@example.test,Wiz\u0000ard,Ma\u0000rs,\nBob,Lee,long.role@example.test,${'R'.repeat(10_000)},${'E'.repeat(10_000)},\n`), skip);
    expect(job).toMatchObject({ totalRows: 2, errorCount: 2 });
    const [nul, long] = await rowsOf(job.id);
    expect(nul!.errors).toEqual(
      expect.arrayContaining([
        { column: 'Role', message: expect.stringContaining('control character (U+0000)') },
        { column: 'Role', message: expect.stringContaining('There is no role named "Wizard"') },
        { column: 'Environments', message: 'There is no environment named "Mars".' },
      ]),
    );
    expect(long!.errors!.map((e) => e.message)).toEqual([expect.stringContaining(`There is no role named "${'R'.repeat(40)}…"`), `There is no environment named "${'E'.repeat(40)}…".`]);
    expect(long!.message!.length).toBeLessThan(1_000);
  });

  it('keeps a header or a file name with control characters (a NUL failed the check with a 500), without them', async () => {
    const gap = '\n'.repeat(5_000);
    const upload = file('header.csv', `${gap}${HEADER},No\u0000te\nAnn,Lee,nul.header@example.test,User,Production,,x\n`);
    const job = await createImport(db, admin, { ...upload, fileName: 'peo\u0000ple\u202egpj.csv' }, skip);
    expect(job).toMatchObject({ newCount: 1, headers: [...HEADER.split(','), 'Note'] });
    const [stored] = await db.select().from(importJobs).where(eq(importJobs.id, job.id));
    expect(stored).toMatchObject({ source: 'peoplegpj.csv', headers: [...HEADER.split(','), 'Note'] });
  });

  it('an Environments cell naming thousands of environments gives a handful of messages, not one per name', async () => {
    const unknown = Array.from({ length: 100_000 }, (_, i) => `Planet ${i}`).join(';');
    const repeated = Array(100_000).fill('Production').join(';');
    const job = await createImport(db, admin, file('many-environments.csv', csv(`Ann,Lee,many.envs@example.test,User,${unknown},`, `Bob,Lee,same.env@example.test,User,${repeated},`)), skip);
    expect(job).toMatchObject({ totalRows: 2, newCount: 1, errorCount: 1 });
    const [many, same] = await rowsOf(job.id);
    expect(many!.errors!.length).toBeLessThanOrEqual(11);
    expect(many!.errors!.at(-1)).toEqual({ column: 'Environments', message: 'And 99,990 more environments that cannot be used.' });
    expect(same!.data!.environmentIds).toEqual([environmentId]);
  });

  it('finds roles and environments whatever their case and spacing (a doubled or non-breaking space)', async () => {
    const job = await createImport(db, admin, file('spacing.csv', csv('Sal,One,sal.spacing@example.test,account  MANAGER,production ;\u00a0SANDBOX,', 'Sal,Two,sal2.spacing@example.test,Account\u00a0Manager,Sand box,')), skip);
    const stored = await rowsOf(job.id);
    expect(stored.map((r) => r.kind)).toEqual(['new', 'error']);
    expect(stored[0]!.data!.environmentIds).toHaveLength(2);
    expect(stored[1]!.errors).toEqual([{ column: 'Environments', message: 'There is no environment named "Sand box".' }]);
  });

  it('reads a role field keyed like a property every object has ("constructor"): its column is found, not taken as already matched', async () => {
    await db.insert(roles).values({ name: 'Builder', permissions: [], requiredFields: [{ label: 'Constructor', key: 'constructor' }] });
    const job = await createImport(db, admin, file('builder.csv', `${HEADER},Constructor\nBob,Build,bob.builder@example.test,Builder,Production,,ACME-7\n`), skip);
    const [row] = await rowsOf(job.id);
    expect([row!.kind, row!.errors, row!.data?.profile]).toEqual(['new', null, { constructor: 'ACME-7' }]);
  });

  it('reads a report or export uploaded again without the apostrophes its writer put before = + - @', async () => {
    const job = await createImport(db, admin, file('again.csv', csv(`Ann,'-Lee,again.one@example.test,User,Production,'@team=blue`, `Bob,O'Neil,'again.two@example.test,User,Production,`)), skip);
    const stored = await rowsOf(job.id);
    expect(stored.map((r) => [r.kind, r.data?.lastName, r.data?.email, r.data?.tags])).toEqual([
      ['new', '-Lee', 'again.one@example.test', [{ name: '@team', value: 'blue' }]],
      // An apostrophe before anything else is the value's own (one is valid in an email's local part).
      ['new', "O'Neil", "'again.two@example.test", []],
    ]);
  });

  it('an empty Role cell makes a new user a User (as the grid and Add do) and keeps an existing user\'s role', async () => {
    const keeper = await insertUser(db, { email: 'keeper@example.test', role: 'Account Manager', environmentId });
    const job = await createImport(
      db,
      admin,
      file('no-role.csv', csv('Nia,New,nia.norole@example.test,,Production,', 'Kip,Keeper,keeper@example.test,,,', 'Ola,Odd,ola.norole@example.test,  ,Mars,')),
      { existing: 'update', environmentId },
    );
    expect(job).toMatchObject({ newCount: 1, updateCount: 1, errorCount: 1 });
    expect((await rowsOf(job.id))[2]!.errors).toEqual([{ column: 'Environments', message: 'There is no environment named "Mars".' }]);
    await db.transaction((tx) => startImport(tx, admin, job.id, { allOrNothing: false, sendInvitations: false }));
    expect(await run(job.id)).toBe('done');
    const roleOf = async (email: string) =>
      (await db.select({ role: roles.name, firstName: users.firstName }).from(users).innerJoin(roles, eq(roles.id, users.roleId)).where(eq(users.email, email)))[0];
    expect(await roleOf('nia.norole@example.test')).toEqual({ role: 'User', firstName: 'Nia' });
    expect(await roleOf(keeper.email)).toEqual({ role: 'Account Manager', firstName: 'Kip' });
    // Imported without invitations: the log does not say one was sent.
    const [created] = await db.select().from(auditEvents).where(and(eq(auditEvents.action, 'user.created'), eq(auditEvents.targetLabel, 'nia.norole@example.test')));
    expect(describeAuditEvent(created!).sentence).toBe('ada@example.test added nia.norole@example.test as User');
  });

  it('an empty Role cell never demotes an Administrator', async () => {
    const job = await createImport(db, admin, file('admin-norole.csv', csv('Ada,Renamed,ada@example.test,,,')), { existing: 'update', environmentId: null });
    expect(job).toMatchObject({ updateCount: 1, errorCount: 0 });
  });

  it('checks a role\'s field pattern on each row, naming the column', async () => {
    await db.insert(roles).values({ name: 'Clerk', permissions: [], requiredFields: [{ label: 'Clerk number', key: 'clerkNo', pattern: 'C[0-9]{3}' }] });
    const content = [`${HEADER},Clerk number`, 'Cal,One,cal1@example.test,Clerk,Production,,C123', 'Cal,Two,cal2@example.test,Clerk,Production,,X9'].join('\n');
    const job = await createImport(db, admin, file('clerks.csv', content), skip);
    const stored = await rowsOf(job.id);
    expect(stored.map((r) => r.kind)).toEqual(['new', 'error']);
    expect(stored[1]!.errors).toEqual([{ column: 'Clerk number', message: 'The Clerk number does not have the expected format.' }]);
  });

  it('an empty Role cell on an update reads and checks the fields of the user\'s own role, not the default\'s', async () => {
    const [courier] = await db.insert(roles).values({ name: 'Courier', permissions: [], requiredFields: [{ label: 'Courier code', key: 'courierCode', pattern: 'K[0-9]{2}' }] }).returning();
    const [fine, wrong] = await Promise.all(['kurt.fine', 'kurt.wrong'].map((name) => insertUser(db, { email: `${name}@example.test`, environmentId, profile: { courierCode: 'K01' } })));
    await db.update(users).set({ roleId: courier!.id }).where(inArray(users.id, [fine!.id, wrong!.id]));
    const content = [`${HEADER},Courier code`, 'Kurt,Fine,kurt.fine@example.test,,,,K42', 'Kurt,Wrong,kurt.wrong@example.test,,,,42'].join('\n');
    const job = await createImport(db, admin, file('couriers.csv', content), { existing: 'update', environmentId });
    const stored = await rowsOf(job.id);
    expect(stored.map((r) => r.kind)).toEqual(['update', 'error']);
    expect(stored[1]!.errors).toEqual([{ column: 'Courier code', message: 'The Courier code does not have the expected format.' }]);
    await db.transaction((tx) => startImport(tx, admin, job.id, { allOrNothing: false, sendInvitations: false }));
    expect(await run(job.id)).toBe('done');
    const after = await db.select({ roleId: users.roleId, profile: users.profile }).from(users).where(eq(users.id, fine!.id));
    expect(after[0]).toEqual({ roleId: courier!.id, profile: { courierCode: 'K42' } });
  });

  it('keeps an Account Manager to their environments and the roles they hold', async () => {
    const job = await createImport(
      db,
      manager,
      file('am.csv', csv('Al,One,al1@example.test,Administrator,,', 'Al,Two,al2@example.test,User,Sandbox,', 'Al,Three,al3@example.test,User,Production,')),
      skip,
    );
    const stored = await rowsOf(job.id);
    expect(stored.map((r) => r.kind)).toEqual(['error', 'error', 'new']);
    expect(stored[0]!.errors![0]!.message).toContain('You cannot grant the Administrator role');
    // Told as of a name that does not exist: whether another environment has that name is not theirs to learn.
    expect(stored[1]!.errors![0]!.message).toBe('None of your environments is named "Sandbox".');
  });

  it('refuses an archived environment as Add does, named by row and column, and leaves it out of the template', async () => {
    const [attic] = await db.insert(environments).values({ name: 'Attic', archivedAt: new Date() }).returning();
    await db.insert(userEnvironments).values({ userId: manager.actor.type === 'user' ? manager.actor.id : '', environmentId: attic!.id });
    const atticManager: Principal = { ...manager, environmentIds: [environmentId, attic!.id] };
    const lines = ['Ari,Attic,ari.attic@example.test,User,Attic,', 'Bea,Attic,bea.attic@example.test,User,Production; attic,', 'Cy,Attic,cy.attic@example.test,User,,'];
    for (const principal of [admin, atticManager]) {
      // The importer's current environment is archived too: a row naming none has nowhere to go.
      const job = await createImport(db, principal, file('attic.csv', csv(...lines)), { existing: 'skip', environmentId: attic!.id });
      expect(job).toMatchObject({ newCount: 0, errorCount: 3 });
      const stored = await rowsOf(job.id);
      const archived = { column: 'Environments', message: 'The Attic environment is archived: choose an active one.' };
      expect(stored.map((r) => r.errors)).toEqual([[archived], [archived], [{ column: 'Environments', message: 'Enter at least one environment.' }]]);
      expect(stored[0]!.message).toBe('Environments: The Attic environment is archived: choose an active one.');
      const choices = templateChoices(await validationContext(db, principal, skip));
      expect(choices.environments.map((e) => e.name)).not.toContain('Attic');
      expect(choices.environments.map((e) => e.name)).toContain('Production');
    }
    expect(await db.select().from(users).where(sql`${users.email} like '%.attic@example.test'`)).toEqual([]);
  });

  it('refuses to let an Account Manager update a user outside their environments or above their role', async () => {
    await insertUser(db, { email: 'outside@example.test', environmentId: sandboxId });
    await insertUser(db, { email: 'boss@example.test', role: 'Administrator' });
    const job = await createImport(db, manager, file('am2.csv', csv('O,U,outside@example.test,User,,', 'B,O,boss@example.test,User,,')), { existing: 'update', environmentId });
    const stored = await rowsOf(job.id);
    expect(stored.map((r) => r.kind)).toEqual(['error', 'error']);
    expect(stored[0]!.message).toContain('outside your environments');
    expect(stored[1]!.message).toContain('permissions you do not hold');
  });

  it('refuses to demote every active Administrator at once', async () => {
    // (An Administrator cannot change their own role: the importer here is an organization-wide principal who is neither.)
    const outsider: Principal = { ...admin, actor: manager.actor };
    const file1 = file('demote.csv', csv('Ada,Admin,ada@example.test,User,Production,', 'Bo,Boss,boss@example.test,User,Production,'));
    const job = await createImport(db, outsider, file1, { existing: 'update', environmentId: null });
    expect(job).toMatchObject({ updateCount: 0, errorCount: 2 });
    for (const row of await rowsOf(job.id)) expect(row).toMatchObject({ kind: 'error', message: expect.stringContaining('without an active Administrator') });
  });

  it('refuses what editing the user would: one\'s own role, leaving one\'s own environment, a user left in no environment', async () => {
    await insertUser(db, { email: 'second.admin@example.test', role: 'Administrator' });
    const twoPlaces = await insertUser(db, { email: 'am.two@example.test', role: 'Account Manager', environmentId });
    await db.insert(userEnvironments).values({ userId: twoPlaces.id, environmentId: sandboxId });
    const amTwo: Principal = { ...manager, actor: { type: 'user', id: twoPlaces.id, label: twoPlaces.email }, environmentIds: [environmentId, sandboxId] };
    const update = { existing: 'update' as const, environmentId };

    const own = await createImport(db, admin, file('own-role.csv', csv('Ada,Admin,ada@example.test,Account Manager,Production,')), update);
    expect(own).toMatchObject({ updateCount: 0, errorCount: 1 });
    expect((await rowsOf(own.id))[0]!.errors).toEqual([{ column: 'Role', message: 'You cannot change your own role: ask an Administrator.' }]);

    const leaving = await createImport(db, amTwo, file('own-env.csv', csv('Am,Two,am.two@example.test,,Production,')), update);
    expect((await rowsOf(leaving.id))[0]!.errors).toEqual([
      { column: 'Environments', message: 'You cannot take yourself out of an environment: you would no longer manage its users. Ask an Administrator.' },
    ]);
    // Renaming oneself, keeping one's role and environments, is an edit anyone may make.
    const renaming = await createImport(db, amTwo, file('own-name.csv', csv('Am,Renamed,am.two@example.test,,Production; Sandbox,')), update);
    expect(renaming).toMatchObject({ updateCount: 1, errorCount: 0 });

    // An Administrator belongs to no environment: made an Account Manager with none named, they would manage no one.
    const nowhere = await createImport(db, admin, file('nowhere.csv', csv('Sec,Ond,second.admin@example.test,Account Manager,,')), update);
    expect((await rowsOf(nowhere.id))[0]!.errors).toEqual([{ column: 'Environments', message: 'Enter at least one environment.' }]);
    const somewhere = await createImport(db, admin, file('somewhere.csv', csv('Sec,Ond,second.admin@example.test,Account Manager,Sandbox,')), update);
    expect(somewhere).toMatchObject({ updateCount: 1, errorCount: 0 });
    await db.transaction((tx) => startImport(tx, admin, somewhere.id, { allOrNothing: false, sendInvitations: false }));
    expect(await run(somewhere.id)).toBe('done');
    expect((await db.select({ environmentIds: users.environmentIds }).from(users).where(eq(users.email, 'second.admin@example.test')))[0]).toEqual({ environmentIds: [sandboxId] });
  });

  it('checks and stores each row only as wide as its header, however far its cells reach', async () => {
    const far = (cells: string) => `${cells}${','.repeat(2_000)}far`;
    // The header's trailing empty cells name no column; a row with text only past the header is no user.
    const csvJob = await createImport(db, admin, file('wide.csv', [`${HEADER},,,`, far('Wil,Wide,wil@example.test,User,Production,'), far(',,,,,')].join('\n')), skip);
    expect(csvJob).toMatchObject({ totalRows: 1, newCount: 1, headers: HEADER.split(',') });
    expect((await rowsOf(csvJob.id)).map((r) => r.cells)).toEqual([['Wil', 'Wide', 'wil@example.test', 'User', 'Production', '']]);

    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Users');
    sheet.addRow(HEADER.split(','));
    for (const name of ['Xia', 'Yan']) sheet.addRow([name, 'Wide', `${name.toLowerCase()}@example.test`, 'User', 'Production']).getCell(16_384).value = 'far';
    const p = path.join(dir, `${++fileNo}-wide.xlsx`);
    await workbook.xlsx.writeFile(p);
    const xlsxJob = await createImport(db, admin, { path: p, fileName: 'wide.xlsx' }, skip);
    expect(xlsxJob).toMatchObject({ totalRows: 2, newCount: 2 });
    expect((await rowsOf(xlsxJob.id)).map((r) => r.cells)).toEqual([
      ['Xia', 'Wide', 'xia@example.test', 'User', 'Production'],
      ['Yan', 'Wide', 'yan@example.test', 'User', 'Production'],
    ]);

    const pastTheCap = ['First name', 'Last name', 'Role', ...Array.from({ length: 296 }, (_, i) => `Note ${i}`), 'Email'].join(',');
    await expect(createImport(db, admin, file('far-email.csv', `${pastTheCap}\nA,B,User`), skip)).rejects.toThrow(
      'The file has no Email column. The first row must name the columns: First name, Last name, Email, Role (Environments, Tags and the roles\' required fields are optional columns). Only the first 256 columns are read.',
    );
  });

  it('refuses two columns for one field (which holds the users\' emails is a guess), naming their letters, and keeps no job', async () => {
    const before = (await db.select({ n: sql<number>`count(*)::int` }).from(importJobs))[0]!.n;
    const content = `${HEADER},E-mail address,Commission number,commission\nAnn,Lee,ann.work@example.test,User,,,ann.home@example.test,,`;
    await expect(createImport(db, admin, file('two-emails.csv', content), skip)).rejects.toThrow(
      'The file has 2 Email columns (C "Email", G "E-mail address"). The file has 2 Commission number columns (H "Commission number", I "commission"). Keep one column per field',
    );
    expect((await db.select({ n: sql<number>`count(*)::int` }).from(importJobs))[0]!.n).toBe(before);
  });

  it('skips the header row where it comes again (files put one after the other), saying so, instead of three errors', async () => {
    const content = [HEADER, 'Hex,One,hex.one@example.test,User,Production,', 'first name ,LAST NAME,Email,Role,Environments,Tags', 'Hex,Two,hex.two@example.test,User,Production,'].join('\n');
    const job = await createImport(db, admin, file('twice.csv', content), skip);
    expect(job).toMatchObject({ totalRows: 3, newCount: 2, skipCount: 1, errorCount: 0 });
    expect((await rowsOf(job.id))[1]).toMatchObject({ rowNo: 3, kind: 'skip', errors: null, message: 'This row repeats the header row: skipped.' });
  });

  it('names the missing required columns, and keeps no job', async () => {
    const before = (await db.select({ n: sql<number>`count(*)::int` }).from(importJobs))[0]!.n;
    await expect(createImport(db, admin, file('cols.csv', 'Given name;E-mail\nA;a@example.test'), skip)).rejects.toThrow(
      'The file has no Last name, Role columns',
    );
    expect((await db.select({ n: sql<number>`count(*)::int` }).from(importJobs))[0]!.n).toBe(before);
  });
});

describe('files let go of', () => {
  // Each refusal used to keep its upload open (its disk space too, once the route deleted it) until the
  // process exited: a thousand quick refusals of a large file would fill the disk and run out of files.
  it.skipIf(!existsSync('/proc/self/fd'))('a refused file, or a workbook read up to its users\' sheet, is closed: none stays open', async () => {
    const open = () => readdirSync('/proc/self/fd').length;
    const lines = Array.from({ length: 30_000 }, (_, i) => `Ann,Lee,ann${i}@example.test,User,Production,`);
    const noEmail = file('no-email.csv', ['First name,Last name,Role', ...lines].join('\n'));
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Users');
    sheet.addRow(['First name', 'Last name', 'Role']);
    for (let i = 0; i < 30_000; i++) sheet.addRow(['Ann', 'Lee', `Reader ${i} of a long sheet`]);
    const noEmailXlsx = file('no-email.xlsx', Buffer.from(await workbook.xlsx.writeBuffer()));
    const bomb = file('bomb.xlsx', Buffer.from(await workbook.xlsx.writeBuffer()));
    const before = open();
    for (let i = 0; i < 8; i++) {
      await expect(createImport(db, admin, noEmail, skip)).rejects.toThrow('The file has no Email column');
      await expect(createImport(db, admin, noEmailXlsx, skip)).rejects.toThrow('The file has no Email column');
      await expect(checkWorkbookSize(bomb.path, { maxRows: 200_000, maxUnpackedBytes: 100_000 })).rejects.toThrow('unpacks to more than');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(open() - before).toBeLessThan(3);
  });
});

describe('access', () => {
  it('needs users.write, and an Account Manager sees only their own imports', async () => {
    const member: Principal = { actor: { type: 'user', id: admin.actor.type === 'user' ? admin.actor.id : '', label: 'x' }, permissions: ['users.read'], allEnvironments: false, environmentIds: [environmentId] };
    await expect(createImport(db, member, file('m.csv', csv('A,B,ab@example.test,User,,')), skip)).rejects.toThrow('You do not have permission');
    const job = await createImport(db, admin, file('mine.csv', csv('A,B,mine@example.test,User,Production,')), skip);
    await expect(getImport(db, manager, job.id)).rejects.toThrow('No such import.');
    expect((await listImports(db, manager)).imports.map((j) => j.id)).not.toContain(job.id);
    await expect(db.transaction((tx) => startImport(tx, manager, job.id, { allOrNothing: false, sendInvitations: false }))).rejects.toThrow('No such import.');
    await expect(db.transaction((tx) => startImport(tx, admin, job.id, { allOrNothing: false, sendInvitations: false }).then(() => startImport(tx, admin, job.id, { allOrNothing: false, sendInvitations: false })))).rejects.toThrow('already been started');
  });

  it('past imports come a page at a time, newest first, every one once (ties in time included), only the reader\'s own for a manager', async () => {
    const adminId = admin.actor.type === 'user' ? admin.actor.id : '';
    const managerId = manager.actor.type === 'user' ? manager.actor.id : '';
    // 45 imports of the manager's, five sharing each moment (a cursor by time alone would skip some), among the admin's.
    const at = (i: number) => new Date(Date.UTC(2020, 0, 1, 0, Math.floor(i / 5)));
    await db.insert(importJobs).values(Array.from({ length: 45 }, (_, i) => ({ createdBy: managerId, createdByLabel: 'am', source: `page-${i}.csv`, createdAt: at(i) })));
    await db.insert(importJobs).values({ createdBy: adminId, createdByLabel: 'admin', source: 'admins-own.csv', createdAt: at(7) });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const { imports, next } = await listImports(db, manager, cursor, 20);
      seen.push(...imports.map((j) => j.source));
      if (!next) break;
      cursor = next;
    }
    expect(seen.filter((s) => s.startsWith('page-'))).toHaveLength(45);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain('admins-own.csv');
    const times = (await listImports(db, manager, undefined, 100)).imports.map((j) => j.createdAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // A cursor the list never wrote reads as the first page (the page says the link was not valid).
    for (const bad of ['1', '2024-02-30T00:00:00.000000Z_00000000-0000-0000-0000-000000000000', '\u0000', "x' or 1=1"])
      expect((await listImports(db, manager, bad, 20)).imports[0]?.id).toBe((await listImports(db, manager, undefined, 20)).imports[0]?.id);
  });

  it('an import id that only looks like one (36 dashes) is "No such import", not a 500', async () => {
    for (const id of ['-'.repeat(36), 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaa-', `${'a'.repeat(36)}`])
      await expect(getImport(db, admin, id)).rejects.toThrow('No such import.');
  });

  it('refuses "all or nothing" while rows have errors', async () => {
    const job = await createImport(db, admin, file('aon.csv', csv('A,B,aon1@example.test,User,Production,', 'A,,aon2@example.test,User,Production,')), skip);
    await expect(db.transaction((tx) => startImport(tx, admin, job.id, { allOrNothing: true, sendInvitations: false }))).rejects.toThrow('1 row has errors');
  });
});

describe('commit', () => {
  it('creates the valid rows with memberships, invitations and audit, and reports every row', async () => {
    const job = await createImport(
      db,
      admin,
      file('ok.csv', csv('Cat,Ash,cat@example.test,User,Production;Sandbox,team=blue', 'Bad,,bad@example.test,User,,', 'Dan,Birch,dan@example.test,Administrator,,')),
      { existing: 'skip', environmentId },
    );
    await db.transaction((tx) => startImport(tx, admin, job.id, { allOrNothing: false, sendInvitations: true }));
    expect(await run(job.id)).toBe('done');
    const [cat] = await db.select().from(users).where(eq(users.email, 'cat@example.test'));
    expect(cat).toMatchObject({ status: 'invited', tags: [{ name: 'team', value: 'blue' }] });
    expect((await db.select().from(userEnvironments).where(eq(userEnvironments.userId, cat!.id))).length).toBe(2);
    const invitations = await db.select().from(outboxMessages).where(eq(outboxMessages.userId, cat!.id));
    expect(invitations).toHaveLength(1);
    // Bulk priority (a reset link overtakes 100,000 invitations), and the link /outbox may make clickable.
    expect(invitations[0]).toMatchObject({ kind: 'invitation', priority: 1, status: 'pending' });
    expect(invitations[0]!.links).toEqual([expect.stringContaining('/set-password?token=')]);
    expect((await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, cat!.id), eq(auditEvents.action, 'user.created')))).length).toBe(1);
    expect((await db.select().from(auditEvents).where(eq(auditEvents.targetId, job.id)))[0]).toMatchObject({ action: 'import.completed' });
    const [done] = await db.select().from(importJobs).where(eq(importJobs.id, job.id));
    expect((await rowsOf(job.id)).map((r) => rowOutcome(r, done!).outcome)).toEqual(['Created', 'Not imported', 'Created']);
    expect(done).toMatchObject({ status: 'done', createdCount: 2, rowsDone: 2 });
  });

  it('an update naming environments keeps the user\'s memberships in archived ones, as a save of their page does', async () => {
    const [archived] = await db.insert(environments).values({ name: 'Old branch', archivedAt: new Date() }).returning();
    const user = await insertUser(db, { email: 'keeps-archived@example.test', environmentId });
    await db.insert(userEnvironments).values({ userId: user.id, environmentId: archived!.id });
    const job = await createImport(db, admin, file('keep.csv', csv('Kim,Keeps,keeps-archived@example.test,User,Sandbox,')), { existing: 'update', environmentId });
    expect(job).toMatchObject({ updateCount: 1, errorCount: 0 });
    await db.transaction((tx) => startImport(tx, admin, job.id, { allOrNothing: false, sendInvitations: false }));
    expect(await run(job.id)).toBe('done');
    const now = (await db.select({ id: userEnvironments.environmentId }).from(userEnvironments).where(eq(userEnvironments.userId, user.id))).map((m) => m.id);
    expect(now.sort()).toEqual([sandboxId, archived!.id].sort());
    expect((await db.select({ environmentIds: users.environmentIds }).from(users).where(eq(users.id, user.id)))[0]!.environmentIds.sort()).toEqual([sandboxId, archived!.id].sort());
  });

  // PostgreSQL only: the embedded database runs in this process, on its clock.
  it.skipIf(process.env.VITEST_DB !== 'postgres')('times its invitation links by the database\'s clock, which checks them: a server clock two days behind sends no short-lived links', async () => {
    const job = await createImport(db, admin, file('clock.csv', csv('Cal,Clock,cal.clock@example.test,User,Production,')), skip);
    await db.transaction((tx) => startImport(tx, admin, job.id, { allOrNothing: false, sendInvitations: true }));
    const behind = Date.now() - 2 * 86_400_000;
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => behind);
    try {
      expect(await run(job.id)).toBe('done');
    } finally {
      clock.mockRestore();
    }
    const [link] = await rows<{ days: number }>(
      db,
      sql`select extract(epoch from (t.expires_at - now())) / 86400 as days from user_tokens t join users u on u.id = t.user_id where u.email = 'cal.clock@example.test'`,
    );
    expect(Number(link!.days)).toBeGreaterThan(6.9);
  });

  it('updates existing users when asked, changing their role', async () => {
    const user = await insertUser(db, { email: 'upd@example.test', environmentId });
    const job = await createImport(db, admin, file('upd.csv', csv('New,Name,UPD@example.test,Account Manager,,')), { existing: 'update', environmentId });
    expect(job.updateCount).toBe(1);
    await db.transaction((tx) => startImport(tx, admin, job.id, { allOrNothing: true, sendInvitations: false }));
    expect(await run(job.id)).toBe('done');
    const [after] = await db.select().from(users).where(eq(users.id, user.id));
    expect(after).toMatchObject({ firstName: 'New', lastName: 'Name', version: user.version + 1, sessionVersion: user.sessionVersion + 1 });
    // Recorded as the same change on the user's page is: the audit log's "Role changed" filter finds it.
    const events = await db.select().from(auditEvents).where(eq(auditEvents.targetId, user.id));
    expect(events.map((e) => e.action)).toEqual(['user.role_changed']);
    expect(events[0]!.changes).toMatchObject({ role: { before: 'User', after: 'Account Manager' } });
  });

  describe("the importer's rights when the import runs, not only at the preview", () => {
    // Between the preview and the run, an Administrator may take rights away or change the users the
    // file names: the run refuses what a direct Add or edit would refuse now.
    async function freshManager(email: string) {
      const am = await insertUser(db, { email, role: 'Account Manager', environmentId });
      const principal: Principal = { ...manager, actor: { type: 'user', id: am.id, label: am.email } };
      return { am, principal };
    }
    const roleId = async (name: string) => (await db.select().from(roles).where(eq(roles.name, name)))[0]!.id;
    const outcomes = async (jobId: string) => {
      const [job] = await db.select().from(importJobs).where(eq(importJobs.id, jobId));
      return (await rowsOf(jobId)).map((r) => rowOutcome(r, job!));
    };

    it('an Account Manager cannot demote a user promoted to Administrator since the preview', async () => {
      const { principal } = await freshManager('am-demote@example.test');
      const target = await insertUser(db, { email: 'rising@example.test', environmentId });
      const job = await createImport(db, principal, file('demote.csv', csv('Demoted,ByImport,rising@example.test,User,Production,')), { existing: 'update', environmentId });
      expect(job.updateCount).toBe(1);
      await db.update(users).set({ roleId: await roleId('Administrator') }).where(eq(users.id, target.id));
      await db.transaction((tx) => startImport(tx, principal, job.id, { allOrNothing: false, sendInvitations: false }));
      expect(await run(job.id)).toBe('done');
      const [after] = await db.select().from(users).where(eq(users.id, target.id));
      expect(after).toMatchObject({ firstName: 'Test', roleId: await roleId('Administrator') });
      expect((await outcomes(job.id))[0]).toMatchObject({ outcome: 'Skipped', message: expect.stringContaining('their role has permissions you do not hold') });
      expect(await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, target.id), inArray(auditEvents.action, ['user.updated', 'user.role_changed'])))).toEqual([]);
    });

    it('creates no user in an environment the importer stopped managing, and no invitation', async () => {
      const { am, principal } = await freshManager('am-moved@example.test');
      const job = await createImport(db, principal, file('moved.csv', csv('Nia,Moved,nia.moved@example.test,User,Production,', 'Ola,Moved,ola.moved@example.test,User,Production,')), skip);
      expect(job.newCount).toBe(2);
      // Production taken away, Sandbox given instead.
      await db.delete(userEnvironments).where(eq(userEnvironments.userId, am.id));
      await db.insert(userEnvironments).values({ userId: am.id, environmentId: sandboxId });
      await db.transaction((tx) => startImport(tx, principal, job.id, { allOrNothing: false, sendInvitations: true }));
      expect(await run(job.id)).toBe('done');
      expect(await writtenFor('nia.moved')).toEqual({ created: [], invitations: 0, audited: 0 });
      expect((await outcomes(job.id)).map((o) => o.message)).toEqual([expect.stringContaining('no longer manage'), expect.stringContaining('no longer manage')]);
      expect((await db.select().from(importJobs).where(eq(importJobs.id, job.id)))[0]).toMatchObject({ createdCount: 0, skipCount: 2 });
      // The page lists the rows the run skipped, with their email and why.
      expect(await skippedRows(db, job.id)).toEqual([
        { rowNo: 2, email: 'nia.moved@example.test', message: expect.stringContaining('no longer manage') },
        { rowNo: 3, email: 'ola.moved@example.test', message: expect.stringContaining('no longer manage') },
      ]);
    });

    it('creates no user in an environment archived after the preview, and "all or nothing" fails whole', async () => {
      const [closing] = await db.insert(environments).values({ name: 'Closing' }).returning();
      const kept = await insertUser(db, { email: 'kept.closing@example.test', environmentId: closing!.id });
      const lines = ['Una,Closing,una.closing@example.test,User,Closing,', 'Val,Closing,val.closing@example.test,User,Production,'];
      const valid = await createImport(db, admin, file('closing.csv', csv(...lines, 'Kept,Closing,kept.closing@example.test,User,,')), { existing: 'update', environmentId });
      const whole = await createImport(db, admin, file('closing-aon.csv', csv(...lines)), skip);
      expect(valid).toMatchObject({ newCount: 2, updateCount: 1 });
      expect(whole.newCount).toBe(2);
      await db.update(environments).set({ archivedAt: new Date() }).where(eq(environments.id, closing!.id));

      await db.transaction((tx) => startImport(tx, admin, valid.id, { allOrNothing: false, sendInvitations: true }));
      expect(await run(valid.id)).toBe('done');
      expect(await writtenFor('una.closing')).toEqual({ created: [], invitations: 0, audited: 0 });
      expect((await writtenFor('val.closing')).created).toHaveLength(1);
      // An update that names no environment keeps the user's memberships, archived or not.
      expect((await db.select().from(users).where(eq(users.id, kept.id)))[0]).toMatchObject({ firstName: 'Kept', environmentIds: [closing!.id] });
      expect((await outcomes(valid.id)).map((o) => o.message)).toEqual(['One of its environments was archived after the preview: not imported.', 'Created; invitation queued.', 'Updated: name.']);

      await db.transaction((tx) => startImport(tx, admin, whole.id, { allOrNothing: true, sendInvitations: true }));
      expect(await run(whole.id)).toBe('failed');
      expect((await db.select().from(importJobs).where(eq(importJobs.id, whole.id)))[0]!.error).toBe(
        'Row 2: One of its environments was archived after the preview: not imported. Nothing was imported.',
      );
    });

    it('"all or nothing" fails whole when a row is refused at run time', async () => {
      const { principal } = await freshManager('am-aon@example.test');
      await db.insert(roles).values({ name: 'Helper', permissions: ['users.read'] });
      const job = await createImport(db, principal, file('aon.csv', csv('Pia,Aon,pia.aon@example.test,User,Production,', 'Quin,Aon,quin.aon@example.test,Helper,Production,')), skip);
      expect(job.newCount).toBe(2);
      // The Helper role gains a permission the Account Manager does not hold: they can no longer grant it.
      await db.update(roles).set({ permissions: ['users.read', 'audit.read'] }).where(eq(roles.name, 'Helper'));
      await db.transaction((tx) => startImport(tx, principal, job.id, { allOrNothing: true, sendInvitations: true }));
      expect(await run(job.id)).toBe('failed');
      expect((await db.select().from(importJobs).where(eq(importJobs.id, job.id)))[0]!.error).toMatch(/^Row 3: You can no longer grant the Helper role.*Nothing was imported\.$/);
      expect(await writtenFor('pia.aon')).toEqual({ created: [], invitations: 0, audited: 0 });
      expect(await writtenFor('quin.aon')).toEqual({ created: [], invitations: 0, audited: 0 });
    });

    it('does not overwrite a user someone else changed after the preview', async () => {
      const target = await insertUser(db, { email: 'edited@example.test', environmentId });
      const job = await createImport(db, admin, file('stale.csv', csv('From,File,edited@example.test,User,Production,')), { existing: 'update', environmentId });
      await db.update(users).set({ firstName: 'Edited', version: sql`${users.version} + 1` }).where(eq(users.id, target.id));
      await db.transaction((tx) => startImport(tx, admin, job.id, { allOrNothing: false, sendInvitations: false }));
      expect(await run(job.id)).toBe('done');
      expect((await db.select().from(users).where(eq(users.id, target.id)))[0]).toMatchObject({ firstName: 'Edited' });
      expect((await outcomes(job.id))[0]).toMatchObject({ outcome: 'Skipped', message: expect.stringContaining('changed by someone else after the preview') });
    });
  });

  it('new users, their links and their emails get ids in creation order (UUIDv7): a batch writes at the end of the indexes on them', async () => {
    const job = await claimedJob('ordered', 25, { allOrNothing: false, sendInvitations: true });
    expect(await runJob(db, job.id, { batchSize: 10 })).toBe('done');
    const made = await rows<{ n: number; id: string; link: string; mail: string }>(
      db,
      sql`select substring(u.email from '[0-9]+')::int as n, u.id, t.id as link, o.id as mail from users u
          join user_tokens t on t.user_id = u.id join outbox_messages o on o.user_id = u.id
          where u.email like 'ordered%' order by n`,
    );
    expect(made).toHaveLength(25);
    // In order within each batch (batches in flight at once on PostgreSQL make theirs side by side).
    for (const key of ['id', 'link', 'mail'] as const)
      for (const batch of [made.slice(0, 10), made.slice(10, 20), made.slice(20)]) {
        const ids = batch.map((m) => m[key]);
        expect(ids.every((id) => id[14] === '7')).toBe(true);
        expect([...ids].sort()).toEqual(ids);
      }
  });

  it('updates among new rows, batch after batch with others in flight: every row written once, each update alone and applied', async () => {
    // Rows 12-14 and 33 update existing users; the rest are new: batches of 10 put updates in two of the five.
    const existing = await Promise.all([12, 13, 14, 33].map((i) => insertUser(db, { email: `mixed${i}@example.test`, firstName: 'Before', environmentId })));
    const lines = Array.from({ length: 45 }, (_, i) => `M${i},Mixed,mixed${i}@example.test,User,Production,`);
    const job = await createImport(db, admin, file('mixed.csv', csv(...lines)), { existing: 'update', environmentId });
    expect(job).toMatchObject({ newCount: 41, updateCount: 4 });
    await db.transaction((tx) => startImport(tx, admin, job.id, { allOrNothing: false, sendInvitations: true }));
    expect(await claimJob(db)).toBe(job.id);
    // A batch with updates starts once every batch before it has committed (on PostgreSQL, where
    // batches overlap, read from outside its transaction; PGlite runs one batch at a time anyway).
    const committedBefore: Record<number, number> = {};
    const insideBatch = async (i: number) => {
      // The batches before them are slow to finish, so a batch with updates that did not wait would start beside them.
      if (i === 0 || i === 2) await new Promise((resolve) => setTimeout(resolve, 300));
      if ((i === 1 || i === 3) && getClient().driver === 'postgres')
        committedBefore[i] = (await rows<{ n: number }>(db, sql`select next_row as n from import_jobs where id = ${job.id}::uuid`))[0]!.n;
    };
    expect(await runJob(db, job.id, { batchSize: 10, insideBatch })).toBe('done');
    if (getClient().driver === 'postgres') expect(committedBefore).toEqual({ 1: 12, 3: 32 });
    const [after] = await db.select().from(importJobs).where(eq(importJobs.id, job.id));
    expect(after).toMatchObject({ status: 'done', createdCount: 41, updatedCount: 4, rowsDone: 45 });
    const written = await writtenFor('mixed');
    expect(written.created).toHaveLength(45);
    expect(written.invitations).toBe(41);
    expect(written.audited).toBe(41);
    const renamed = await db.select({ id: users.id, firstName: users.firstName }).from(users).where(sql`${users.email} in ('mixed12@example.test', 'mixed13@example.test', 'mixed14@example.test', 'mixed33@example.test')`);
    expect(renamed.map((u) => u.firstName).sort()).toEqual(['M12', 'M13', 'M14', 'M33']);
    expect(renamed.map((u) => u.id).sort()).toEqual(existing.map((u) => u.id).sort());
  });

  it('two runners claiming at once: exactly one gets the job (SKIP LOCKED)', async () => {
    const job = await createImport(db, admin, file('race.csv', csv('Ra,Ce,race@example.test,User,Production,')), skip);
    await db.transaction((tx) => startImport(tx, admin, job.id, { allOrNothing: false, sendInvitations: false }));
    const claims = await Promise.all([claimJob(db), claimJob(db), claimJob(db)]);
    expect(claims.filter((c) => c === job.id)).toHaveLength(1);
    expect(claims.filter((c) => c === null)).toHaveLength(2);
    expect(await runJob(db, job.id)).toBe('done');
    expect(await db.select().from(users).where(eq(users.email, 'race@example.test'))).toHaveLength(1);
  });

  it('"all or nothing" rolls every batch back when one fails', async () => {
    const job = await claimedJob('roll', 25, { allOrNothing: true, sendInvitations: true });
    const result = await runJob(db, job.id, {
      batchSize: 10,
      insideBatch: (i) => {
        if (i === 2) throw new Error('injected failure');
      },
    });
    expect(result).toBe('failed');
    expect(await db.select().from(users).where(sql`${users.email} like 'roll%'`)).toEqual([]);
    expect(await db.select().from(outboxMessages).where(sql`${outboxMessages.toAddress} like 'roll%'`)).toEqual([]);
    const [failed] = await db.select().from(importJobs).where(eq(importJobs.id, job.id));
    expect(failed).toMatchObject({ status: 'failed', createdCount: 0 });
    expect(failed!.error).toContain('Nothing was imported');
  });

  it('a batch that fails takes those in flight after it down too: whole batches, in order, each audited once', async () => {
    const job = await claimedJob('fail', 35, { allOrNothing: false, sendInvitations: true });
    const result = await runJob(db, job.id, {
      batchSize: 10,
      insideBatch: async (i) => {
        // Batches 2 and 3 (on PostgreSQL already writing beside batch 1) have written when batch 1 fails.
        if (i === 1) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          throw new Error('injected failure');
        }
      },
    });
    expect(result).toBe('failed');
    const written = await writtenFor('fail');
    expect(written.created.map((u) => u.email).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `fail${i}@example.test`).sort());
    expect(written.invitations).toBe(10);
    expect(written.audited).toBe(10);
    const [failed] = await db.select().from(importJobs).where(eq(importJobs.id, job.id));
    expect(failed).toMatchObject({ status: 'failed', nextRow: 12, rowsDone: 10, createdCount: 10 });
    const outcomes = (await rowsOf(job.id)).map((r) => rowOutcome(r, failed!).outcome);
    expect(outcomes.filter((o) => o === 'Created').length).toBe(10);
    expect(outcomes.filter((o) => o === 'Not imported').length).toBe(25);
  });

  // The importer banned by another instance while a batch is written: that batch reads their rights again
  // as it ends (held FOR SHARE until it commits), so it rolls back, and the import stops with whole batches.
  // The embedded database has one connection: nothing commits beside a batch there.
  it.skipIf(process.env.VITEST_DB !== 'postgres')('an importer banned while a batch is written: that batch and those after it roll back, the ones before stay', async () => {
    const importer = await insertUser(db, { email: 'banned.importer@example.test', role: 'Account Manager', environmentId });
    const principal: Principal = { actor: { type: 'user', id: importer.id, label: importer.email }, permissions: ['users.read', 'users.write'], allEnvironments: false, environmentIds: [environmentId] };
    const lines = Array.from({ length: 25 }, (_, i) => `B${i},Banned,bimp${i}@example.test,User,Production,`);
    const job = await createImport(db, principal, file('bimp.csv', csv(...lines)), skip);
    await db.transaction((tx) => startImport(tx, principal, job.id, { allOrNothing: false, sendInvitations: true }));
    expect(await claimJob(db)).toBe(job.id);
    const result = await runJob(db, job.id, {
      batchSize: 10,
      // Committed on a connection of its own while the second batch's transaction is open, once the first has committed.
      insideBatch: async (i) => {
        if (i !== 1) return;
        for (let waited = 0; waited < 100; waited++) {
          const [state] = await db.select({ nextRow: importJobs.nextRow }).from(importJobs).where(eq(importJobs.id, job.id));
          if (state!.nextRow > 2) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await db.update(users).set({ status: 'banned', banReason: 'raced' }).where(eq(users.id, importer.id));
      },
    });
    expect(result).toBe('failed');
    const written = await writtenFor('bimp');
    expect(written.created).toHaveLength(10);
    expect(written.invitations).toBe(10);
    const [failed] = await db.select().from(importJobs).where(eq(importJobs.id, job.id));
    expect(failed).toMatchObject({ status: 'failed', createdCount: 10, error: 'banned.importer@example.test can no longer import users.' });
  });

  it('two runners on one job at once (one taken for dead): every row written once, the counts right', async () => {
    const job = await claimedJob('twice', 45, { allOrNothing: false, sendInvitations: true });
    const results = await Promise.all([runJob(db, job.id, { batchSize: 10 }), runJob(db, job.id, { batchSize: 10 })]);
    expect(results).toContain('done');
    const written = await writtenFor('twice');
    expect(written.created.length).toBe(45);
    expect(written.invitations).toBe(45);
    expect(written.audited).toBe(45);
    const [after] = await db.select().from(importJobs).where(eq(importJobs.id, job.id));
    expect(after).toMatchObject({ nextRow: 47, rowsDone: 45, createdCount: 45 });
  });

  it('"all or nothing" run twice at once (one taken for dead): imported once, done, one end event', async () => {
    const job = await claimedJob('twiceall', 25, { allOrNothing: true, sendInvitations: true });
    const results = await Promise.all([runJob(db, job.id, { batchSize: 10 }), runJob(db, job.id, { batchSize: 10 })]);
    expect(results).toContain('done');
    expect((await writtenFor('twiceall')).created.length).toBe(25);
    // The runner that lost found the users there: it must not call the import failed ("Nothing was imported").
    const [after] = await db.select().from(importJobs).where(eq(importJobs.id, job.id));
    expect(after).toMatchObject({ status: 'done', error: null, createdCount: 25, rowsDone: 25 });
    const ends = await db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.targetId, job.id));
    expect(ends.map((e) => e.action)).toEqual(['import.completed']);
  });

  it('"all or nothing" never ends with its users written but the job failed or running (a failure after the commit)', async () => {
    const job = await claimedJob('diedall', 15, { allOrNothing: true, sendInvitations: false });
    // Recording the end fails once (the database went away, the process died): whatever was committed must agree with the job.
    await db.execute(sql.raw(`create function refuse_end() returns trigger language plpgsql as $$
      begin if new.action = 'import.completed' and new.target_label = 'diedall.csv' then raise exception 'gone'; end if; return new; end $$`));
    await db.execute(sql.raw(`create trigger refuse_end before insert on audit_events for each row execute function refuse_end()`));
    await runJob(db, job.id, { batchSize: 10 }).catch(() => null);
    await db.execute(sql.raw(`drop trigger refuse_end on audit_events`));
    // Its runner taken for dead: another instance claims whatever is left.
    await db.execute(sql`update import_jobs set heartbeat_at = now() - interval '5 minutes' where id = ${job.id}::uuid and status = 'running'`);
    if ((await claimJob(db)) === job.id) await runJob(db, job.id, { batchSize: 10 });
    const [after] = await db.select().from(importJobs).where(eq(importJobs.id, job.id));
    const created = (await writtenFor('diedall')).created.length;
    expect([after!.status, after!.createdCount, created]).toEqual(created === 0 ? ['failed', 0, 0] : ['done', 15, 15]);
  });

  it('two runners on one job, batch by batch: one end event', async () => {
    const job = await claimedJob('twiceend', 25, { allOrNothing: false, sendInvitations: false });
    await Promise.all([runJob(db, job.id, { batchSize: 10 }), runJob(db, job.id, { batchSize: 10 })]);
    const ends = await db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.targetId, job.id));
    expect(ends.map((e) => e.action)).toEqual(['import.completed']);
  });

  it('cancelling keeps only whole batches', async () => {
    const job = await claimedJob('cancel', 25, { allOrNothing: false, sendInvitations: false });
    const result = await runJob(db, job.id, {
      batchSize: 10,
      beforeBatch: async (i) => {
        if (i === 2) await db.transaction((tx) => cancelImport(tx, admin, job.id));
      },
    });
    expect(result).toBe('cancelled');
    const created = await db.select().from(users).where(sql`${users.email} like 'cancel%'`);
    // On PostgreSQL batches run three at once, each checking for the cancel when its transaction starts,
    // which on a busy machine may come after the cancel for batch 0 as well as batch 1: whatever landed
    // is whole batches, and the outcomes say exactly which rows.
    expect([0, 10, 20]).toContain(created.length);
    const [cancelled] = await db.select().from(importJobs).where(eq(importJobs.id, job.id));
    const outcomes = (await rowsOf(job.id)).map((r) => rowOutcome(r, cancelled!).outcome);
    expect(outcomes.filter((o) => o === 'Created').length).toBe(created.length);
    expect(outcomes.filter((o) => o === 'Not imported').length).toBe(25 - created.length);
  });
});

describe('cancelling with batches in flight', () => {
  // On PostgreSQL three batches are written at once; a cancel that comes while they are keeps only the
  // one committing then ("it stops after the batch being written"), not every batch already started.
  it.skipIf(process.env.VITEST_DB !== 'postgres')('keeps at most the batch committing when the cancel comes', async () => {
    const job = await claimedJob('inflight', 45, { allOrNothing: false, sendInvitations: false });
    const result = await runJob(db, job.id, {
      batchSize: 10,
      insideBatch: async (i) => {
        if (i === 1) await db.transaction((tx) => cancelImport(tx, admin, job.id));
      },
    });
    expect(result).toBe('cancelled');
    const created = await db.select().from(users).where(sql`${users.email} like 'inflight%'`);
    expect([0, 10]).toContain(created.length);
  });
});

describe('cancelling, in the audit log', () => {
  it('names who cancelled, not the person whose import it was', async () => {
    const mine = await createImport(db, manager, file('am-cancel.csv', csv('Can,Celled,can.celled@example.test,User,Production,')), skip);
    await db.transaction((tx) => startImport(tx, manager, mine.id, { allOrNothing: false, sendInvitations: false }));
    await db.transaction((tx) => cancelImport(tx, admin, mine.id));
    const events = await db.select().from(auditEvents).where(eq(auditEvents.targetId, mine.id));
    expect(events).toEqual([expect.objectContaining({ action: 'import.cancel_requested', actorId: admin.actor.type === 'user' ? admin.actor.id : '', targetLabel: 'am-cancel.csv' })]);
    expect(describeAuditEvent(events[0]!, new Map()).sentence).toBe('ada@example.test cancelled the import of am-cancel.csv before it started');
  });
});
