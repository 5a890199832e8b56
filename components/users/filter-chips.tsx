import { X } from 'lucide-react';
import { listHref, RESULTS_SUMMARY } from './list-href';
import { ListLink } from './list-focus';

/** The active filters as removable chips (links: each removes one filter), with "Clear all". */
export function FilterChips({ base, params, labels }: { base: string; params: Record<string, string | undefined>; labels: Record<string, string> }) {
  const chips = Object.entries(labels);
  if (chips.length === 0) return null;
  return (
    <ul aria-label="Active filters" className="mb-3 flex flex-wrap items-center gap-1.5">
      {chips.map(([key, label]) => (
        <li key={key}>
          <ListLink
            href={listHref(base, params, { [key]: undefined })}
            focusTarget={RESULTS_SUMMARY}
            aria-label={`Remove filter ${label}`}
            className="inline-flex h-7 items-center gap-1 rounded-full bg-white pr-1.5 pl-2.5 text-xs font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
          >
            {label}
            <X aria-hidden className="size-3.5 text-slate-500" />
          </ListLink>
        </li>
      ))}
      <li>
        <ListLink href={listHref(base, { sort: params.sort, dir: params.dir })} focusTarget={RESULTS_SUMMARY} className="ml-1 text-xs font-medium text-indigo-700 hover:underline">Clear all</ListLink>
      </li>
    </ul>
  );
}
