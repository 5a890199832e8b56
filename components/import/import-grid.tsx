'use client';

import { useEffect, useMemo, useRef, useState, type ClipboardEvent, type ComponentProps, type KeyboardEvent } from 'react';
import { Button } from '@/components/ui/button';
import { BASE_COLUMNS, matchColumns } from '@/lib/import/columns';
import { BASE_HEADERS, gridColumns, type GridRole, type GridRow } from '@/lib/import/grid-rows';
import { cn } from '@/lib/utils';

export type { GridRole, GridRow };

let nextId = 1;
export const newRow = (values: Record<string, string> = {}, errors?: Record<string, string>): GridRow => ({ id: nextId++, values, errors });

/** Tab-separated text as copied from Excel, LibreOffice or Sheets (quoted cells may hold line breaks). */
export function parseClipboard(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  const endRow = () => {
    endCell();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === '\t') endCell();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) endRow();
  return rows;
}

export function ImportGrid({
  rows,
  onChange,
  roles,
  defaultRole,
  environments,
}: {
  rows: GridRow[];
  onChange: (rows: GridRow[]) => void;
  roles: GridRole[];
  /** What an empty Role cell means (the Add form's default). */
  defaultRole: string;
  environments: string[];
}) {
  const columns = useMemo(() => gridColumns(rows, roles, defaultRole), [rows, roles, defaultRole]);
  const fromFile = rows.some((r) => r.fileRow !== undefined);
  const table = useRef<HTMLTableElement>(null);

  // Between a phone and a wide screen the grid is wider than its frame: the frame then says so, which
  // way, and takes focus itself so the arrow keys scroll it (a cell's arrows move between cells).
  const frame = useRef<HTMLDivElement>(null);
  const [more, setMore] = useState({ left: false, right: false });
  useEffect(() => {
    const el = frame.current;
    if (!el) return;
    const measure = () => {
      const left = el.scrollLeft > 1;
      const right = el.scrollLeft + el.clientWidth < el.scrollWidth - 1;
      setMore((m) => (m.left === left && m.right === right ? m : { left, right }));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    if (table.current) observer.observe(table.current);
    el.addEventListener('scroll', measure, { passive: true });
    return () => {
      observer.disconnect();
      el.removeEventListener('scroll', measure);
    };
  }, []);
  const scrolls = more.left || more.right;

  const focusCell = (row: number, column: number) =>
    requestAnimationFrame(() => table.current?.querySelector<HTMLElement>(`[data-cell="${row}:${column}"]`)?.focus());

  const setCell = (rowIndex: number, column: string, value: string) =>
    onChange(
      rows.map((r, i) => {
        if (i !== rowIndex) return r;
        const errors = r.errors && { ...r.errors };
        if (errors) delete errors[column];
        return { ...r, values: { ...r.values, [column]: value }, errors };
      }),
    );

  const addRow = () => {
    onChange([...rows, newRow()]);
    focusCell(rows.length, 0);
  };

  const removeRow = (index: number) => {
    const next = rows.filter((_, i) => i !== index);
    onChange(next.length ? next : [newRow()]);
    focusCell(Math.max(0, Math.min(index, next.length - 1)), 0);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement | HTMLSelectElement>, row: number, column: number) => {
    const input = event.currentTarget;
    // In a select (Role), the up and down arrows choose the value; left and right always move.
    const choice = input instanceof HTMLSelectElement;
    const atStart = choice || (input.selectionStart === 0 && input.selectionEnd === 0);
    const atEnd = choice || (input.selectionStart === input.value.length && input.selectionEnd === input.value.length);
    let target: [number, number] | null = null;
    if (event.key === 'ArrowUp' && !choice && row > 0) target = [row - 1, column];
    else if (((event.key === 'ArrowDown' && !choice) || event.key === 'Enter') && row < rows.length - 1) target = [row + 1, column];
    else if (event.key === 'Enter' && row === rows.length - 1) {
      event.preventDefault();
      addRow();
      focusCell(row + 1, column);
      return;
    } else if (event.key === 'ArrowLeft' && atStart && column > 0) target = [row, column - 1];
    else if (event.key === 'ArrowRight' && atEnd && column < columns.length - 1) target = [row, column + 1];
    if (target) {
      event.preventDefault();
      focusCell(...target);
    }
  };

  /** A block pasted from a spreadsheet fills the grid from this cell; a header row places its columns by name. */
  const onPaste = (event: ClipboardEvent<HTMLInputElement | HTMLSelectElement>, row: number, column: number) => {
    const text = event.clipboardData.getData('text/plain');
    if (!/[\t\n]/.test(text.replace(/\r?\n$/, ''))) return;
    event.preventDefault();
    let block = parseClipboard(text);
    const allLabels = [...BASE_HEADERS, ...roles.flatMap((r) => r.requiredFields.map((f) => f.label))];
    const map = matchColumns(block[0] ?? [], roles.flatMap((r) => r.requiredFields));
    let targets: (string | undefined)[];
    if (map.missing.length < 4 && Object.keys(map.base).length >= 2) {
      // The block starts with its own headers: put each column where its name says.
      targets = (block[0] ?? []).map((_, i) => {
        const base = BASE_COLUMNS.find((c) => map.base[c.field] === i);
        if (base) return base.header;
        const key = Object.entries(map.profile).find(([, index]) => index === i)?.[0];
        return key ? roles.flatMap((r) => r.requiredFields).find((f) => f.key === key)?.label : undefined;
      });
      block = block.slice(1);
      row = rows.length === 1 && !Object.values(rows[0]!.values).some((v) => v.trim()) ? 0 : rows.length;
    } else targets = (block[0] ?? []).map((_, i) => columns[column + i] ?? allLabels[column + i]);
    const next = [...rows];
    block.forEach((cells, i) => {
      const index = row + i;
      next[index] ??= newRow();
      const values = { ...next[index]!.values };
      cells.forEach((value, j) => {
        const target = targets[j];
        if (target) values[target] = value.trim();
      });
      next[index] = { ...next[index]!, values, errors: undefined };
    });
    onChange(next);
  };

  return (
    <div className="relative rounded-lg bg-white shadow-sm ring-1 ring-slate-200 [contain:inline-size]">
      {scrolls && (
        <p id="grid-more" className="flex justify-between gap-2 border-b border-slate-100 px-3 py-1.5 text-xs text-slate-600">
          <span>{more.left && '← More columns to the left'}</span>
          <span>{more.right && 'More columns to the right →'}</span>
        </p>
      )}
      <div className="relative">
        <div
          ref={frame}
          role="region"
          aria-label="Users to import"
          aria-describedby={scrolls ? 'grid-more' : undefined}
          tabIndex={scrolls ? 0 : undefined}
          className="relative overflow-x-auto rounded-lg focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
        >
          <table ref={table} className="min-w-full text-sm" aria-describedby="grid-help">
            <caption className="sr-only">Users to import, one per row</caption>
            <thead className="bg-slate-50 text-left text-xs font-semibold text-slate-600">
              <tr>
                <th scope="col" className="w-10 px-2 py-2 text-right">
                  <span className="sr-only">Row</span>#
                </th>
                {fromFile && (
                  <th scope="col" className="px-2 py-2 text-right whitespace-nowrap">
                    File row
                  </th>
                )}
                {columns.map((c) => (
                  <th key={c} scope="col" className="min-w-36 px-1 py-2 font-semibold">
                    {c}
                  </th>
                ))}
                <th scope="col" className="w-10 px-1 py-2">
                  <span className="sr-only">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((r, rowIndex) => (
                <tr key={r.id}>
                  <th scope="row" className="px-2 text-right text-xs font-normal text-slate-500">
                    {rowIndex + 1}
                  </th>
                  {fromFile && (
                    <td className="px-2 text-right text-xs text-slate-600 tabular-nums">
                      {r.fileRow ?? <span className="sr-only">none</span>}
                    </td>
                  )}
                  {columns.map((c, columnIndex) => {
                    const error = r.errors?.[c];
                    const id = `cell-${r.id}-${columnIndex}`;
                    const value = r.values[c] ?? '';
                    const cell = {
                      id,
                      'data-cell': `${rowIndex}:${columnIndex}`,
                      onKeyDown: (e: KeyboardEvent<HTMLInputElement | HTMLSelectElement>) => onKeyDown(e, rowIndex, columnIndex),
                      onPaste: (e: ClipboardEvent<HTMLInputElement | HTMLSelectElement>) => onPaste(e, rowIndex, columnIndex),
                      'aria-label': `Row ${rowIndex + 1} ${c}`,
                      'aria-invalid': error ? true : undefined,
                      'aria-describedby': error ? `${id}-error` : undefined,
                      className: cn(
                        'w-full rounded border-0 bg-transparent px-2 py-1.5 ring-1 ring-slate-200 ring-inset placeholder:text-slate-400 hover:ring-slate-300 focus:bg-white focus:ring-2 focus:ring-indigo-600 focus:outline-none',
                        error && 'bg-red-50 ring-red-400',
                      ),
                    };
                    return (
                      <td key={c} className="p-0.5 align-top">
                        {c === 'Role' ? (
                          <RoleSelect {...cell} value={value} roles={roles} defaultRole={defaultRole} onChange={(e) => setCell(rowIndex, c, e.target.value)} />
                        ) : (
                          <input
                            {...cell}
                            value={value}
                            onChange={(e) => setCell(rowIndex, c, e.target.value)}
                            list={c === 'Environments' ? 'import-environments' : undefined}
                            // Text with the email keyboard, not type="email": an email input hides its caret
                            // (selectionStart is null), so the arrows could never leave the Email column.
                            type="text"
                            inputMode={c === 'Email' ? 'email' : undefined}
                            autoComplete="off"
                            spellCheck={false}
                            placeholder={c === 'Environments' ? 'Current' : c === 'Tags' ? 'Name=Value; …' : undefined}
                          />
                        )}
                        {error && (
                          <p id={`${id}-error`} className="px-2 pb-1 text-xs text-red-700">
                            {error}
                          </p>
                        )}
                      </td>
                    );
                  })}
                  <td className="px-1 align-top">
                    <button
                      type="button"
                      onClick={() => removeRow(rowIndex)}
                      className="rounded p-1.5 text-slate-500 hover:bg-slate-100 hover:text-red-700 focus-visible:outline-2 focus-visible:outline-indigo-600"
                      aria-label={`Remove row ${rowIndex + 1}`}
                    >
                      <span aria-hidden className="block size-4 text-base leading-4">×</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {/* A shade on each edge beyond which columns are hidden. */}
        {more.left && <div aria-hidden className="pointer-events-none absolute inset-y-0 left-0 w-6 bg-linear-to-r from-slate-900/10 to-transparent" />}
        {more.right && <div aria-hidden className="pointer-events-none absolute inset-y-0 right-0 w-6 bg-linear-to-l from-slate-900/10 to-transparent" />}
      </div>
      <datalist id="import-environments">
        {environments.map((e) => (
          <option key={e} value={e} />
        ))}
      </datalist>
      <div className="border-t border-slate-100 p-2">
        <Button type="button" variant="ghost" size="sm" onClick={addRow}>
          <span aria-hidden className="text-base leading-none">+</span> Add a row
        </Button>
      </div>
    </div>
  );
}

/**
 * The Role cell: the roles the importer may grant, with the empty choice standing for the default
 * role. A value typed or pasted that is no such role stays shown (the check says what is wrong).
 */
function RoleSelect({ value, roles, defaultRole, className, ...props }: ComponentProps<'select'> & { value: string; roles: GridRole[]; defaultRole: string }) {
  const known = roles.find((r) => r.name.toLowerCase() === value.trim().toLowerCase());
  const selected = known?.name ?? value;
  return (
    <select {...props} value={selected} className={cn(className, 'pr-7', !value && 'text-slate-500')}>
      <option value="">{defaultRole ? `${defaultRole} (default)` : 'Choose a role'}</option>
      {roles.map((r) => (
        <option key={r.name} value={r.name}>
          {r.name}
        </option>
      ))}
      {value && !known && <option value={value}>{value} (not a role you can grant)</option>}
    </select>
  );
}
