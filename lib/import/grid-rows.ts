// The import grid's rows outside React: its columns, the CSV it is checked as, the row numbers shown
// for a check, and a checked import put back in the grid. The grid is sent with every row it shows
// (empty ones too) under a header line, so grid row n is file row n + 1; a file keeps its own numbers
// (the header is row 1).
import type { RequiredField } from '@/db/schema';
import { BASE_COLUMNS, matchColumns, profileColumns } from './columns';

/** The source name of an import typed or pasted in the grid (sent as CSV). */
export const GRID_SOURCE = 'the grid';
/** How an import's source is shown: its file name, or where typed rows came from. */
export const sourceLabel = (source: string) => (source === GRID_SOURCE ? 'Rows typed in the grid' : source);

/** One line of the grid: values by column header, errors by column header, and, when it came from an uploaded file, that file's row number. */
export type GridRow = { id: number; values: Record<string, string>; errors?: Record<string, string>; fileRow?: number };

/** A role as the grid knows it. */
export type GridRole = { name: string; requiredFields: { label: string; key: string }[]; allEnvironments: boolean };

/** The grid's first columns, by header. */
export const BASE_HEADERS = BASE_COLUMNS.map((c) => c.header);
const isEmpty = (row: GridRow) => !Object.values(row.values).some((v) => v.trim());
/** A row's role: an empty Role cell means the default role, as on the Add form. */
const roleOf = (row: GridRow, defaultRole: string) => (row.values.Role ?? '').trim() || defaultRole;

/** The grid's columns: the base ones, then each required field of the roles the rows use. */
export function gridColumns(rows: GridRow[], roles: GridRole[], defaultRole = ''): string[] {
  const used = new Set(rows.map((r) => roleOf(r, defaultRole).toLowerCase()).filter(Boolean));
  const extra: string[] = [];
  for (const role of roles)
    if (used.has(role.name.toLowerCase())) for (const f of role.requiredFields) if (!extra.includes(f.label)) extra.push(f.label);
  return [...BASE_HEADERS, ...extra];
}

/**
 * As CSV (RFC 4180), for the upload route. Empty rows between filled ones are sent too (the check
 * skips them), so grid row n is the file's row n + 1 and the check's row numbers are the grid's.
 * An empty Role cell is sent empty, as in a file: the check gives a new user the default role and
 * leaves an existing user's role as it is (sending the default would demote them).
 */
export function toCsv(columns: string[], rows: GridRow[]): string {
  const quote = (v: string) => (/[",;\t\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [columns.map(quote).join(',')];
  const last = rows.findLastIndex((r) => !isEmpty(r));
  for (const r of rows.slice(0, last + 1)) {
    const values: Record<string, string> = isEmpty(r) ? {} : r.values;
    lines.push(columns.map((c) => quote(values[c] ?? '')).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The number to show for a stored row: the grid's for a grid check, the file's otherwise. */
export const shownRowNo = (source: string, rowNo: number) => (source === GRID_SOURCE ? rowNo - 1 : rowNo);

type StoredRow = { rowNo: number; cells: string[]; errors: { column: string; message: string }[] | null };

/**
 * A checked import as grid rows. A grid check puts each row back on its own line (empty lines
 * between rows come back empty), so the numbers of the error list still point at the right rows. A
 * file's rows are listed in order, each carrying its file row number. A column with several problems
 * shows them all.
 */
export function checkedGridRows(
  job: { source: string; headers: string[] },
  stored: StoredRow[],
  roles: readonly { requiredFields: readonly RequiredField[] }[],
): GridRow[] {
  const profile = profileColumns(roles);
  const map = matchColumns(job.headers, profile);
  const columns: [string, number][] = [
    ...BASE_COLUMNS.map((c) => [c.header, map.base[c.field]] as const),
    ...profile.map((f) => [f.label, map.profile[f.key]] as const),
  ].filter((c): c is [string, number] => c[1] !== undefined);
  const toGrid = (r: StoredRow, id: number): GridRow => {
    const values = Object.fromEntries(columns.map(([label, index]) => [label, r.cells[index] ?? '']));
    let errors: Record<string, string> | undefined;
    for (const e of r.errors ?? []) {
      errors ??= {};
      errors[e.column] = errors[e.column] ? `${errors[e.column]} ${e.message}` : e.message;
    }
    return { id, values, errors };
  };
  if (job.source !== GRID_SOURCE) return stored.map((r, i) => ({ ...toGrid(r, -(i + 1)), fileRow: r.rowNo }));
  const grid: GridRow[] = [];
  for (const r of stored) {
    const line = shownRowNo(job.source, r.rowNo);
    while (grid.length < line - 1) grid.push({ id: -(grid.length + 1), values: {} });
    grid.push(toGrid(r, -line));
  }
  return grid;
}
