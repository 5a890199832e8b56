// Reading an uploaded import file, streaming, as rows of text cells: .xlsx through exceljs's streaming
// reader (cached formula results, never evaluated; dates and numbers as text), .csv through csv-parse
// (quotes, BOM, ";" or "," detected). Anything that is not what its name says is refused with a message.
// What a file may cost is bounded by its real content: columns past MAX_COLUMNS are not read, and the
// parts a reader would hold whole in memory (a workbook's shared strings, a CSV line) are capped first.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, Transform } from 'node:stream';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import unzipper, { type Entry } from 'unzipper';
import { AppError } from '@/lib/errors';

export type FileKind = 'xlsx' | 'csv';
export type ReadLimits = { maxRows: number; maxUnpackedBytes: number };

/**
 * Columns past this one are not read (the users sheet needs a dozen): a row with a cell in XFD, the
 * 16,384th column, would otherwise cost 16,384 cells to read, check and store.
 */
export const MAX_COLUMNS = 256;

/** Excel's last column: a CSV line with more fields than this was saved by no spreadsheet. */
const MAX_CSV_FIELDS = 16_384;

/**
 * exceljs holds a workbook's shared-strings table (every distinct text of every sheet) in memory before
 * reading a row, so the table is capped while it is unpacked: in bytes, and in strings and formatted
 * runs, one object each. 8 per row is more than a 200,000-row file of 6-8 text columns can need; the
 * 10,000 more cover the header and other sheets (the template's roles and environments).
 */
export const MAX_SHARED_STRINGS_BYTES = 64 * 1048576;
export const maxSharedStrings = (maxRows: number) => 8 * maxRows + 10_000;

const bad = (message: string) => new AppError('invalid', message);

/** The kind of file its name promises; anything else is refused. */
export function kindOf(fileName: string): FileKind {
  const ext = fileName.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  if (ext === 'xlsx') return 'xlsx';
  if (ext === 'csv') return 'csv';
  if (ext === 'xls') throw bad('Old .xls workbooks cannot be read. Open the file in Excel and save it as .xlsx (Excel Workbook).');
  throw bad('Upload an .xlsx or .csv file.');
}

/** Checks that the first bytes match the name: a zip for .xlsx, text for .csv. */
export async function sniff(path: string, kind: FileKind): Promise<void> {
  const handle = await open(path, 'r');
  const head = Buffer.alloc(4096);
  const { bytesRead } = await handle.read(head, 0, head.length, 0).finally(() => handle.close());
  const bytes = head.subarray(0, bytesRead);
  if (bytesRead === 0) throw bad('The file is empty. Add a header row and one row per user.');
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  const isOle = bytes.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]));
  if (kind === 'xlsx') {
    if (isOle)
      throw bad('This workbook is password-protected (encrypted) or an old .xls file. Remove the password or save it as .xlsx, then upload it again.');
    if (!isZip) throw bad('This file is named .xlsx but is not an Excel workbook. Save it from Excel as .xlsx, or as .csv and upload that.');
  } else {
    if (isZip || isOle) throw bad('This file is named .csv but is an Excel workbook. Rename it to .xlsx, or save it as CSV.');
    if (bytes.includes(0) && !utf16Of(bytes)) throw bad('This file is named .csv but is not text. Save the sheet as CSV (UTF-8) and upload that.');
  }
}

/**
 * The encoding a byte-order mark announces for UTF-16 text (Excel's "Unicode Text", tab-separated,
 * which people rename to .csv), or null: without a mark, text is read as UTF-8.
 */
export function utf16Of(head: Buffer): 'utf-16le' | 'utf-16be' | null {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return null;
}

/** UTF-16 text as UTF-8, chunk by chunk (a character cut between chunks waits for the rest); the mark is dropped. */
async function* toUtf8(source: AsyncIterable<Buffer>, encoding: 'utf-16le' | 'utf-16be'): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder(encoding);
  for await (const chunk of source) yield Buffer.from(decoder.decode(chunk, { stream: true }), 'utf8');
  const rest = decoder.decode();
  if (rest) yield Buffer.from(rest, 'utf8');
}

/**
 * Counts the strings (<si>) and formatted runs (<r>) of a shared-strings table as its chunks come out. A
 * tag cut between two chunks is counted once, with the second: the last 3 characters wait for it.
 */
export function sharedStringsCounter(): (chunk: Buffer) => number {
  const tag = /<(?:si|r)[\s/>]/g;
  let carry = '';
  return (chunk) => {
    // latin1 keeps one character per byte; no byte of a multi-byte UTF-8 character is ASCII.
    const text = carry + chunk.toString('latin1');
    const end = text.length - 3;
    let count = 0;
    for (const match of text.matchAll(tag)) if (match.index < end) count++;
    carry = text.slice(Math.max(end, 0));
    return count;
  };
}

/** A merged range that spans rows, as "D2:D5" with its last row. */
export type VerticalMerge = { ref: string; lastRow: number };

/**
 * Finds the merged ranges (<mergeCell ref="A1:B2"/>) of a worksheet's XML that span more than one row,
 * as its chunks come out; a tag cut between two chunks is found whole in the next one. exceljs's
 * streaming reader ignores merges: every row of a merged range but its first reads as empty.
 */
export function verticalMergeFinder(): { push: (chunk: Buffer) => void; found: VerticalMerge[] } {
  const tag = /<mergeCell\b[^>]*?\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"[^>]*>/g;
  const found: VerticalMerge[] = [];
  let carry = '';
  return {
    found,
    push(chunk) {
      const text = carry + chunk.toString('latin1');
      let end = 0;
      for (const match of text.matchAll(tag)) {
        end = match.index + match[0].length;
        const [, c1, r1, c2, r2] = match;
        if (r1 !== r2 && found.length < 100) found.push({ ref: `${c1}${r1}:${c2}${r2}`, lastRow: Number(r2) });
      }
      // What may be the start of a tag cut by the chunk's end waits for the next chunk.
      const open = text.lastIndexOf('<');
      carry = open >= end && text.length - open < 200 ? text.slice(open) : '';
    },
  };
}

/** A worksheet as the workbook names it: its tab's name and whether the tab is hidden. */
export type SheetInfo = { name: string; hidden: boolean; merges: VerticalMerge[] };

const xmlText = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!);
const attribute = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];

/** Each worksheet part's number (xl/worksheets/sheetN.xml) with its tab's name and visibility, from the workbook and its relationships. */
function sheetsOf(workbookXml: string, relsXml: string): Map<string, { name: string; hidden: boolean }> {
  const targets = new Map<string, string>();
  for (const [tag] of relsXml.matchAll(/<Relationship\b[^>]*>/g)) {
    const id = attribute(tag, 'Id');
    const sheetNo = /worksheets\/sheet(\d+)\.xml$/.exec(attribute(tag, 'Target') ?? '')?.[1];
    if (id && sheetNo) targets.set(id, sheetNo);
  }
  const sheets = new Map<string, { name: string; hidden: boolean }>();
  for (const [tag] of workbookXml.matchAll(/<(?:\w+:)?sheet\b[^>]*>/g)) {
    const sheetNo = targets.get(attribute(tag, '\\w+:id') ?? '');
    const state = attribute(tag, 'state');
    if (sheetNo) sheets.set(sheetNo, { name: xmlText(attribute(tag, 'name') ?? ''), hidden: state === 'hidden' || state === 'veryHidden' });
  }
  return sheets;
}

/** The workbook's description of its sheets is small; anything past this is not one. */
const MAX_WORKBOOK_XML = 4 * 1048576;

/**
 * Unpacks every part of the workbook once, counting bytes as they come out, so a zip bomb is stopped
 * at the limit instead of filling memory or disk, and so is a shared-strings table exceljs could not
 * hold (its byte cap is lower in tests); also proves the zip is whole before anything is read. Returns
 * each worksheet's tab name, visibility and merged ranges that span rows, by its part's number
 * (xl/worksheets/sheetN.xml): exceljs's streaming reader knows names and visibility only when the
 * workbook part comes before the sheets in the zip, and never knows merges.
 */
export async function checkWorkbookSize(
  path: string,
  limits: ReadLimits,
  maxSharedStringsBytes = MAX_SHARED_STRINGS_BYTES,
): Promise<{ sheets: Map<string, SheetInfo>; sizes: Map<string, number> }> {
  const { maxUnpackedBytes } = limits;
  const maxStrings = maxSharedStrings(limits.maxRows);
  // A whole zip ends with its directory's end record (within the last 64 KiB + 22 bytes); a cut-off one
  // does not, and a streaming unzip would wait for the rest forever.
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  const tail = Buffer.alloc(Math.min(size, 65_557));
  await handle.read(tail, 0, tail.length, size - tail.length).finally(() => handle.close());
  if (tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) < 0)
    throw bad('This workbook is damaged (it looks cut off) and cannot be read. Open it in Excel, save it again as .xlsx, and upload it again.');
  let total = 0;
  let sawWorkbook = false;
  const merges = new Map<string, VerticalMerge[]>();
  const described = { workbook: '', rels: '' };
  const sizes = new Map<string, number>();
  const file = createReadStream(path);
  const zip = file.pipe(unzipper.Parse({ forceStream: true }));
  try {
    for await (const entry of zip as AsyncIterable<Entry>) {
      if (entry.path === 'xl/workbook.xml') sawWorkbook = true;
      // The path exceljs's streaming reader takes the table from.
      const countStrings = entry.path === 'xl/sharedStrings.xml' ? sharedStringsCounter() : undefined;
      const sheetNo = /^xl\/worksheets\/sheet(\d+)\.xml$/.exec(entry.path)?.[1];
      const mergeFinder = sheetNo ? verticalMergeFinder() : undefined;
      if (sheetNo && mergeFinder) merges.set(sheetNo, mergeFinder.found);
      const part = entry.path === 'xl/workbook.xml' ? 'workbook' : entry.path === 'xl/_rels/workbook.xml.rels' ? 'rels' : undefined;
      let bytes = 0;
      let strings = 0;
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        total += chunk.length;
        bytes += chunk.length;
        sizes.set(entry.path, bytes);
        if (total > maxUnpackedBytes) {
          zip.destroy();
          throw bad(`This workbook unpacks to more than ${Math.round(maxUnpackedBytes / 1048576)} MB, which is more than an import may hold. It may be damaged or built to overload servers.`);
        }
        mergeFinder?.push(chunk);
        if (part && bytes <= MAX_WORKBOOK_XML) described[part] += chunk.toString('utf8');
        if (!countStrings) continue;
        strings += countStrings(chunk);
        if (bytes > maxSharedStringsBytes || strings > maxStrings) {
          zip.destroy();
          const what =
            bytes > maxSharedStringsBytes
              ? `The text of this workbook unpacks to more than ${Math.round(maxSharedStringsBytes / 1048576)} MB`
              : `This workbook holds more than ${maxStrings.toLocaleString('en')} pieces of text`;
          throw bad(`${what}, more than an import may hold. It may be damaged or built to overload servers; if not, save the users sheet as .csv and upload that.`);
        }
      }
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw bad('This workbook is damaged and cannot be read. Open it in Excel, save it again as .xlsx, and upload it again.');
  } finally {
    // Destroying the unzip stream leaves the file it reads open (until the process exits, the disk space of a deleted upload too).
    file.destroy();
  }
  if (!sawWorkbook) throw bad('This file is a zip archive but not an Excel workbook. Save it from Excel as .xlsx.');
  const tabs = sheetsOf(described.workbook, described.rels);
  const sheets = new Map([...merges].map(([sheetNo, found]) => [sheetNo, { name: tabs.get(sheetNo)?.name ?? `Sheet${sheetNo}`, hidden: tabs.get(sheetNo)?.hidden ?? false, merges: found }]));
  return { sheets, sizes };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A cell as text: the cached result of a formula, dates as YYYY-MM-DD, numbers as written. */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date)
    return `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('formula' in value || 'sharedFormula' in value) {
    const result = (value as { result?: unknown }).result;
    if (result && typeof result === 'object' && 'error' in result) return '';
    return cellText((result ?? null) as ExcelJS.CellValue);
  }
  if ('hyperlink' in value) return String(value.text ?? '');
  if ('error' in value) return '';
  return '';
}

type WorkbookParts = {
  model?: unknown;
  sharedStrings?: unknown[];
  workbookRels?: unknown[];
  _parseWorkbook(entry: NodeJS.ReadableStream): Promise<void>;
  _parseRels(entry: NodeJS.ReadableStream): Promise<void>;
  _parseStyles(entry: NodeJS.ReadableStream): Promise<void>;
  _parseSharedStrings(entry: NodeJS.ReadableStream): AsyncGenerator<unknown>;
};

/**
 * Gives exceljs's streaming reader the workbook's parts that describe its sheets (the workbook, its
 * relationships, the styles and the shared strings) before the sheets, read by random access from the
 * zip's directory. Excel and exceljs write the shared strings after the sheets; without them first,
 * exceljs copies each sheet that comes before them, unpacked, to a temporary file, and deletes it only
 * once every sheet was read (or at exit): a read that stops at the users' sheet, or at an error, left a
 * copy of the whole sheet (every name and email of the file) in the temporary directory. Met again in
 * the stream, those parts are passed over. `sizes` are the parts' sizes as checkWorkbookSize unpacked
 * them: a part the zip's directory makes longer (a crafted zip whose directory names other bytes than
 * its entries in order) is refused as damaged, never held.
 */
async function preloadWorkbookParts(workbookReader: ExcelJS.stream.xlsx.WorkbookReader, path: string, sizes: Map<string, number>) {
  const reader = workbookReader as unknown as WorkbookParts;
  const { files } = await unzipper.Open.file(path);
  const part = (name: string) => {
    const found = files.find((f) => f.path === name);
    if (!found) return undefined;
    const max = sizes.get(name) ?? 0;
    let bytes = 0;
    const limited = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done(bytes > max ? new Error(`${name} is longer than the part checked`) : null, chunk);
      },
    });
    pipeline(found.stream(), limited, () => {});
    return limited;
  };
  const workbook = part('xl/workbook.xml');
  // exceljs looks up each sheet's tab in the workbook part (the tab is read from the SheetInfo instead).
  if (workbook) await reader._parseWorkbook(workbook);
  reader.model ??= { sheets: [] };
  const rels = part('xl/_rels/workbook.xml.rels');
  if (rels) await reader._parseRels(rels);
  const styles = part('xl/styles.xml');
  if (styles) await reader._parseStyles(styles);
  const strings = part('xl/sharedStrings.xml');
  if (strings) for await (const _ of reader._parseSharedStrings(strings));
  // Set, so that no sheet waits for them in a temporary file.
  reader.sharedStrings ??= [];
  reader.workbookRels ??= [];
  Object.assign(reader, {
    _parseWorkbook: async () => {},
    _parseRels: async () => {},
    _parseStyles: async () => {},
    _parseSharedStrings: async function* () {},
  });
}

async function* readXlsx(path: string, limits: ReadLimits): AsyncGenerator<string[]> {
  const { sheets, sizes } = await checkWorkbookSize(path, limits);
  // The reader is given the file as a stream of ours, to close when done: it stops at the users' sheet,
  // and left to itself keeps the file it opened open.
  const file = createReadStream(path);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  let rows = 0;
  try {
    await preloadWorkbookParts(reader, path, sizes);
    // The users are on the first visible sheet with any text (the template's second sheet lists roles
    // and environments): a hidden helper sheet or an empty "Sheet1" before it is passed over.
    for await (const sheet of reader) {
      // The sheet's part number (xl/worksheets/sheetN.xml), under which its tab and merges are kept.
      const sheetNo = String((sheet as unknown as { id: string | number }).id);
      const { name, hidden, merges: merged } = sheets.get(sheetNo) ?? { name: `Sheet${sheetNo}`, hidden: false, merges: [] };
      // exceljs widens the sheet's dimensions at each row by walking every column up to the row's last
      // cell (a millisecond a row for a cell in XFD); they are never used here.
      (sheet as unknown as { dimensions: ExcelJS.Range }).dimensions.expandRow = () => {};
      let expected = 1;
      let started = false;
      for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
        // A sheet passed over is still read through: the next one comes after it in the file.
        if (hidden) continue;
        // Cell by cell, up to the last one within the cap: row.values and row.eachCell would walk every
        // column up to the row's last cell, however far.
        let width = Math.min(row.cellCount, MAX_COLUMNS);
        while (width > 0 && !row.findCell(width)) width--;
        const cells = Array.from({ length: width }, (_, i) => cellText(row.findCell(i + 1)?.value ?? null));
        if (!started) {
          if (!cells.some((c) => c.trim())) continue;
          started = true;
          // Merged cells read as empty below their first row: a merged Role or Environments would give
          // the rows under it the default silently, so the file is refused before any row is checked.
          const spanning = merged.filter((m) => m.lastRow > row.number);
          if (spanning.length > 0)
            throw bad(
              `The sheet "${name}" has merged cells (${spanning.slice(0, 3).map((m) => m.ref).join(', ')}${spanning.length > 3 ? ', ...' : ''}): only the first row of a merged range holds its value. Unmerge them and fill in every row (in Excel: select the cells, then Home → Merge & Center), then upload the file again.`,
            );
        }
        // Empty rows are left out by the reader: keep row numbers true to the file.
        for (; expected < row.number; expected++) yield [];
        expected = row.number + 1;
        if (++rows > limits.maxRows + 1) throw tooManyRows(limits.maxRows);
        yield cells;
      }
      if (started) break;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw bad('This workbook is damaged and cannot be read. Open it in Excel, save it again as .xlsx, and upload it again.');
  } finally {
    file.destroy();
  }
}

const tooManyRows = (max: number) =>
  bad(`The file has more than ${max.toLocaleString('en')} rows, the most one import may hold. Split it into several files.`);

/** ";" when the header line has more semicolons than commas (outside quotes), else ",". */
export function detectDelimiter(firstLine: string): ',' | ';' | '\t' {
  const unquoted = firstLine.replace(/"[^"]*"/g, '');
  const count = (c: string) => unquoted.split(c).length - 1;
  const [comma, semicolon, tab] = [count(','), count(';'), count('\t')];
  if (tab > comma && tab > semicolon) return '\t';
  return semicolon > comma ? ';' : ',';
}

/**
 * Passes the file through, refusing a record with more fields than MAX_CSV_FIELDS before csv-parse builds
 * it whole (a 22 MB line of commas was half a gigabyte). Fields are counted as csv-parse will split them:
 * separators and line ends inside quotes belong to a cell ("" inside quotes flips twice, so it stays
 * inside), and a record ends at a line feed or a carriage return (old Mac "CSV" ends lines with CR alone).
 */
async function* notTooWide(source: AsyncIterable<Buffer>, delimiter: string): AsyncGenerator<Buffer> {
  const separator = delimiter.charCodeAt(0);
  let line = 1;
  let fields = 1;
  let quoted = false;
  let previous = 0;
  for await (const chunk of source) {
    for (const byte of chunk) {
      // Lines as an editor counts them, for the message: LF, CR, or CR LF once.
      if (byte === 0x0a ? previous !== 0x0d : byte === 0x0d) line++;
      previous = byte;
      if (byte === 0x22) quoted = !quoted;
      else if (quoted) continue;
      else if (byte === 0x0a || byte === 0x0d) fields = 1;
      else if (byte === separator && ++fields > MAX_CSV_FIELDS)
        throw bad(`Line ${line} of this CSV file has more than ${MAX_CSV_FIELDS.toLocaleString('en')} columns, more than any spreadsheet holds. It may be damaged or built to overload servers.`);
    }
    yield chunk;
  }
}

async function* readCsv(path: string, limits: ReadLimits): AsyncGenerator<string[]> {
  const handle = await open(path, 'r');
  const head = Buffer.alloc(65536);
  const { bytesRead } = await handle.read(head, 0, head.length, 0).finally(() => handle.close());
  const encoding = utf16Of(head.subarray(0, bytesRead));
  const text = encoding ? new TextDecoder(encoding).decode(head.subarray(0, bytesRead & ~1)) : head.subarray(0, bytesRead).toString('utf8');
  // Told by the header: the first line with any text, as the check takes it (blank lines may come first).
  const header = text.replace(/^\uFEFF/, '').split(/\r\n?|\n/).find((line) => line.trim()) ?? '';
  const delimiter = detectDelimiter(header);
  // pipeline, not pipe: a refusal from notTooWide reaches the loop below instead of leaving it waiting.
  // Each line may end its own way (rows pasted together from several files): left to itself, csv-parse
  // takes the first line end it meets for the whole file, and reads a line ended otherwise into the next.
  const parser = pipeline(
    createReadStream(path),
    (source: AsyncIterable<Buffer>) => (encoding ? toUtf8(source, encoding) : source),
    (source: AsyncIterable<Buffer>) => notTooWide(source, delimiter),
    parse({ bom: true, delimiter, record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true, skip_empty_lines: false, relax_quotes: false }),
    () => {},
  );
  let rows = 0;
  try {
    for await (const full of parser as AsyncIterable<string[]>) {
      if (++rows > limits.maxRows + 1) throw tooManyRows(limits.maxRows);
      const record = full.slice(0, MAX_COLUMNS);
      // Bytes that are not UTF-8 decode to U+FFFD: names would be saved garbled, so refuse instead.
      if (record.some((cell) => cell.includes('\uFFFD')))
        throw bad(`Line ${rows} of this CSV file is not UTF-8 text (accented letters would be garbled). In Excel choose "Save as" → "CSV UTF-8", then upload it again.`);
      yield record.length === 1 && record[0] === '' ? [] : record;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    const detail = error instanceof Error && 'lines' in error ? ` near line ${(error as { lines: number }).lines}` : '';
    throw bad(`This CSV file cannot be read${detail}: check for an unclosed quote. Save it from your spreadsheet as CSV (UTF-8) and upload it again.`);
  }
}

/** The file's rows, header first, each a list of text cells. */
export async function* readRows(path: string, kind: FileKind, limits: ReadLimits): AsyncGenerator<string[]> {
  await sniff(path, kind);
  yield* kind === 'xlsx' ? readXlsx(path, limits) : readCsv(path, limits);
}
