import type { Metadata } from 'next';
import Link from 'next/link';
import { ImportStatusBadge } from '@/components/import/import-status';
import { ImportWorkbench } from '@/components/import/import-workbench';
import type { GridRow } from '@/components/import/import-grid';
import { PageHeader } from '@/components/ui/page-header';
import { LocalTime } from '@/components/ui/local-time';
import { db } from '@/db';
import { principalOf } from '@/lib/auth/principal';
import { getVisibleEnvironments, requirePermission } from '@/lib/auth/session';
import { BASE_COLUMNS, matchColumns, profileColumns } from '@/lib/import/columns';
import { getImport, gridRows, importLimits, listImports } from '@/lib/import/jobs';
import { AppError } from '@/lib/errors';
import { grantableRoles, listRoles } from '@/lib/roles';

export const metadata: Metadata = { title: 'Import · Users' };

/** Rows are put back in the grid up to this many (beyond it, fix the file and upload it again). */
const GRID_LIMIT = 1_000;
const number = new Intl.NumberFormat('en');

export default async function ImportPage({ searchParams }: { searchParams: Promise<{ from?: string | string[] }> }) {
  const user = await requirePermission('users.write');
  const principal = principalOf(user);
  const { from } = await searchParams;
  const [roles, environments, imports] = await Promise.all([listRoles(db), getVisibleEnvironments(user), listImports(db, principal)]);
  const grantable = grantableRoles(principal, roles);

  let initialRows: GridRow[] = [];
  if (typeof from === 'string') {
    const job = await getImport(db, principal, from).catch((error) => {
      if (error instanceof AppError) return null;
      throw error;
    });
    if (job && job.totalRows <= GRID_LIMIT) {
      const profile = profileColumns(roles);
      const map = matchColumns(job.headers, profile);
      const columns: [string, number | undefined][] = [
        ...BASE_COLUMNS.map((c) => [c.header, map.base[c.field]] as [string, number | undefined]),
        ...profile.map((f) => [f.label, map.profile[f.key]] as [string, number | undefined]),
      ];
      initialRows = (await gridRows(db, job.id, GRID_LIMIT)).map((r, i) => ({
        id: -(i + 1),
        values: Object.fromEntries(columns.filter(([, index]) => index !== undefined).map(([label, index]) => [label, r.cells[index!] ?? ''])),
        errors: r.errors ? Object.fromEntries(r.errors.map((e) => [e.column, e.message])) : undefined,
      }));
    }
  }

  const limits = importLimits();
  return (
    <>
      <PageHeader
        title="Import users"
        description="Add or update many users at once: type or paste them in the grid, or upload a spreadsheet. You see every problem before anything is saved."
      />
      <ImportWorkbench
        roles={grantable.map((r) => ({ name: r.name, requiredFields: r.requiredFields, allEnvironments: r.allEnvironments }))}
        environments={environments.map((e) => e.name)}
        initialRows={initialRows}
        maxMb={Math.round(limits.maxBytes / 1048576)}
        maxRows={limits.maxRows}
      />
      <section aria-labelledby="past-title" className="mt-10">
        <h2 id="past-title" className="mb-3 text-base font-semibold text-slate-900">
          Past imports
        </h2>
        {imports.length === 0 ? (
          <p className="text-sm text-slate-600">No imports yet. Checked and finished imports appear here with their reports.</p>
        ) : (
          <div className="relative overflow-x-auto rounded-lg bg-white shadow-sm ring-1 ring-slate-200 [contain:inline-size]">
            <table className="min-w-full divide-y divide-slate-200 text-sm">
              <caption className="sr-only">Past imports</caption>
              <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
                <tr>
                  <th scope="col" className="px-4 py-3">Source</th>
                  <th scope="col" className="px-4 py-3">Status</th>
                  <th scope="col" className="px-4 py-3">By</th>
                  <th scope="col" className="px-4 py-3">When</th>
                  <th scope="col" className="px-4 py-3 text-right">Rows</th>
                  <th scope="col" className="px-4 py-3 text-right">Created</th>
                  <th scope="col" className="px-4 py-3 text-right">Updated</th>
                  <th scope="col" className="px-4 py-3 text-right">Errors</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {imports.map((job) => (
                  <tr key={job.id} className="hover:bg-slate-50">
                    <td className="max-w-64 truncate px-4 py-3 font-medium" title={job.source}>
                      <Link href={`/users/import/${job.id}`} className="text-indigo-700 hover:underline">
                        {job.source}
                      </Link>
                    </td>
                    <td className="px-4 py-3"><ImportStatusBadge status={job.status} /></td>
                    <td className="px-4 py-3 text-slate-700">{job.createdByLabel}</td>
                    <td className="px-4 py-3 whitespace-nowrap text-slate-700"><LocalTime value={job.createdAt} inline /></td>
                    <td className="px-4 py-3 text-right tabular-nums">{number.format(job.totalRows)}</td>
                    <td className="px-4 py-3 text-right tabular-nums">{number.format(job.createdCount)}</td>
                    <td className="px-4 py-3 text-right tabular-nums">{number.format(job.updatedCount)}</td>
                    <td className="px-4 py-3 text-right tabular-nums">{number.format(job.errorCount)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
