import { ChevronLeft } from 'lucide-react';
import type { Metadata } from 'next';
import Link from 'next/link';
import { ImportStatusBadge } from '@/components/import/import-status';
import { ImportWorkbench } from '@/components/import/import-workbench';
import { PageHeader } from '@/components/ui/page-header';
import { LocalTime } from '@/components/ui/local-time';
import { db } from '@/db';
import { principalOf } from '@/lib/auth/principal';
import { getVisibleEnvironments, requirePermission } from '@/lib/auth/session';
import { checkedGridRows, sourceLabel, type GridRow } from '@/lib/import/grid-rows';
import { getImport, gridRows, importLimits, listImports } from '@/lib/import/jobs';
import { AppError } from '@/lib/errors';
import { grantableRoles, listRoles } from '@/lib/roles';
import { parseCursor } from '@/lib/time-cursor';
import { utcMinute } from '@/lib/utils';

export const metadata: Metadata = { title: 'Import · Users' };

/** Rows are put back in the grid up to this many (beyond it, fix the file and upload it again). */
const GRID_LIMIT = 1_000;
const number = new Intl.NumberFormat('en');
const count = (n: number, noun: string) => `${number.format(n)} ${noun}${n === 1 ? '' : 's'}`;

export default async function ImportPage({ searchParams }: { searchParams: Promise<{ from?: string | string[]; before?: string | string[] }> }) {
  const user = await requirePermission('users.write');
  const principal = principalOf(user);
  const { from, before: rawBefore } = await searchParams;
  // Older imports by the cursor the list wrote; any other value shows the newest, and says so.
  const before = typeof rawBefore === 'string' && parseCursor(rawBefore) ? rawBefore : undefined;
  const badCursor = rawBefore !== undefined && !before;
  const [roles, environments, { imports, next }] = await Promise.all([listRoles(db), getVisibleEnvironments(user), listImports(db, principal, before)]);
  const grantable = grantableRoles(principal, roles);
  // As on the Add form and the check of a file (validationContext): User, which everyone may grant.
  const defaultRole = grantable.find((r) => r.name === 'User');

  let initialRows: GridRow[] = [];
  let loadedFrom: string | undefined;
  let existing: 'skip' | 'update' = 'skip';
  if (typeof from === 'string') {
    const job = await getImport(db, principal, from).catch((error) => {
      if (error instanceof AppError) return null;
      throw error;
    });
    if (job && job.totalRows <= GRID_LIMIT) {
      initialRows = checkedGridRows(job, await gridRows(db, job.id, GRID_LIMIT), roles);
      loadedFrom = job.source;
      // Checked again with the choice made for existing users, which a fix does not change.
      existing = job.existing === 'update' ? 'update' : 'skip';
    }
  }

  const limits = importLimits();
  return (
    <>
        <PageHeader
          back={
            <Link href="/users" className="inline-flex items-center gap-1 font-medium text-slate-600 hover:text-slate-900">
              <ChevronLeft aria-hidden className="size-4" />
              Users
            </Link>
          }
          title="Import users"
          description="Add or update many users at once: type or paste them in the grid, or upload a spreadsheet. You see every problem before anything is saved."
        />
        <ImportWorkbench
          roles={grantable.map((r) => ({ name: r.name, requiredFields: r.requiredFields, allEnvironments: r.allEnvironments }))}
          environments={environments.map((e) => e.name)}
          defaultRole={defaultRole?.name ?? ''}
          initialRows={initialRows}
          loadedFrom={loadedFrom}
          initialExisting={existing}
          maxMb={Math.round(limits.maxBytes / 1048576)}
          maxRows={limits.maxRows}
        />
        <section aria-labelledby="past-title" className="@container mt-10">
          <h2 id="past-title" className="mb-3 text-base font-semibold text-slate-900">
            Past imports
          </h2>
          {badCursor && (
            <p role="status" className="mb-3 text-sm text-amber-800">
              That page link is not valid (it may have been shortened or edited), so the newest imports are shown.
            </p>
          )}
          {imports.length === 0 ? (
            <p className="text-sm text-slate-600">{before ? 'No older imports.' : 'No imports yet. Checked and finished imports appear here with their reports.'}</p>
          ) : (
            <>
            {/* Eight columns: the table shows once the section is 1,024 px wide, its columns fixed and the source and
                who started it truncated (the whole in a title); cards below (a phone, a tablet, a laptop's narrower
                window), so no column is ever cut off out of sight. */}
            <div className="relative hidden overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200 [contain:inline-size] @5xl:block">
              <table className="w-full table-fixed divide-y divide-slate-200 text-sm">
                <caption className="sr-only">Past imports</caption>
                <thead className="bg-slate-50 text-left text-xs font-semibold text-slate-600">
                  <tr>
                    <th scope="col" className="px-3 py-3">Source</th>
                    <th scope="col" className="w-40 px-3 py-3">Status</th>
                    <th scope="col" className="px-3 py-3">By</th>
                    <th scope="col" className="w-48 px-3 py-3">When</th>
                    <th scope="col" className="w-20 px-3 py-3 text-right">Rows</th>
                    <th scope="col" className="w-20 px-3 py-3 text-right">Created</th>
                    <th scope="col" className="w-20 px-3 py-3 text-right">Updated</th>
                    <th scope="col" className="w-20 px-3 py-3 text-right">Errors</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {imports.map((job) => (
                    <tr key={job.id} className="hover:bg-slate-50">
                      <td className="truncate px-3 py-3 font-medium" title={sourceLabel(job.source)}>
                        <Link href={`/users/import/${job.id}`} className="text-indigo-700 hover:underline" aria-label={`${sourceLabel(job.source)}, ${utcMinute(job.createdAt)}`}>
                          {sourceLabel(job.source)}
                        </Link>
                      </td>
                      <td className="px-3 py-3"><ImportStatusBadge status={job.status} /></td>
                      <td className="truncate px-3 py-3 text-slate-700" title={job.createdByLabel}>{job.createdByLabel}</td>
                      <td className="truncate px-3 py-3 text-slate-700"><LocalTime value={job.createdAt} compact /></td>
                      <td className="px-3 py-3 text-right tabular-nums">{number.format(job.totalRows)}</td>
                      <td className="px-3 py-3 text-right tabular-nums">{number.format(job.createdCount)}</td>
                      <td className="px-3 py-3 text-right tabular-nums">{number.format(job.updatedCount)}</td>
                      <td className="px-3 py-3 text-right tabular-nums">{number.format(job.errorCount)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {/* Each import a card: nothing scrolls sideways, and long file names wrap (no tooltip on a phone). */}
            <ul aria-labelledby="past-title" className="divide-y divide-slate-100 rounded-lg bg-white shadow-sm ring-1 ring-slate-200 @5xl:hidden">
              {imports.map((job) => (
                <li key={job.id} className="space-y-1 px-4 py-3 text-sm">
                  <div className="flex items-start justify-between gap-2">
                    <Link href={`/users/import/${job.id}`} className="min-w-0 font-medium text-indigo-700 [overflow-wrap:anywhere] hover:underline" aria-label={`${sourceLabel(job.source)}, ${utcMinute(job.createdAt)}`}>
                      {sourceLabel(job.source)}
                    </Link>
                    <ImportStatusBadge status={job.status} />
                  </div>
                  <p className="text-xs text-slate-600">
                    <span className="block [overflow-wrap:anywhere]">By {job.createdByLabel}</span>
                    <LocalTime value={job.createdAt} inline />
                  </p>
                  <p className="text-xs text-slate-700 tabular-nums">
                    {count(job.totalRows, 'row')} · {number.format(job.createdCount)} created · {number.format(job.updatedCount)} updated ·{' '}
                    {count(job.errorCount, 'error')}
                  </p>
                </li>
              ))}
            </ul>
          </>
        )}
        {(before || next) && (
          <nav aria-label="Past imports pages" className="mt-4 flex gap-3">
            {before && (
              <Link href="/users/import#past-title" className="text-sm font-medium text-indigo-700 hover:underline">
                Newest imports
              </Link>
            )}
            {next && (
              <Link href={`/users/import?${new URLSearchParams({ before: next })}#past-title`} className="text-sm font-medium text-indigo-700 hover:underline">
                Older imports
              </Link>
            )}
          </nav>
        )}
      </section>
    </>
  );
}
