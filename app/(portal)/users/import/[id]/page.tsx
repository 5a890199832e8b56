import { ChevronLeft } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { cache, type ReactNode } from 'react';
import { notFound } from 'next/navigation';
import { ImportProgress } from '@/components/import/import-progress';
import { IMPORT_OUTCOME_ID, ImportStatusBadge } from '@/components/import/import-status';
import { StartImportForm } from '@/components/import/start-import-form';
import { Alert } from '@/components/ui/alert';
import { Breakable } from '@/components/ui/breakable';
import { LocalTime } from '@/components/ui/local-time';
import { PageHeader } from '@/components/ui/page-header';
import { db } from '@/db';
import { hasPermission } from '@/lib/auth/permissions';
import { principalOf } from '@/lib/auth/principal';
import { getCurrentUser, requirePermission } from '@/lib/auth/session';
import { nullIfNotFound } from '@/lib/errors';
import { ignoredColumns } from '@/lib/import/columns';
import { GRID_SOURCE, shownRowNo, sourceLabel } from '@/lib/import/grid-rows';
import { errorRows, getImport, skippedRows } from '@/lib/import/jobs';
import { listRoles } from '@/lib/roles';
import { cancelImportAction, startImportAction } from '../actions';

// One lookup per request, shared by the title and the page: null when there is no such import the
// viewer may see (the 404, titled as other not-found pages are).
const visibleImport = cache(async (id: string) => {
  const viewer = await getCurrentUser();
  if (!viewer || !hasPermission(viewer, 'users.write')) return null;
  return nullIfNotFound(getImport(db, principalOf(viewer), id));
});

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const viewer = await getCurrentUser();
  // Someone who may not import gets the 403 page, titled after the area.
  if (!viewer || !hasPermission(viewer, 'users.write')) return { title: 'Import · Users' };
  return { title: (await visibleImport((await params).id)) ? 'Import · Users' : 'Import not found' };
}

const number = new Intl.NumberFormat('en');
const ROWS_SHOWN = 200;
const GRID_LIMIT = 1_000;

function Count({ label, value, tone }: { label: string; value: number; tone?: string }) {
  return (
    <div className="rounded-lg bg-white px-4 py-3 shadow-sm ring-1 ring-slate-200">
      <dt className="text-xs font-medium text-slate-600">{label}</dt>
      <dd className={`mt-1 text-2xl font-semibold tabular-nums ${tone ?? 'text-slate-900'}`}>{number.format(value)}</dd>
    </div>
  );
}

// Narrower padding on a phone, and long values (emails in messages) wrap: the lists fit a 390 px
// screen instead of scrolling sideways.
const cellX = 'px-3 sm:px-4';

/** A list of rows with one line per problem or reason: Row, then two columns of text. */
function RowsSection({ id, title, note, headers, children }: { id: string; title: string; note: string; headers: [string, string]; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="mb-6">
      <h2 id={id} className="mb-1 text-base font-semibold text-slate-900">
        {title}
      </h2>
      <p className="mb-3 text-sm text-slate-600">{note}</p>
      <div className="relative overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200 [contain:inline-size]">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">{title}</caption>
          <thead className="bg-slate-50 text-left text-xs font-semibold text-slate-600">
            <tr>
              <th scope="col" className={`w-14 ${cellX} py-2`}>Row</th>
              {/* Wide enough for a column's name ("Environments") or an email's start to stay whole on a phone;
                  longer values still wrap anywhere rather than widen the list. */}
              <th scope="col" className={`min-w-32 ${cellX} py-2`}>{headers[0]}</th>
              <th scope="col" className={`${cellX} py-2`}>{headers[1]}</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">{children}</tbody>
        </table>
      </div>
    </section>
  );
}

export default async function ImportJobPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePermission('users.write');
  const job = await visibleImport((await params).id);
  if (!job) notFound();
  const [errors, skipped, roles] = await Promise.all([
    job.errorCount > 0 ? errorRows(db, job.id, ROWS_SHOWN) : [],
    job.skipCount > 0 ? skippedRows(db, job.id, ROWS_SHOWN) : [],
    listRoles(db),
  ]);
  // A misspelt "Enviroments" column would otherwise send every row to the current environment unnoticed.
  const ignored = ignoredColumns(job.headers, roles);
  const toImport = job.newCount + job.updateCount;
  const ended = ['done', 'failed', 'cancelled'].includes(job.status);
  const mine = job.createdBy === user.id;
  const fromGrid = job.source === GRID_SOURCE;
  const shownRow = (rowNo: number) => shownRowNo(job.source, rowNo);
  const numbering = fromGrid ? 'Row numbers are those of the grid.' : 'Row numbers are those of the file (the header is row 1).';
  const firstOf = (shown: number, total: number) => `The first ${number.format(shown)} of ${number.format(total)}; the report lists all of them.`;

  return (
    <>
      <PageHeader
        back={
          <Link href="/users/import" className="inline-flex items-center gap-1 font-medium text-slate-600 hover:text-slate-900">
            <ChevronLeft aria-hidden className="size-4" />
            All imports
          </Link>
        }
        title={job.status === 'validated' ? 'Check the import' : 'Import'}
        description={`${sourceLabel(job.source)} · ${number.format(job.totalRows)} ${job.totalRows === 1 ? 'row' : 'rows'} · by ${job.createdByLabel}`}
      />
      <div className="mb-4 flex flex-wrap items-center gap-3 text-sm text-slate-700">
        <ImportStatusBadge status={job.status} />
        <span>
          Checked <LocalTime value={job.createdAt} inline />
        </span>
        {job.finishedAt && (
          <span>
            {/* On a phone this wraps to a line of its own, where a leading dot would dangle. */}
            <span aria-hidden className="hidden sm:inline">· </span>
            Ended <LocalTime value={job.finishedAt} inline />
          </span>
        )}
      </div>

      <section aria-labelledby="counts-title" className="mb-6">
        <h2 id="counts-title" className="sr-only">
          Counts
        </h2>
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
          {ended ? (
            <>
              <Count label="Created" value={job.createdCount} tone="text-emerald-700" />
              <Count label="Updated" value={job.updatedCount} tone="text-emerald-700" />
              <Count label="Skipped" value={job.skipCount} />
              <Count label="Errors" value={job.errorCount} tone={job.errorCount ? 'text-red-700' : undefined} />
            </>
          ) : (
            <>
              <Count label="New" value={job.newCount} tone="text-emerald-700" />
              <Count label="Updates" value={job.updateCount} tone="text-sky-700" />
              <Count label="Skipped" value={job.skipCount} />
              <Count label="Errors" value={job.errorCount} tone={job.errorCount ? 'text-red-700' : undefined} />
            </>
          )}
        </dl>
      </section>

      {ignored.length > 0 && (
        <p className="mb-6 text-sm text-slate-700">
          {ignored.length === 1 ? 'This column was not read: ' : 'These columns were not read: '}
          {ignored.map((c) => `${c.letter} “${c.header}”`).join(', ')}. Only First name, Last name, Email, Role, Environments, Tags and the
          roles&apos; required fields are imported; if a column was meant as one of them, rename it and upload the file again.
        </p>
      )}

      {/* Stays while its content changes (form, progress, outcome), so focus can rest here between them. */}
      <div id={IMPORT_OUTCOME_ID} tabIndex={-1} className="mb-6 space-y-3 rounded-lg focus-visible:outline-2 focus-visible:outline-offset-4 focus-visible:outline-indigo-600">
        {job.status === 'validated' && mine && toImport > 0 && (
          <StartImportForm jobId={job.id} action={startImportAction} toImport={toImport} errorCount={job.errorCount} />
        )}
        {job.status === 'validated' && !mine && toImport > 0 && (
          <Alert tone="info">Only {job.createdByLabel}, who checked this file, can start its import.</Alert>
        )}
        {job.status === 'validated' && toImport === 0 && (
          <Alert tone="error">Nothing can be imported: every row has an error or is skipped. Fix the rows and check them again.</Alert>
        )}
        {(job.status === 'queued' || job.status === 'running') && (
          <ImportProgress
            jobId={job.id}
            cancel={cancelImportAction}
            initial={{ status: job.status, rowsDone: job.rowsDone, rowsToDo: toImport, startedAt: job.startedAt?.toISOString() ?? null, now: new Date().toISOString(), cancelRequested: job.cancelRequested }}
          />
        )}
        {job.status === 'done' && (
          <Alert tone="success">
            Import finished: {number.format(job.createdCount)} created, {number.format(job.updatedCount)} updated.
            {job.sendInvitations && job.createdCount > 0 ? ' Invitations are queued in the outbox.' : ''}
          </Alert>
        )}
        {job.status === 'failed' && <Alert tone="error">The import failed: {job.error}</Alert>}
        {job.status === 'cancelled' && (
          <Alert tone="info">
            The import was cancelled. {number.format(job.createdCount)} created and {number.format(job.updatedCount)} updated before it stopped; the
            report lists every row.
          </Alert>
        )}
        <div className="flex flex-wrap gap-4 text-sm">
          <a href={`/api/import/${job.id}/report`} download className="font-medium text-indigo-700 hover:underline">
            {ended ? 'Download the result report (.xlsx)' : 'Download the check report (.xlsx)'}
          </a>
          {job.errorCount > 0 && job.totalRows <= GRID_LIMIT && (
            <Link href={`/users/import?from=${job.id}`} className="font-medium text-indigo-700 hover:underline">
              Fix the rows in the grid
            </Link>
          )}
        </div>
      </div>

      {errors.length > 0 && (
        <RowsSection
          id="errors-title"
          title="Rows with errors"
          headers={['Column', 'Problem']}
          note={job.errorCount > errors.length ? firstOf(errors.length, job.errorCount) : `${numbering} These rows are not imported.`}
        >
          {errors.flatMap((row) =>
            (row.errors ?? []).map((e, i) => (
              <tr key={`${row.rowNo}-${i}`}>
                <td className={`${cellX} py-2 tabular-nums`}>{i === 0 ? shownRow(row.rowNo) : <span className="sr-only">{shownRow(row.rowNo)}</span>}</td>
                <td className={`${cellX} py-2 font-medium wrap-anywhere`}>{e.column}</td>
                <td className={`${cellX} py-2 text-slate-700 wrap-anywhere`}><Breakable text={e.message} /></td>
              </tr>
            )),
          )}
        </RowsSection>
      )}

      {skipped.length > 0 && (
        <RowsSection
          id="skipped-title"
          title="Skipped rows"
          headers={['Email', 'Why skipped']}
          note={job.skipCount > skipped.length ? firstOf(skipped.length, job.skipCount) : `${numbering} These rows change nothing.`}
        >
          {skipped.map((row) => (
            <tr key={row.rowNo}>
              <td className={`${cellX} py-2 tabular-nums`}>{shownRow(row.rowNo)}</td>
              <td className={`${cellX} py-2 font-medium wrap-anywhere`}>{row.email ? <Breakable text={row.email} /> : '—'}</td>
              <td className={`${cellX} py-2 text-slate-700 wrap-anywhere`}>{row.message && <Breakable text={row.message} />}</td>
            </tr>
          ))}
        </RowsSection>
      )}
    </>
  );
}
