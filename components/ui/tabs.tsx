import Link from 'next/link';
import { cn } from '@/lib/utils';

export type TabItem = { key: string; href: string; label: string; count?: string };

/** Tabs that are URLs: each view is server-rendered and linkable; the current one is aria-current. */
export function LinkTabs({ label, items, current }: { label: string; items: readonly TabItem[]; current: string }) {
  return (
    <nav aria-label={label} className="mb-4 border-b border-slate-200">
      <ul className="-mb-px flex gap-5 overflow-x-auto">
        {items.map((tab) => {
          const active = tab.key === current;
          return (
            <li key={tab.key}>
              <Link
                href={tab.href}
                aria-current={active ? 'page' : undefined}
                // The ring is drawn inside the tab: the row scrolls sideways, so it clips whatever sticks out.
                className={cn(
                  'inline-flex items-center gap-2 rounded-t-sm border-b-2 px-0.5 pb-2.5 text-sm font-medium whitespace-nowrap focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-600',
                  active ? 'border-indigo-600 text-slate-900' : 'border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900',
                )}
              >
                {tab.label}
                {/* "~1,204" reads as "tilde": an estimate is said as one. */}
                {tab.count !== undefined && (
                  <span className={cn('rounded-full px-1.5 py-0.5 text-xs tabular-nums', active ? 'bg-indigo-50 text-indigo-700' : 'bg-slate-100 text-slate-600')}>
                    {tab.count.startsWith('~') ? (
                      <>
                        <span aria-hidden>~</span>
                        <span className="sr-only">about </span>
                        {tab.count.slice(1)}
                      </>
                    ) : (
                      tab.count
                    )}
                  </span>
                )}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
