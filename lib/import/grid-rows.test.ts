import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { testDb, setUpOrganization, insertUser } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { checkedGridRows, GRID_SOURCE, gridColumns, shownRowNo, toCsv, type GridRow } from './grid-rows';
import { createImport, errorRows, gridRows, skippedRows } from './jobs';
import { detectDelimiter } from './read';

const roles = [
  { name: 'User', requiredFields: [], allEnvironments: false },
  { name: 'Notary', requiredFields: [{ label: 'Commission', key: 'c' }], allEnvironments: false },
];
let id = 0;
const row = (values: Record<string, string> = {}): GridRow => ({ id: ++id, values });

describe('the grid as CSV', () => {
  it('adds a column for each required field of the roles used, and writes CSV that round-trips', () => {
    const rows = [row({ 'First name': 'A, "B"', Role: 'notary', Commission: '=7' }), row()];
    const columns = gridColumns(rows, roles);
    expect(columns).toEqual(['First name', 'Last name', 'Email', 'Role', 'Environments', 'Tags', 'Commission']);
    expect(toCsv(columns, rows)).toBe('First name,Last name,Email,Role,Environments,Tags,Commission\r\n"A, ""B""",,,notary,,,=7\r\n');
  });

  it('quotes semicolons and tabs, so a required field\'s label full of them does not make the check take ";" for the separator', () => {
    const columns = ['First name', 'Last name', 'Email', 'Role', 'Environments', 'Tags', 'Seal; state; county; number; bond; expiry; clerk'];
    const csv = toCsv(columns, [row({ 'First name': 'A;B\tC', Role: 'User' })]);
    expect(detectDelimiter(csv.split('\r\n')[0]!)).toBe(',');
    expect(csv.split('\r\n')[1]).toBe('"A;B\tC",,,User,,,');
  });

  it('keeps the empty rows between filled ones, so grid row n is line n + 1', () => {
    const rows = [row({ 'First name': 'A', Role: 'User' }), row(), row({ 'First name': 'C', Role: 'User' }), row(), row()];
    expect(toCsv(['First name', 'Role'], rows).split('\r\n')).toEqual(['First name,Role', 'A,User', ',', 'C,User', '']);
  });

  it('sends an empty Role cell empty (the check gives a new user the default role, an existing one keeps theirs), and shows the default role\'s fields', () => {
    const rows = [row({ 'First name': 'A' }), row()];
    expect(gridColumns(rows, roles, 'Notary')).toContain('Commission');
    expect(toCsv(['First name', 'Role'], rows)).toBe('First name,Role\r\nA,\r\n');
  });
});

describe('row numbers of a check', () => {
  let db: Db;
  let admin: Principal;
  const dir = mkdtempSync(path.join(tmpdir(), 'grid-rows-test-'));
  const check = (name: string, content: string, source?: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return createImport(db, admin, { path: file, fileName: name, source }, { existing: 'skip', environmentId: null });
  };

  beforeAll(async () => {
    db = await testDb();
    const { adminId, environmentId } = await setUpOrganization(db);
    await insertUser(db, { email: 'already@example.test', environmentId });
    admin = { actor: { type: 'user', id: adminId, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  });

  it('are the grid\'s, empty rows included, and the grid comes back with each row on its line', async () => {
    const grid = [
      row({ 'First name': 'Ann', 'Last name': 'Lee', Email: 'ann.grid@example.test', Environments: 'Production' }),
      row(),
      row({ 'First name': 'Bob', 'Last name': 'Ray', Email: 'bob.grid@example.test', Environments: 'Production' }),
      row({ 'First name': 'Cid', 'Last name': 'Roe', Email: 'cid.grid-at-example.test', Environments: 'Production' }),
      row({ 'First name': 'Dee', 'Last name': 'Fox', Email: 'already@example.test', Environments: 'Production' }),
    ];
    const columns = gridColumns(grid, roles, 'User');
    const job = await check('grid.csv', toCsv(columns, grid), GRID_SOURCE);
    expect(job).toMatchObject({ totalRows: 4, newCount: 2, errorCount: 1, skipCount: 1 });
    const [bad] = await errorRows(db, job.id);
    expect(shownRowNo(GRID_SOURCE, bad!.rowNo)).toBe(4);
    expect(bad!.errors).toEqual([{ column: 'Email', message: expect.any(String) }]);
    const skipped = await skippedRows(db, job.id);
    expect(skipped.map((r) => [shownRowNo(GRID_SOURCE, r.rowNo), r.email])).toEqual([[5, 'already@example.test']]);
    expect(skipped[0]!.message).toContain('already exists');

    const back = checkedGridRows({ source: GRID_SOURCE, headers: columns }, await gridRows(db, job.id, 100), roles);
    expect(back.map((r) => r.values['First name'] ?? '')).toEqual(['Ann', '', 'Bob', 'Cid', 'Dee']);
    expect(back[3]!.errors).toHaveProperty('Email');
    expect(back[3]!.values.Role).toBe('');
    expect(back.some((r) => r.fileRow !== undefined)).toBe(false);
  });

  it('are the file\'s for an upload, and each row put in the grid carries its file row', async () => {
    const headers = ['Email', 'Given name', 'Surname', 'Role', 'Environment'];
    const job = await check('people.csv', [headers.join(','), 'eve.file@example.test,Eve,Fox,User,Production', '', 'bad-email,Fay,Gil,User,Production', ''].join('\n'));
    expect(job).toMatchObject({ newCount: 1, errorCount: 1 });
    expect(shownRowNo('people.csv', (await errorRows(db, job.id))[0]!.rowNo)).toBe(4);
    const back = checkedGridRows({ source: 'people.csv', headers }, await gridRows(db, job.id, 100), roles);
    expect(back.map((r) => [r.fileRow, r.values.Email])).toEqual([
      [2, 'eve.file@example.test'],
      [4, 'bad-email'],
    ]);
    expect(back[1]!.values['First name']).toBe('Fay');
  });

  it('show every problem of a column, not only the last one', () => {
    const headers = ['First name', 'Last name', 'Email', 'Role', 'Environments'];
    const stored = [
      {
        rowNo: 2,
        cells: ['Ann', 'Lee', 'ann@example.test', 'User', 'Mars; Venus'],
        errors: [
          { column: 'Environments', message: 'There is no environment named "Mars".' },
          { column: 'Environments', message: 'There is no environment named "Venus".' },
        ],
      },
    ];
    expect(checkedGridRows({ source: 'people.csv', headers }, stored, roles)[0]!.errors).toEqual({
      Environments: 'There is no environment named "Mars". There is no environment named "Venus".',
    });
  });
});
