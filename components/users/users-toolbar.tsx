'use client';

import { Search, SlidersHorizontal } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, useTransition } from 'react';
import { Button } from '@/components/ui/button';
import { inputClass } from '@/components/ui/field';
import { cn } from '@/lib/utils';
import { LIST_LAYOUT } from './list-layout';

const STATUSES = [
  ['active', 'Active'],
  ['invited', 'Invited'],
  ['locked', 'Locked'],
  ['inactive', 'Inactive'],
  ['banned', 'Banned'],
] as const;

/** How long a filter's or the sort's value must rest before the list follows it (see settle). */
const FILTER_SETTLE_MS = 400;

export const IDLE_CHOICES = [30, 60, 90, 180, 365] as const;

type Option = { value: string; label: string };

function Filter({ id, name, label, any, value, options, onChange }: { id: string; name: string; label: string; any: string; value: string; options: Option[]; onChange: (value: string) => void }) {
  return (
    <div className="min-w-0 sm:w-40">
      <label htmlFor={id} className="block text-xs font-medium text-slate-700">{label}</label>
      <select id={id} name={name} value={value} onChange={(e) => onChange(e.currentTarget.value)} className={cn(inputClass, 'mt-1 h-9 py-1.5')}>
        <option value="">{any}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>{o.label}</option>
        ))}
      </select>
    </div>
  );
}

const FIELDS = ['q', 'status', 'role', 'env', 'idle', 'tag'] as const;
type Field = (typeof FIELDS)[number];
const valuesOf = (params: Record<string, string | undefined>) => Object.fromEntries(FIELDS.map((k) => [k, params[k] ?? ''])) as Record<Field, string>;

/**
 * Search and filters as a plain GET form, so every view is a URL and it works before JavaScript loads
 * (then an Apply button submits it). With JavaScript a filter applies as soon as it changes, by a
 * client-side navigation: the form stays where it is, so focus stays on the filter (arrow keys step
 * through a select's options, each applied in turn) and the phone's Filters panel stays open. The
 * fields follow the URL when it changes otherwise (a filter chip removed, Back).
 */
export function UsersToolbar({
  action,
  params,
  roles,
  environments,
  keep = [],
  filters = true,
  sorts = [],
  layout = 'all',
}: {
  action: string;
  params: Record<string, string | undefined>;
  roles?: { id: string; name: string }[];
  environments?: { id: string; name: string }[];
  /** Parameters carried over unchanged (sort, dir). */
  keep?: string[];
  filters?: boolean;
  /**
   * The sort orders, for the phone: its card list has no column headers to sort by. Values are
   * "key:dir"; the first is the list's default.
   */
  sorts?: { value: string; label: string }[];
  /** Which list it goes with: the Sort by select shows wherever that list shows cards. */
  layout?: keyof typeof LIST_LAYOUT;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [open, setOpen] = useState(false);
  const fromUrl = valuesOf(params);
  const [values, setValues] = useState(fromUrl);
  const sortNow = params.sort ? `${params.sort}:${params.dir ?? 'asc'}` : (sorts[0]?.value ?? '');
  // The order chosen in the phone's Sort by, shown at once though the list follows only once it rests.
  const [sort, setSort] = useState(sortNow);
  // The URL changed (this form's own navigation, a chip, Back): the fields show what it says.
  const urlKey = JSON.stringify([fromUrl, sortNow]);
  const [shown, setShown] = useState(urlKey);
  if (shown !== urlKey) {
    setShown(urlKey);
    setValues(fromUrl);
    setSort(sortNow);
  }
  /** To the list with these fields, the kept parameters (sort, dir) and the order chosen in Sort by over them. */
  const settling = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(settling.current), []);
  const go = (next: Record<Field, string>, order = sort) => {
    clearTimeout(settling.current);
    const query = new URLSearchParams();
    for (const k of FIELDS) if (next[k].trim()) query.set(k, next[k].trim());
    for (const k of keep) if (params[k]) query.set(k, params[k]!);
    if (order !== sortNow) {
      const [by = '', dir = 'asc'] = order.split(':');
      query.set('sort', by);
      query.set('dir', dir);
    }
    startTransition(() => router.push(query.size ? `${action}?${query}` : action, { scroll: false }));
  };
  // The arrow keys step a closed select through its options, each step a change: the list follows
  // once they rest, so stepping from Any status to Banned (or through the phone's Sort by) is one page
  // load and one entry in the history (Back returns to the list before it), not four.
  const settle = (next: Record<Field, string>, order: string) => {
    clearTimeout(settling.current);
    settling.current = setTimeout(() => go(next, order), FILTER_SETTLE_MS);
  };
  const change = (field: Field, value: string) => {
    const next = { ...values, [field]: value };
    setValues(next);
    settle(next, sort);
  };
  const sortBy = (value: string) => {
    setSort(value);
    settle(values, value);
  };
  const active = ['status', 'role', 'env', 'tag', 'idle'].filter((k) => params[k]).length;
  return (
    <form
      method="get"
      action={action}
      role="search"
      aria-label="Users"
      aria-busy={pending}
      onSubmit={(e) => {
        e.preventDefault();
        go(values);
      }}
      className="@container mb-3 flex flex-col gap-2 sm:flex-row sm:flex-wrap sm:items-end"
    >
      <div className="flex items-end gap-2 sm:min-w-64 sm:flex-1">
        <div className="min-w-0 flex-1">
          <label htmlFor="users-search" className="block text-xs font-medium text-slate-700">Search</label>
          <div className="relative mt-1">
            <Search aria-hidden className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-slate-400" />
            <input id="users-search" type="search" name="q" value={values.q} onChange={(e) => setValues({ ...values, q: e.currentTarget.value })} placeholder="Name or email" className={cn(inputClass, 'h-9 py-1.5 pl-8')} />
            {/* The form has several text fields, so Enter submits it only through a submit button. Out of
                sight until focused, then inside the field's right end: nothing around it moves. */}
            <button type="submit" className="pointer-events-none absolute top-1 right-1 h-7 rounded bg-indigo-600 px-2.5 text-xs font-medium text-white opacity-0 focus-visible:pointer-events-auto focus-visible:opacity-100 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-indigo-600">
              Search
            </button>
          </div>
        </div>
        {filters && (
          <Button type="button" variant="secondary" className="sm:hidden" aria-expanded={open} aria-controls="users-filters" onClick={() => setOpen((o) => !o)}>
            <SlidersHorizontal aria-hidden className="size-4" />
            Filters{active ? ` (${active})` : ''}
          </Button>
        )}
      </div>
      {filters && (
        <div id="users-filters" className={cn('grid grid-cols-2 gap-2 sm:flex sm:flex-wrap sm:items-end', open ? 'grid' : 'hidden sm:flex')}>
          <Filter id="users-status" name="status" label="Status" any="Any status" value={values.status} onChange={(v) => change('status', v)} options={STATUSES.map(([value, label]) => ({ value, label }))} />
          <Filter id="users-role" name="role" label="Role" any="Any role" value={values.role} onChange={(v) => change('role', v)} options={(roles ?? []).map((r) => ({ value: r.id, label: r.name }))} />
          {environments && environments.length > 1 && (
            <Filter id="users-env" name="env" label="Also in environment" any="Any" value={values.env} onChange={(v) => change('env', v)} options={environments.map((e) => ({ value: e.id, label: e.name }))} />
          )}
          <Filter id="users-idle" name="idle" label="No sign-in for" any="Any time" value={values.idle} onChange={(v) => change('idle', v)} options={IDLE_CHOICES.map((d) => ({ value: String(d), label: `${d}+ days` }))} />
          <div className="min-w-0 sm:w-40">
            <label htmlFor="users-tag" className="block text-xs font-medium text-slate-700">Tag</label>
            <input
              id="users-tag"
              name="tag"
              value={values.tag}
              onChange={(e) => setValues({ ...values, tag: e.currentTarget.value })}
              onBlur={() => values.tag.trim() !== (params.tag ?? '') && go(values)}
              placeholder="Name=Value"
              className={cn(inputClass, 'mt-1 h-9 py-1.5')}
            />
          </div>
        </div>
      )}
      {sorts.length > 0 && (
        <div className={cn('min-w-0', LIST_LAYOUT[layout].cards)}>
          <label htmlFor="users-sort" className="block text-xs font-medium text-slate-700">Sort by</label>
          <select id="users-sort" value={sort} onChange={(e) => sortBy(e.currentTarget.value)} className={cn(inputClass, 'mt-1 h-9 py-1.5')}>
            {sorts.map((o) => (
              <option key={o.value} value={o.value}>{o.label}</option>
            ))}
          </select>
        </div>
      )}
      {keep.map((k) => params[k] && <input key={k} type="hidden" name={k} value={params[k]} />)}
      <noscript>
        <Button type="submit" variant="secondary">Apply</Button>
      </noscript>
    </form>
  );
}
