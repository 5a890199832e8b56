import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { columnLetter, ignoredColumns, matchColumns, normalizeHeader } from './columns';
import { checkWorkbookSize, detectDelimiter, MAX_COLUMNS, maxSharedStrings, readRows, sharedStringsCounter, verticalMergeFinder } from './read';
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

const crc32 = (data: Buffer) => {
  let crc = ~0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
};

/** A zip of deflated parts, written by hand: local headers, then the central directory and its end. */
function zip(parts: Record<string, string>): Buffer {
  const entries: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(parts)) {
    const data = Buffer.from(text);
    const packed = deflateRawSync(data);
    const fileName = Buffer.from(name);
    // method 8 (deflate), CRC, both sizes and the name's length sit at the same distances in both headers.
    const common = (head: Buffer, at: number) => {
      head.writeUInt16LE(8, at);
      head.writeUInt32LE(crc32(data), at + 6);
      head.writeUInt32LE(packed.length, at + 10);
      head.writeUInt32LE(data.length, at + 14);
      head.writeUInt16LE(fileName.length, at + 18);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    common(local, 8);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    common(central, 10);
    central.writeUInt32LE(offset, 42);
    entries.push(local, fileName, packed);
    directory.push(central, fileName);
    offset += local.length + fileName.length + packed.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(directory.length / 2, 8);
  end.writeUInt16LE(directory.length / 2, 10);
  end.writeUInt32LE(directory.reduce((n, b) => n + b.length, 0), 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...entries, ...directory, end]);
}

/** A workbook written part by part, for shapes exceljs takes long to write (far columns) or never writes. */
function handmade(sheetData: string, sharedStrings = '') {
  const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  return file(
    'hand.xlsx',
    zip({
      'xl/workbook.xml': `<workbook ${ns} xmlns:r="${rel}"><sheets><sheet name="Users" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      'xl/_rels/workbook.xml.rels': `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
      'xl/sharedStrings.xml': `<sst ${ns}>${sharedStrings}</sst>`,
      'xl/worksheets/sheet1.xml': `<worksheet ${ns}><sheetData>${sheetData}</sheetData></worksheet>`,
    }),
  );
}

const inline = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;

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
    expect(map.duplicates).toEqual([]);
  });

  it('lists the columns no field takes (a misspelt Environments, an extra column), by letter, for the preview', () => {
    const roles = [{ requiredFields: [{ label: 'Commission number', key: 'commission' }] }];
    const headers = ['First name', 'Last name', 'Email', 'Role', 'Enviroments', '', 'Department', 'commission'];
    expect(ignoredColumns(headers, roles)).toEqual([
      { letter: 'E', header: 'Enviroments' },
      { letter: 'G', header: 'Department' },
    ]);
  });

  it('names columns by letter as a spreadsheet does', () => {
    expect([0, 25, 26, 51, 52, 701, 702, 16_383].map(columnLetter)).toEqual(['A', 'Z', 'AA', 'AZ', 'BA', 'ZZ', 'AAA', 'XFD']);
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

  it('reads a CSV that mixes CR LF, LF and CR line ends line by line (read by its first line end, two rows became one)', async () => {
    const text = 'First name,Last name,Email,Tags\r\nAnn,Lee,ann@x.test,team=blue\nBob,Roe,bob@x.test,\rCid,Fox,cid@x.test,"a\r\nb"\r\n';
    expect(await all(file('mixed.csv', text), 'csv')).toEqual([
      ['First name', 'Last name', 'Email', 'Tags'],
      ['Ann', 'Lee', 'ann@x.test', 'team=blue'],
      ['Bob', 'Roe', 'bob@x.test', ''],
      ['Cid', 'Fox', 'cid@x.test', 'a\r\nb'],
    ]);
    // A CR LF cut by the stream's 64 KiB chunks is one line end, not two (an empty row would shift the row numbers).
    const head = 'Email,Note\n';
    const filler = `a@x.test,${'x'.repeat(65_536 - head.length - 'a@x.test,'.length - 1)}\r\n`;
    const rows = await all(file('cut.csv', `${head}${filler}b@x.test,y\r\n`), 'csv');
    expect(rows.map((r) => r[0])).toEqual(['Email', 'a@x.test', 'b@x.test']);
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
    // Found from the header where blank lines come first (it was read from the first line alone).
    const spaced = file('t.csv', '\n\nFirst name;Last name;Email;Role\nJosé;Nuñez;jose@example.test;User\n');
    expect((await all(spaced, 'csv')).slice(2)).toEqual([
      ['First name', 'Last name', 'Email', 'Role'],
      ['José', 'Nuñez', 'jose@example.test', 'User'],
    ]);
  });

  it('reads UTF-16 text (Excel\'s "Unicode Text", tab-separated, renamed .csv), either byte order, whatever the chunks', async () => {
    const text = 'First name\tLast name\tEmail\r\nJosé\tNuñez 🙂\tjose@example.test\r\n"Zoë\r\nAnn"\tŁoś\tzoe@example.test\r\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    const expected = [
      ['First name', 'Last name', 'Email'],
      ['José', 'Nuñez 🙂', 'jose@example.test'],
      ['Zoë\r\nAnn', 'Łoś', 'zoe@example.test'],
    ];
    expect(await all(file('le.csv', le), 'csv')).toEqual(expected);
    expect(await all(file('be.csv', be), 'csv')).toEqual(expected);
    // Past the first 64 KiB (the stream's chunks), at an odd byte.
    const long = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`Email\tNote\r\n${`a@example.test\t${'é'.repeat(40)}\r\n`.repeat(900)}`, 'utf16le')]);
    expect(long.length).toBeGreaterThan(65_536);
    const rows = await all(file('long.csv', long), 'csv');
    expect(rows).toHaveLength(901);
    expect(rows.every((r, i) => i === 0 || (r[0] === 'a@example.test' && r[1] === 'é'.repeat(40)))).toBe(true);
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

  it('reads the first visible sheet with text: a hidden helper sheet or an empty Sheet1 before the users is passed over', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Lookup', { state: 'hidden' }).addRow(['Code', 'Label']);
    workbook.addWorksheet('Sheet1');
    const users = workbook.addWorksheet('Users');
    users.addRow([]);
    users.addRow(['Email', 'Role']);
    users.addRow(['ann@example.test', 'User']);
    workbook.addWorksheet('Notes').addRow(['not users']);
    const p = path.join(dir, `${++n}.xlsx`);
    await workbook.xlsx.writeFile(p);
    // Row numbers stay the sheet's: the header is on its row 2.
    expect(await all(p, 'xlsx')).toEqual([[], ['Email', 'Role'], ['ann@example.test', 'User']]);
  });

  it('leaves no copy of a sheet in the temporary directory, whether it reads to the end, stops at the users\' sheet or refuses the file', async () => {
    // exceljs names its temporary files tmp-<pid>-...; it made one for each sheet that comes before the
    // shared strings (where Excel and exceljs put them) and kept it when a read stopped early.
    const copies = () => readdirSync(tmpdir()).filter((f) => f.startsWith(`tmp-${process.pid}-`));
    const before = copies();
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Users').addRows([['Email', 'Role', 'Joined'], ['ann@example.test', 'User', new Date(Date.UTC(2024, 1, 3))]]);
    workbook.addWorksheet('Roles').addRow(['User']);
    const p = path.join(dir, `${++n}.xlsx`);
    await workbook.xlsx.writeFile(p);
    const stream = path.join(dir, `${++n}.xlsx`);
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: stream, useSharedStrings: true });
    writer.addWorksheet('Users').addRow(['Email', 'Role']).commit();
    await writer.commit();
    const merged = await xlsx([['Email', 'Role'], ['a@example.test', 'User'], ['b@example.test', '']], (sheet) => sheet.mergeCells('B2:B3'));

    // Shared strings, styles (the date) and tabs are known before the sheet is read.
    expect(await all(p, 'xlsx')).toEqual([['Email', 'Role', 'Joined'], ['ann@example.test', 'User', '2024-02-03']]);
    expect(await all(stream, 'xlsx')).toEqual([['Email', 'Role']]);
    await expect(all(merged, 'xlsx')).rejects.toThrow('merged cells');
    expect(copies()).toEqual(before);
  });

  it('refuses a part the zip\'s directory names but its entries in order hide (so the size checks never saw it)', async () => {
    const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
    // The shared strings as a whole entry (local header, name, data), cut from a zip of its own...
    const strings = zip({ 'xl/sharedStrings.xml': `<sst ${ns}><si><t>Email</t></si><si><t>${'x'.repeat(100_000)}</t></si></sst>` });
    const hiddenEntry = strings.subarray(0, strings.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])));
    // ...stored (uncompressed) as the data of a harmless-looking entry, where an unzip reading entries in
    // order passes over it, while the directory at the end points into it.
    const sheet = `<worksheet ${ns}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`;
    const plain = zip({ 'xl/workbook.xml': `<workbook ${ns}/>`, 'xl/worksheets/sheet1.xml': sheet });
    const directoryAt = plain.readUInt32LE(plain.length - 6);
    // A directory record made from a local header (the same fields, 4 bytes on), pointing at offset.
    const centralOf = (localHeader: Buffer, fileName: string, offset: number) => {
      const head = Buffer.alloc(46);
      head.writeUInt32LE(0x02014b50, 0);
      head.writeUInt16LE(20, 4);
      localHeader.copy(head, 6, 4, 30);
      head.writeUInt32LE(offset, 42);
      return Buffer.concat([head, Buffer.from(fileName)]);
    };
    const name = 'docProps/blob.bin';
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc32(hiddenEntry), 14);
    local.writeUInt32LE(hiddenEntry.length, 18);
    local.writeUInt32LE(hiddenEntry.length, 22);
    local.writeUInt16LE(name.length, 26);
    const entries = Buffer.concat([plain.subarray(0, directoryAt), local, Buffer.from(name), hiddenEntry]);
    const directory = Buffer.concat([
      plain.subarray(directoryAt, plain.length - 22),
      centralOf(local, name, directoryAt),
      centralOf(hiddenEntry, 'xl/sharedStrings.xml', directoryAt + local.length + name.length),
    ]);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(4, 8);
    end.writeUInt16LE(4, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(entries.length, 16);
    const p = file('hidden-part.xlsx', Buffer.concat([entries, directory, end]));
    await expect(all(p, 'xlsx')).rejects.toThrow('This workbook is damaged and cannot be read.');
  });

  it('knows a hidden sheet and the tabs\' names when the workbook part comes after the sheets in the zip', async () => {
    const ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
    const rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
    const sheet = (rows: string, merges = '') => `<worksheet ${ns}><sheetData>${rows}</sheetData>${merges}</worksheet>`;
    const p = file(
      'late-workbook.xlsx',
      zip({
        'xl/_rels/workbook.xml.rels': `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="${rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId8" Type="${rel}/worksheet" Target="/xl/worksheets/sheet2.xml"/></Relationships>`,
        'xl/sharedStrings.xml': `<sst ${ns}></sst>`,
        'xl/worksheets/sheet1.xml': sheet(`<row r="1">${inline('A1', 'Code')}</row>`),
        'xl/worksheets/sheet2.xml': sheet(
          `<row r="1">${inline('A1', 'Email')}${inline('B1', 'Role')}</row><row r="2">${inline('A2', 'a@example.test')}${inline('B2', 'User')}</row><row r="3">${inline('A3', 'b@example.test')}</row>`,
          '<mergeCells count="1"><mergeCell ref="B2:B3"/></mergeCells>',
        ),
        'xl/workbook.xml': `<workbook ${ns} xmlns:r="${rel}"><sheets><sheet name="Codes" sheetId="1" state="hidden" r:id="rId7"/><sheet name="R&amp;D staff" sheetId="2" r:id="rId8"/></sheets></workbook>`,
      }),
    );
    await expect(all(p, 'xlsx')).rejects.toThrow('The sheet "R&D staff" has merged cells (B2:B3)');
  });

  it('refuses cells merged over several rows (all but the first read as empty), naming them; cells merged within a row are fine', async () => {
    const merged = await xlsx([['Email', 'Role', 'Environments'], ['a@example.test', 'Account Manager', 'Sandbox'], ['b@example.test', '', '']], (sheet) => {
      sheet.mergeCells('B2:B3');
      sheet.mergeCells('C2:C3');
    });
    await expect(all(merged, 'xlsx')).rejects.toThrow('The sheet "Users" has merged cells (B2:B3, C2:C3): only the first row of a merged range holds its value.');
    const across = await xlsx([['Email', 'Role', 'Environments'], ['a@example.test', 'User', 'Production']], (sheet) => {
      sheet.mergeCells('B2:C2');
    });
    expect(await all(across, 'xlsx')).toHaveLength(2);
  });

  it('finds merged ranges however the sheet\'s XML is cut into chunks', () => {
    const xml = Buffer.from('<mergeCells count="3"><mergeCell ref="A1:C1"/><mergeCell ref="D2:D40"/><mergeCell ref="AB10:AC12"/></mergeCells>');
    for (let cut = 1; cut < xml.length; cut++) {
      const finder = verticalMergeFinder();
      finder.push(xml.subarray(0, cut));
      finder.push(xml.subarray(cut));
      expect(finder.found).toEqual([
        { ref: 'D2:D40', lastRow: 40 },
        { ref: 'AB10:AC12', lastRow: 12 },
      ]);
    }
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

  it('refuses an upload that stalls, or trickles in past its time, leaving no file: it held a check slot others need', async () => {
    const uploads = () => readdirSync(tmpdir()).filter((f) => f.startsWith('userdesk-import-')).length;
    const before = uploads();
    const time = { idleMs: 100, totalMs: 400 };
    const stalled = (async function* () {
      yield new Uint8Array(10);
      await new Promise(() => {}); // the client sends nothing more, and keeps the connection open
    })();
    await expect(saveUpload(stalled, '.csv', 1048576, time)).rejects.toThrow('The upload stalled: nothing arrived for');
    const trickle = (async function* () {
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 40));
        yield new Uint8Array(1);
      }
    })();
    const started = Date.now();
    await expect(saveUpload(trickle, '.csv', 1048576, time)).rejects.toThrow('The upload took longer than');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(uploads()).toBe(before);
  });
});

describe('wide rows and big shared-strings tables', () => {
  it(`reads cells in A and XFD on many rows about as fast as in A and B, and no column past the ${MAX_COLUMNS}th`, async () => {
    // IV is the 256th column, IW the 257th, XFD the 16,384th (Excel's last).
    const header = `<row r="1">${inline('A1', 'First name')}${inline('IV1', 'Last')}${inline('IW1', 'Past')}${inline('XFD1', 'Far')}</row>`;
    const timedRead = async (second: string) => {
      const rows = [header];
      for (let r = 2; r <= 5001; r++) rows.push(`<row r="${r}">${inline(`A${r}`, `a${r}`)}${inline(`${second}${r}`, 'z')}</row>`);
      const p = handmade(rows.join(''));
      const started = performance.now();
      const read = await all(p, 'xlsx', { maxRows: 10_000, maxUnpackedBytes: 50 * 1048576 });
      return { read, ms: performance.now() - started };
    };
    const narrow = await timedRead('B');
    const { read, ms } = await timedRead('XFD');
    // Walking each row's 16,384 columns made it more than ten times slower.
    expect(ms).toBeLessThan(3 * narrow.ms + 500);
    expect(read).toHaveLength(5001);
    expect(read[0]).toHaveLength(MAX_COLUMNS);
    expect([read[0]![0], read[0]![255]]).toEqual(['First name', 'Last']);
    expect(read.slice(1).every((row) => row.length === 1)).toBe(true);
    expect(read[5000]).toEqual(['a5001']);
  });

  it(`reads a very wide CSV line as its first ${MAX_COLUMNS} cells, and refuses one wider than any spreadsheet`, async () => {
    const wide = ['First name', ...Array.from({ length: 999 }, (_, i) => `c${i + 2}`)].join(',');
    const read = await all(file('wide.csv', `${wide}\nAnn${','.repeat(5_000)}x\n`), 'csv');
    expect(read[0]).toEqual(wide.split(',').slice(0, MAX_COLUMNS));
    expect(read[1]).toEqual(['Ann', ...Array(MAX_COLUMNS - 1).fill('')]);
    await expect(all(file('wider.csv', `First name\nAnn${','.repeat(20_000)}\n`), 'csv')).rejects.toThrow(
      'Line 2 of this CSV file has more than 16,384 columns',
    );
    // A line end inside quotes does not end the record: counting on past it, the cap still holds.
    await expect(all(file('quoted-breaks.csv', `First name\na${`${','.repeat(10_000)},"\n"`.repeat(20)}\n`), 'csv')).rejects.toThrow('more than 16,384 columns');
  });

  it('reads CSV whose lines end with CR alone (old Mac "CSV"), and separators inside quotes are one cell', async () => {
    // 900 lines of 21 fields: more separators than the per-record cap, were the CRs not line ends.
    const rows = Array.from({ length: 900 }, (_, i) => `Ann${i},Lee,ann${i}@example.test,User,Production,${','.repeat(15)}`);
    const read = await all(file('mac.csv', ['First name,Last name,Email,Role,Environments,Tags', ...rows].join('\r')), 'csv');
    expect(read).toHaveLength(901);
    expect(read[900]).toEqual(['Ann899', 'Lee', 'ann899@example.test', 'User', 'Production', ...Array(16).fill('')]);
    const commas = await all(file('commas.csv', `First name,Tags\nAnn,"${','.repeat(20_000)}"\n`), 'csv');
    expect(commas[1]).toEqual(['Ann', ','.repeat(20_000)]);
  });

  it('counts the strings and formatted runs of a shared-strings table once, wherever the chunks are cut', () => {
    const table = '<sst count="4"><si><t>a</t></si><si/><si xml:space="preserve"><t> b</t></si><si><r><rPr><b/></rPr><t>c</t></r><r/><rPh><t>d</t></rPh></si><sis/></sst>';
    const whole = sharedStringsCounter()(Buffer.from(table));
    expect(whole).toBe(4 + 2); // <si> four times; <r> twice (not <rPr>, <rPh> or <sis>)
    for (let cut = 0; cut <= table.length; cut++) {
      const count = sharedStringsCounter();
      expect(count(Buffer.from(table.slice(0, cut))) + count(Buffer.from(table.slice(cut)))).toBe(whole);
    }
  });

  it('refuses a workbook with more shared strings and runs than its rows can need, before exceljs reads them', async () => {
    const tight = { maxRows: 10, maxUnpackedBytes: 50 * 1048576 };
    const cap = maxSharedStrings(tight.maxRows);
    const forms = ['<si><t>x</t></si>', '<si/>', '<si xml:space="preserve"><t> y</t></si>'];
    const strings = (n: number) => Array.from({ length: n }, (_, i) => forms[i % forms.length]).join('');
    const sheet = `<row r="1">${inline('A1', 'First name')}</row><row r="2">${inline('A2', 'Ann')}</row>`;
    expect(await all(handmade(sheet, strings(cap)), 'xlsx', tight)).toEqual([['First name'], ['Ann']]);
    await expect(all(handmade(sheet, strings(cap + 1)), 'xlsx', tight)).rejects.toThrow(
      `This workbook holds more than ${cap.toLocaleString('en')} pieces of text, more than an import may hold.`,
    );
    // One string of empty formatted runs: exceljs keeps an object for each run.
    await expect(all(handmade(sheet, `<si>${'<r/>'.repeat(cap)}</si>`), 'xlsx', tight)).rejects.toThrow('pieces of text');
  });

  it('refuses a workbook whose shared strings unpack to more than their byte cap', async () => {
    const long = `<si><t>${'x'.repeat(100_000)}</t></si>`;
    const p = handmade(`<row r="1">${inline('A1', 'First name')}</row>`, long.repeat(11));
    await expect(checkWorkbookSize(p, limits, 1048576)).rejects.toThrow(
      'The text of this workbook unpacks to more than 1 MB, more than an import may hold. It may be damaged or built to overload servers',
    );
    await expect(checkWorkbookSize(p, limits, 2 * 1048576)).resolves.toMatchObject({ sheets: expect.any(Map) });
  });
});

describe('spreadsheets the portal writes', () => {
  it('neutralises values that would run as formulas', () => {
    expect(['=1+2', '+1', '-2', '@SUM(A1)', '\t=x', 'ann', 'a=b'].map(neutralise)).toEqual(["'=1+2", "'+1", "'-2", "'@SUM(A1)", "'\t=x", 'ann', 'a=b']);
  });

  it('neutralises a formula behind a control character (which the writer drops) and full-width formula signs', () => {
    // exceljs leaves control characters out of the XML: "\u0001=x" would be written as "=x".
    expect(['\u0001=HYPERLINK("http://evil.test")', '\u007f+1', '\u0000\u0008-2'].map(neutralise)).toEqual(["'=HYPERLINK(\"http://evil.test\")", "'+1", "'-2"]);
    expect(['\uff1dSUM(A1)', '\uff0b1', '\uff0d1', '\uff20x', '\r=x'].map(neutralise)).toEqual(["'\uff1dSUM(A1)", "'\uff0b1", "'\uff0d1", "'\uff20x", "'\r=x"]);
    // Not characters XML may hold: a report carrying one would not open in Excel.
    expect(neutralise('An\ufffen\uffff\ud800a')).toBe('Anna');
    expect(neutralise('Zoë 😀')).toBe('Zoë 😀');
  });

  it('writes the template with the headers and a sheet of valid roles and environments, neutralised', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of templateStream(
      [{ id: '1', name: '=cmd()', builtIn: false, permissions: [], requiredFields: [{ label: 'Badge', key: 'badge' }], allEnvironments: false }],
      [{ name: 'Production' }],
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
