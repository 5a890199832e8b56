// Text that a spreadsheet would run as a formula ("CSV injection"), for every file the portal writes:
// the users and audit CSV exports, the import template and report. Excel, LibreOffice and Sheets start
// a formula at = + - @, and some locales also at their full-width forms; blanks or control characters
// in front do not stop them everywhere, and a value opening with a tab or carriage return is treated
// as one too (OWASP). A leading apostrophe makes them show the text instead.
const FORMULA = /^(?:[\t\r]|[\p{Cc}\p{Cf}\p{Zs}]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/u;

/** The text, with a leading apostrophe when a spreadsheet could run it as a formula. */
export const neutraliseFormula = (text: string) => (FORMULA.test(text) ? `'${text}` : text);

/** A cell read back from a file the portal wrote (a report or an export, fixed and uploaded again): without the apostrophe neutraliseFormula added. */
export const unneutraliseFormula = (text: string) => (text.startsWith("'") && FORMULA.test(text.slice(1)) ? text.slice(1) : text);

/** One CSV cell: neutralised, quoted (always), quotes doubled. */
export function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return `"${neutraliseFormula(text).replace(/"/g, '""')}"`;
}

/** One CSV line, CR LF ended (RFC 4180). */
export const csvLine = (cells: readonly unknown[]) => `${cells.map(csvCell).join(',')}\r\n`;
