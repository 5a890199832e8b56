// The spreadsheets the portal writes: the import template and an import's result report. Written with
// exceljs's streaming writer (flat memory at 200,000 rows). Every text that Excel could take for a
// formula (starting with = + - @ or their full-width forms, or a tab or carriage return before one) is
// neutralised.
import { PassThrough, type Readable } from 'node:stream';
import { and, asc, eq, gt } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import type { Queryable } from '@/db/client';
import { neutraliseFormula } from '@/lib/spreadsheet-safety';
import { importRows, type ImportJob } from '@/db/schema';
import { BASE_COLUMNS, profileColumns } from './columns';
import { GRID_SOURCE, shownRowNo } from './grid-rows';
import type { ImportEnvironment, ImportRole } from './validate';

// What XML cannot hold: the writer drops the control characters itself (so "\u0001=x" would reach the
// sheet as "=x"), and noncharacters or half a surrogate pair would make the file one Excel will not open.
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]|\p{Cs}/gu;

/** The text as a cell can hold it, neutralised if a spreadsheet could run it (lib/spreadsheet-safety.ts). */
export const neutralise = (value: string) => neutraliseFormula(value.replace(NOT_XML, ''));

function workbookStream(build: (workbook: ExcelJS.stream.xlsx.WorkbookWriter) => Promise<void>): Readable {
  const out = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  build(workbook)
    .then(() => workbook.commit())
    .catch((error) => out.destroy(error instanceof Error ? error : new Error(String(error))));
  return out;
}

const bold = { font: { bold: true } };

/** The template: the grid's headers (with the required fields of the roles given) and a sheet of valid values. */
export function templateStream(roles: ImportRole[], environments: Pick<ImportEnvironment, 'name'>[]): Readable {
  return workbookStream(async (workbook) => {
    const users = workbook.addWorksheet('Users', { views: [{ state: 'frozen', ySplit: 1 }] });
    const headers = [...BASE_COLUMNS.map((c) => c.header), ...profileColumns(roles).map((f) => f.label)];
    users.columns = headers.map((h) => ({ header: neutralise(h), width: Math.max(14, h.length + 4) }));
    users.getRow(1).font = bold.font;
    users.getRow(1).commit();
    await users.commit();

    const values = workbook.addWorksheet('Roles and environments');
    values.columns = [
      { header: 'Role', width: 24 },
      { header: 'Required fields', width: 40 },
      { header: 'Reaches every environment', width: 26 },
      { header: '', width: 4 },
      { header: 'Environment', width: 28 },
    ];
    values.getRow(1).font = bold.font;
    values.getRow(1).commit();
    const n = Math.max(roles.length, environments.length);
    for (let i = 0; i < n; i++) {
      const role = roles[i];
      const environment = environments[i];
      values
        .addRow([
          role ? neutralise(role.name) : '',
          role ? neutralise(role.requiredFields.map((f) => f.label).join(', ')) : '',
          role ? (role.allEnvironments ? 'Yes' : 'No') : '',
          '',
          environment ? neutralise(environment.name) : '',
        ])
        .commit();
    }
    values
      .addRow([])
      .commit();
    values.addRow(['Environments: names separated by ";". Tags: Name=Value pairs separated by ";". Leave Environments empty for your current environment, and Role empty for the User role; when updating existing users, an empty Role, Environments or Tags keeps theirs.']).commit();
    await values.commit();
  });
}

const OUTCOME_LABEL: Record<string, string> = {
  created: 'Created',
  updated: 'Updated',
  unchanged: 'Unchanged',
  skipped: 'Skipped',
  'not imported': 'Not imported',
};

/** What happened to a row: rows of committed batches that went as planned carry no outcome of their own. */
export function rowOutcome(row: { rowNo: number; kind: string; outcome: string | null; message: string | null }, job: Pick<ImportJob, 'status' | 'nextRow' | 'sendInvitations'>) {
  if (row.outcome) return { outcome: OUTCOME_LABEL[row.outcome] ?? row.outcome, message: row.message ?? '' };
  if (row.kind === 'error') return { outcome: 'Not imported', message: row.message ?? '' };
  if (job.status === 'validated') return { outcome: row.kind === 'skip' ? 'Will be skipped' : row.kind === 'new' ? 'Will be created' : 'Will be updated', message: row.message ?? '' };
  if (row.kind === 'new' && row.rowNo < job.nextRow)
    return { outcome: 'Created', message: job.sendInvitations ? 'Created; invitation queued.' : 'Created; no invitation sent.' };
  return { outcome: 'Pending', message: row.message ?? '' };
}

/** The result report: every input row as read, then its outcome and the reason. Read in pages of 5,000. */
export function reportStream(q: Queryable, job: ImportJob): Readable {
  return workbookStream(async (workbook) => {
    const sheet = workbook.addWorksheet('Result', { views: [{ state: 'frozen', ySplit: 1 }] });
    // The row numbers the check page showed: the grid's for a grid check, the file's otherwise.
    const headers = [job.source === GRID_SOURCE ? 'Grid row' : 'Row', ...job.headers, 'Outcome', 'Message'];
    sheet.columns = headers.map((h, i) => ({ header: neutralise(h), width: i === 0 ? 8 : i === headers.length - 1 ? 60 : 18 }));
    sheet.getRow(1).font = bold.font;
    sheet.getRow(1).commit();
    const width = job.headers.length;
    for (let after = 0; ; ) {
      const page = await q
        .select({ rowNo: importRows.rowNo, cells: importRows.cells, kind: importRows.kind, outcome: importRows.outcome, message: importRows.message })
        .from(importRows)
        .where(and(eq(importRows.jobId, job.id), gt(importRows.rowNo, after)))
        .orderBy(asc(importRows.rowNo))
        .limit(5_000);
      if (page.length === 0) break;
      for (const row of page) {
        const cells = Array.from({ length: width }, (_, i) => neutralise(row.cells[i] ?? ''));
        const { outcome, message } = rowOutcome(row, job);
        sheet.addRow([shownRowNo(job.source, row.rowNo), ...cells, outcome, neutralise(message)]).commit();
      }
      after = page[page.length - 1]!.rowNo;
    }
    await sheet.commit();
  });
}
