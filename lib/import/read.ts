// Reading an uploaded import file, streaming, as rows of text cells: .xlsx through exceljs's streaming
// reader (cached formula results, never evaluated; dates and numbers as text), .csv through csv-parse
// (quotes, BOM, ";" or "," detected). Anything that is not what its name says is refused with a message.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import unzipper, { type Entry } from 'unzipper';
import { AppError } from '@/lib/errors';

export type FileKind = 'xlsx' | 'csv';
export type ReadLimits = { maxRows: number; maxUnpackedBytes: number };

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
    if (bytes.includes(0)) throw bad('This file is named .csv but is not text. Save the sheet as CSV (UTF-8) and upload that.');
  }
}

/**
 * Unpacks every part of the workbook once, counting bytes as they come out, so a zip bomb is stopped
 * at the limit instead of filling memory or disk; also proves the zip is whole before anything is read.
 */
export async function checkWorkbookSize(path: string, maxUnpackedBytes: number): Promise<void> {
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
  const zip = createReadStream(path).pipe(unzipper.Parse({ forceStream: true }));
  try {
    for await (const entry of zip as AsyncIterable<Entry>) {
      if (entry.path === 'xl/workbook.xml') sawWorkbook = true;
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > maxUnpackedBytes) {
          zip.destroy();
          throw bad(`This workbook unpacks to more than ${Math.round(maxUnpackedBytes / 1048576)} MB, which is more than an import may hold. It may be damaged or built to overload servers.`);
        }
      }
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw bad('This workbook is damaged and cannot be read. Open it in Excel, save it again as .xlsx, and upload it again.');
  }
  if (!sawWorkbook) throw bad('This file is a zip archive but not an Excel workbook. Save it from Excel as .xlsx.');
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

async function* readXlsx(path: string, limits: ReadLimits): AsyncGenerator<string[]> {
  await checkWorkbookSize(path, limits.maxUnpackedBytes);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  let rows = 0;
  try {
    // Only the first sheet holds users (the template's second sheet lists roles and environments).
    for await (const sheet of reader) {
      let expected = 1;
      for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
        // Empty rows are left out by the reader: keep row numbers true to the file.
        for (; expected < row.number; expected++) yield [];
        expected = row.number + 1;
        const values = row.values as ExcelJS.CellValue[];
        const cells: string[] = [];
        for (let i = 1; i < values.length; i++) cells.push(cellText(values[i] ?? null));
        if (++rows > limits.maxRows + 1) throw tooManyRows(limits.maxRows);
        yield cells;
      }
      break;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw bad('This workbook is damaged and cannot be read. Open it in Excel, save it again as .xlsx, and upload it again.');
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

async function* readCsv(path: string, limits: ReadLimits): AsyncGenerator<string[]> {
  const handle = await open(path, 'r');
  const head = Buffer.alloc(65536);
  const { bytesRead } = await handle.read(head, 0, head.length, 0).finally(() => handle.close());
  const firstLine = head.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0] ?? '';
  const parser = createReadStream(path).pipe(
    parse({ bom: true, delimiter: detectDelimiter(firstLine), relax_column_count: true, skip_empty_lines: false, relax_quotes: false }),
  );
  let rows = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (++rows > limits.maxRows + 1) throw tooManyRows(limits.maxRows);
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
