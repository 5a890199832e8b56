import { describe, expect, it } from 'vitest';
import { gridColumns, newRow, parseClipboard, toCsv } from './import-grid';

describe('the import grid', () => {
  it('reads a block copied from a spreadsheet, quoted line breaks included', () => {
    expect(parseClipboard('Ann\tLee\ta@x.test\r\n"Two\nlines"\t"O""Neil"\tb@x.test\r\n')).toEqual([
      ['Ann', 'Lee', 'a@x.test'],
      ['Two\nlines', 'O"Neil', 'b@x.test'],
    ]);
  });

  it('adds a column for each required field of the roles used, and writes CSV that round-trips', () => {
    const roles = [{ name: 'Notary', requiredFields: [{ label: 'Commission', key: 'c' }], allEnvironments: false }];
    const rows = [newRow({ 'First name': 'A, "B"', Role: 'notary', Commission: '=7' }), newRow({})];
    const columns = gridColumns(rows, roles);
    expect(columns).toEqual(['First name', 'Last name', 'Email', 'Role', 'Environments', 'Tags', 'Commission']);
    expect(toCsv(columns, rows)).toBe('First name,Last name,Email,Role,Environments,Tags,Commission\r\n"A, ""B""",,,notary,,,=7\r\n');
  });
});
