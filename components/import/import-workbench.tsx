'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { cn } from '@/lib/utils';
import { gridColumns, toCsv } from '@/lib/import/grid-rows';
import { ImportGrid, newRow, type GridRole, type GridRow } from './import-grid';

type Upload = { state: 'idle' } | { state: 'sending'; label: string; percent: number | null } | { state: 'error'; message: string };

/** Sends the body to the upload route (XHR, for upload progress); resolves with the new import's id. */
function send(body: Blob, name: string, options: { existing: string; source?: string }, onProgress: (percent: number | null) => void) {
  return new Promise<string>((resolve, reject) => {
    const query = new URLSearchParams({ name, existing: options.existing, ...(options.source ? { source: options.source } : {}) });
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/import?${query}`);
    xhr.setRequestHeader('x-userdesk-upload', '1');
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.lengthComputable && e.loaded < e.total ? Math.round((e.loaded / e.total) * 100) : null);
    xhr.onload = () => {
      let answer: { id?: string; detail?: string } = {};
      try {
        answer = JSON.parse(xhr.responseText) as typeof answer;
      } catch {
        // Not JSON: a proxy's error page; the generic message below says what to do.
      }
      if (xhr.status === 201 && answer.id) resolve(answer.id);
      else reject(new Error(answer.detail ?? `The upload failed (HTTP ${xhr.status}). Try again.`));
    };
    xhr.onerror = () => reject(new Error('The upload was interrupted. Check your connection and try again.'));
    xhr.send(body);
  });
}

export function ImportWorkbench({
  roles,
  defaultRole,
  environments,
  initialRows,
  loadedFrom,
  initialExisting,
  maxMb,
  maxRows,
}: {
  roles: GridRole[];
  defaultRole: string;
  environments: string[];
  initialRows: GridRow[];
  /** The check whose rows fill the grid, if any (its source name). */
  loadedFrom?: string;
  /** What to do with existing users: the choice of the check whose rows fill the grid, else skip. */
  initialExisting: 'skip' | 'update';
  maxMb: number;
  maxRows: number;
}) {
  const router = useRouter();
  const [rows, setRows] = useState<GridRow[]>(initialRows.length ? initialRows : [newRow()]);
  const [existing, setExisting] = useState(initialExisting);
  const [upload, setUpload] = useState<Upload>({ state: 'idle' });
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const ids = { existing: useId(), file: useId(), help: useId() };
  const busy = upload.state === 'sending';

  // Sent here to fix a check's rows ("Fix the rows in the grid"): start at the first cell to fix, not
  // at the page title, a radio group and a button away from it.
  useEffect(() => {
    if (loadedFrom) document.querySelector<HTMLElement>('[data-cell][aria-invalid="true"]')?.focus();
  }, [loadedFrom]);

  const submit = async (body: Blob, name: string, label: string, source?: string) => {
    setUpload({ state: 'sending', label, percent: null });
    try {
      const id = await send(body, name, { existing, source }, (percent) => setUpload({ state: 'sending', label, percent }));
      router.push(`/users/import/${id}`);
    } catch (error) {
      setUpload({ state: 'error', message: (error as Error).message });
    }
  };

  const validateGrid = () => {
    const filled = rows.filter((r) => Object.values(r.values).some((v) => v.trim()));
    if (filled.length === 0) {
      setUpload({ state: 'error', message: 'The grid is empty. Type or paste at least one user.' });
      return;
    }
    const csv = toCsv(gridColumns(rows, roles, defaultRole), rows);
    void submit(new Blob([csv], { type: 'text/csv' }), 'grid.csv', `Checking ${filled.length} ${filled.length === 1 ? 'row' : 'rows'}…`, 'grid');
  };

  const chooseFile = (file: File | undefined) => {
    if (!file) return;
    if (!/\.(xlsx|csv)$/i.test(file.name)) {
      setUpload({ state: 'error', message: `${file.name} is not an .xlsx or .csv file. Upload an Excel workbook (.xlsx) or a CSV file.` });
      return;
    }
    if (file.size > maxMb * 1048576) {
      setUpload({ state: 'error', message: `${file.name} is larger than ${maxMb} MB, the most one import may be. Split it into several files.` });
      return;
    }
    void submit(file, file.name, `Uploading and checking ${file.name}…`);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (!busy) chooseFile(event.dataTransfer.files[0]);
  };

  return (
    <div className="space-y-6">
      <fieldset className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
        <legend className="sr-only">Users who already exist</legend>
        <p className="text-sm font-medium text-slate-900" id={ids.existing}>
          When a row&apos;s email belongs to an existing user
        </p>
        <div className="mt-2 flex flex-wrap gap-x-6 gap-y-2 text-sm" role="radiogroup" aria-labelledby={ids.existing}>
          <label className="flex items-center gap-2">
            <input type="radio" name="existing" value="skip" checked={existing === 'skip'} onChange={() => setExisting('skip')} className="accent-indigo-600" />
            Skip the row
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="existing" value="update" checked={existing === 'update'} onChange={() => setExisting('update')} className="accent-indigo-600" />
            Update the user (names, role, environments, tags)
          </label>
        </div>
      </fieldset>

      {/* Each said once: the upload's progress by the polite region that is always there (the message has
          no role of its own), a refusal as an alert of its own, outside it. */}
      <div aria-live="polite" className="empty:sr-only">
        {upload.state === 'sending' && (
          <Alert tone="info" announce={false}>
            {upload.label}
            {upload.percent !== null && ` ${upload.percent}%`} Nothing is saved until you confirm the import.
          </Alert>
        )}
      </div>
      {upload.state === 'error' && <Alert tone="error">{upload.message}</Alert>}

      <section aria-labelledby="grid-title" className="space-y-3">
        <div className="flex flex-wrap items-end justify-between gap-2">
          <div>
            <h2 id="grid-title" className="text-base font-semibold text-slate-900">
              Type or paste users
            </h2>
            <p id="grid-help" className="text-sm text-slate-600">
              One user per row. Arrow keys and Tab move between cells; paste a block copied from a spreadsheet (with or without its header row).{' '}
              {defaultRole && `Role: pick one from the list (the up and down arrows change it); a new user left at "${defaultRole} (default)" gets the ${defaultRole} role; an existing user keeps their role. `}
              Environments: names separated by &quot;;&quot;, empty for your current environment.
            </p>
            {loadedFrom && (
              <p className="mt-1 text-sm text-slate-700">
                {rows.some((r) => r.fileRow !== undefined)
                  ? `These rows come from ${loadedFrom}. "File row" is each row's number in that file, as in the error list; the numbers at the left are the grid's, which the next check reports.`
                  : 'These are the rows you checked, each on its own line: the row numbers are those of the error list.'}
              </p>
            )}
          </div>
          {/* aria-disabled, never disabled, while it runs: a disabled button drops focus to the page body. */}
          <Button type="button" onClick={busy ? undefined : validateGrid} aria-disabled={busy || undefined}>
            Check rows
          </Button>
        </div>
        <ImportGrid rows={rows} onChange={setRows} roles={roles} defaultRole={defaultRole} environments={environments} />
        <p className="text-xs text-slate-600 sm:hidden">The grid is wider than the screen: swipe it sideways to reach every column.</p>
      </section>

      <section aria-labelledby="upload-title" className="space-y-3">
        <div className="flex flex-wrap items-end justify-between gap-2">
          <div>
            <h2 id="upload-title" className="text-base font-semibold text-slate-900">
              Or upload a file
            </h2>
            <p className="text-sm text-slate-600" id={ids.help}>
              An Excel workbook (.xlsx) or a CSV file, one user per row under a header row; up to {maxMb} MB and {maxRows.toLocaleString('en')} rows.
            </p>
          </div>
          <a href="/api/import/template" download className="text-sm font-medium text-indigo-700 hover:underline">
            Download template
          </a>
        </div>
        <div
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
          className={cn(
            'flex flex-col items-center justify-center gap-2 rounded-lg border-2 border-dashed px-6 py-8 text-center text-sm',
            dragging ? 'border-indigo-500 bg-indigo-50' : 'border-slate-300 bg-white',
          )}
        >
          <p className="text-slate-700">Drag a file here, or</p>
          <label htmlFor={ids.file} className={cn('cursor-pointer rounded-md bg-white px-3.5 py-2 font-medium text-slate-800 shadow-sm ring-1 ring-slate-300 ring-inset hover:bg-slate-50 focus-within:outline-2 focus-within:outline-indigo-600', busy && 'pointer-events-none opacity-60')}>
            Choose a file
            <input
              ref={fileInput}
              id={ids.file}
              type="file"
              accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
              className="sr-only"
              aria-describedby={ids.help}
              disabled={busy}
              onChange={(e) => {
                chooseFile(e.target.files?.[0]);
                e.target.value = '';
              }}
            />
          </label>
        </div>
      </section>
    </div>
  );
}
