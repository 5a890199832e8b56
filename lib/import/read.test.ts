import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { matchColumns, normalizeHeader } from './columns';
import { detectDelimiter, readRows } from './read';
import { neutralise, templateStream } from './sheets';
import { saveUpload } from './upload';

const dir = mkdtempSync(path.join(tmpdir(), 'import-read-'));
let n = 0;
const limits = { maxRows: 1000, maxUnpackedBytes: 50 * 1048576 };

function file(name: string, content: string | Buffer) {
  const p = path.join(dir, `${++n}-${name}`);
  writeFileSync(p, content);
  return p;
}

async function xlsx(rows: unknown[][], build?: (sheet: ExcelJS.Worksheet) => void) {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Users');
  for (const row of rows) sheet.addRow(row);
  build?.(sheet);
  const p = path.join(dir, `${++n}.xlsx`);
  await workbook.xlsx.writeFile(p);
  return p;
}

async function all(p: string, kind: 'xlsx' | 'csv', l = limits) {
  const out: string[][] = [];
  for await (const row of readRows(p, kind, l)) out.push(row);
  return out;
}

describe('header matching', () => {
  it('ignores case, spaces and punctuation, and knows common aliases', () => {
    expect(normalizeHeader(' E-Mail Address ')).toBe('emailaddress');
    const map = matchColumns(['Given name', 'SURNAME', 'E-mail', 'role', 'Environment', 'Labels', 'Commission No.', 'Notes'], [
      { label: 'Commission no', key: 'commission' },
    ]);
    expect(map.base).toEqual({ firstName: 0, lastName: 1, email: 2, role: 3, environments: 4, tags: 5 });
    expect(map.profile).toEqual({ commission: 6 });
    expect(map.missing).toEqual([]);
    expect(map.ignored).toEqual(['Notes']);
  });

  it('names every missing required column', () => {
    expect(matchColumns(['Email', 'Tags'], []).missing).toEqual(['First name', 'Last name', 'Role']);
  });
});

describe('CSV dialects', () => {
  it('reads quoted fields with separators, quotes and line breaks, and drops a BOM', async () => {
    const p = file('a.csv', '\uFEFFFirst name,Last name,Email\r\n"Lee, Ann","O""Neil","a@x.test"\r\n"Multi\nline",B,b@x.test\r\n');
    expect(await all(p, 'csv')).toEqual([
      ['First name', 'Last name', 'Email'],
      ['Lee, Ann', 'O"Neil', 'a@x.test'],
      ['Multi\nline', 'B', 'b@x.test'],
    ]);
  });

  it('detects ";" as the separator (European Excel), and keeps commas inside cells', async () => {
    expect(detectDelimiter('First name;Last name;"Email, work"')).toBe(';');
    expect(detectDelimiter('a,b;c,d')).toBe(',');
    expect(detectDelimiter('a\tb\tc')).toBe('\t');
    const p = file('b.csv', 'First name;Last name;Tags\nJosé;Nuñez;team=a, b\n');
    expect(await all(p, 'csv')).toEqual([
      ['First name', 'Last name', 'Tags'],
      ['José', 'Nuñez', 'team=a, b'],
    ]);
  });

  it('refuses a CSV saved in a legacy encoding instead of garbling names', async () => {
    const latin1 = Buffer.concat([Buffer.from('First name,Last name\n'), Buffer.from([0x4a, 0x6f, 0x73, 0xe9]), Buffer.from(',Nu\n')]);
    await expect(all(file('l.csv', latin1), 'csv')).rejects.toThrow('Line 2 of this CSV file is not UTF-8');
  });

  it('refuses an unclosed quote with a message', async () => {
    await expect(all(file('c.csv', 'a,b\n"x,y\n'), 'csv')).rejects.toThrow('check for an unclosed quote');
  });
});

describe('xlsx', () => {
  it('uses the cached result of formulas (never evaluating them) and gives dates and numbers as text', async () => {
    const p = await xlsx([['First name', 'Born', 'Count', 'Sum']], (sheet) => {
      sheet.addRow(['Ann', new Date(Date.UTC(1990, 4, 17)), 42.5, { formula: 'HYPERLINK("http://evil.test")', result: 'cached' }]);
      sheet.addRow(['Bob', null, 7, { formula: '1+1', result: 2 }]);
    });
    expect(await all(p, 'xlsx')).toEqual([
      ['First name', 'Born', 'Count', 'Sum'],
      ['Ann', '1990-05-17', '42.5', 'cached'],
      ['Bob', '', '7', '2'],
    ]);
  });

  it('keeps row numbers true to the file across empty rows', async () => {
    const p = await xlsx([['A'], [], ['b']]);
    const rows = await all(p, 'xlsx');
    expect(rows[2]).toEqual(['b']);
  });
});

describe('bad input', () => {
  it('refuses a file that is not what its name says', async () => {
    await expect(all(file('x.xlsx', 'First name,Email\nA,a@x.test\n'), 'xlsx')).rejects.toThrow('is not an Excel workbook');
    const workbook = readFileSync(await xlsx([['A']]));
    await expect(all(file('x.csv', workbook), 'csv')).rejects.toThrow('named .csv but is an Excel workbook');
    await expect(all(file('y.csv', Buffer.from([0x41, 0x00, 0x42])), 'csv')).rejects.toThrow('is not text');
  });

  it('refuses an encrypted workbook and a corrupt one', async () => {
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512)]);
    await expect(all(file('enc.xlsx', ole), 'xlsx')).rejects.toThrow('password-protected (encrypted)');
    const whole = readFileSync(await xlsx([['First name'], ['Ann']]));
    await expect(all(file('cut.xlsx', whole.subarray(0, Math.floor(whole.length / 2))), 'xlsx')).rejects.toThrow('damaged');
  });

  it('stops a zip bomb at the unpacked-size limit', async () => {
    const p = await xlsx([['A'], ...Array.from({ length: 20_000 }, () => ['x'.repeat(200)])]);
    await expect(all(p, 'xlsx', { maxRows: 100_000, maxUnpackedBytes: 1048576 })).rejects.toThrow('unpacks to more than 1 MB');
  });

  it('refuses an empty file and more rows than the limit', async () => {
    await expect(all(file('e.csv', ''), 'csv')).rejects.toThrow('The file is empty');
    const many = ['A', ...Array.from({ length: 11 }, (_, i) => `r${i}`)].join('\n');
    await expect(all(file('m.csv', many), 'csv', { maxRows: 10, maxUnpackedBytes: 1e9 })).rejects.toThrow('more than 10 rows');
    const p = await xlsx([['A'], ...Array.from({ length: 11 }, (_, i) => [`r${i}`])]);
    await expect(all(p, 'xlsx', { maxRows: 10, maxUnpackedBytes: 1e9 })).rejects.toThrow('more than 10 rows');
  });

  it('refuses an upload over the size limit while it streams, leaving no file', async () => {
    let pulled = 0;
    const endless = Readable.from(
      (function* () {
        for (;;) {
          pulled++;
          yield new Uint8Array(64 * 1024);
        }
      })(),
    );
    await expect(saveUpload(endless, '.csv', 1048576)).rejects.toThrow('larger than 1 MB');
    expect(pulled).toBeLessThan(20);
  });
});

describe('spreadsheets the portal writes', () => {
  it('neutralises values that would run as formulas', () => {
    expect(['=1+2', '+1', '-2', '@SUM(A1)', '\t=x', 'ann', 'a=b'].map(neutralise)).toEqual(["'=1+2", "'+1", "'-2", "'@SUM(A1)", "'\t=x", 'ann', 'a=b']);
  });

  it('writes the template with the headers and a sheet of valid roles and environments, neutralised', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of templateStream(
      [{ id: '1', name: '=cmd()', builtIn: false, permissions: [], requiredFields: [{ label: 'Badge', key: 'badge' }], allEnvironments: false }],
      [{ id: '2', name: 'Production' }],
    ))
      chunks.push(chunk as Buffer);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.concat(chunks) as unknown as ArrayBuffer);
    expect(workbook.getWorksheet('Users')!.getRow(1).values).toEqual([undefined, 'First name', 'Last name', 'Email', 'Role', 'Environments', 'Tags', 'Badge']);
    const values = workbook.getWorksheet('Roles and environments')!;
    expect(values.getRow(2).getCell(1).value).toBe("'=cmd()");
    expect(values.getRow(2).getCell(5).value).toBe('Production');
  });
});
