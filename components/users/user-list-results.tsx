import Link from 'next/link';
import { ChevronLeft, ChevronRight } from 'lucide-react';
import type { ReactNode } from 'react';
import { listHref, RESULTS_SUMMARY } from './list-href';
import { AnnounceList, ListFocus, ListLink } from './list-focus';
import { UserList, type UserListProps } from './user-list';

const number = new Intl.NumberFormat('en');

/** The count line, the list (or an empty state) and the Previous/Next links of a user list page. */
export function UserListResults({
  list,
  next,
  previous,
  filtered,
  empty,
}: {
  list: UserListProps;
  next: string | null;
  previous: string | null;
  filtered: boolean;
  empty: { title: string; body: ReactNode };
}) {
  const { total, base, params } = list;
  const noun = list.variant === 'locked' ? 'locked user' : 'user';
  const figure = `${total.exact ? '' : 'About '}${number.format(total.count)} ${noun}${total.count === 1 ? '' : 's'}`;
  // Locked Users has a search box and no filters: its wording says so.
  const narrowing = list.variant === 'locked' ? 'the search' : 'the filters';
  const summary = `${filtered ? `${total.count === 1 && total.exact ? ' matches' : ' match'} ${narrowing}` : ' in this environment'}${!total.exact ? ' (an estimate: exact counts stop at large numbers)' : ''}`;
  return (
    <>
      {/* Where focus goes when a row action leaves no row to return to (components/ui/keep-focus.ts). */}
      <ListFocus />
      <AnnounceList text={`${figure}${summary}.`} />
      <p className="mb-2 rounded-sm text-sm text-slate-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600" tabIndex={-1} data-focus-fallback>
        <span className="font-medium text-slate-900">{figure}</span>
        {summary}
      </p>
      {list.rows.length === 0 ? (
        <div className="rounded-lg bg-white px-6 py-12 text-center ring-1 ring-slate-200">
          <p className="text-base font-medium text-slate-900">{empty.title}</p>
          <div className="mt-1 text-sm text-slate-600">{empty.body}</div>
          {filtered && <Link href={listHref(base, { sort: params.sort, dir: params.dir })} className="mt-3 inline-block text-sm font-medium text-indigo-700 hover:underline">{list.variant === 'locked' ? 'Clear search' : 'Clear search and filters'}</Link>}
        </div>
      ) : (
        <UserList {...list} />
      )}
      {(previous || next) && (
        <nav aria-label="Pagination" className="mt-3 flex justify-between">
          {previous ? (
            <ListLink href={listHref(base, params, { before: previous })} focusTarget={RESULTS_SUMMARY} rel="prev" className="inline-flex h-8 items-center gap-1 rounded-md px-2 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-white">
              <ChevronLeft aria-hidden className="size-4" />Previous
            </ListLink>
          ) : <span />}
          {next && (
            <ListLink href={listHref(base, params, { after: next })} focusTarget={RESULTS_SUMMARY} rel="next" className="inline-flex h-8 items-center gap-1 rounded-md px-2 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-white">
              Next<ChevronRight aria-hidden className="size-4" />
            </ListLink>
          )}
        </nav>
      )}
    </>
  );
}
