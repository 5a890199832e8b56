import Link from 'next/link';
import { cn } from '@/lib/utils';

const TABS = [
  { href: '/users', label: 'All Users', key: 'all' },
  { href: '/users/locked', label: 'Locked Users', key: 'locked' },
  { href: '/users/api', label: 'API Users', key: 'api' },
] as const;

/** The Users screen's tabs: each is its own URL, so each view is server-rendered and linkable. */
export function UsersTabs({ current }: { current: (typeof TABS)[number]['key'] }) {
  return (
    <nav aria-label="Users views" className="mb-4 border-b border-slate-200">
      <ul className="-mb-px flex gap-6">
        {TABS.map((tab) => (
          <li key={tab.key}>
            <Link
              href={tab.href}
              aria-current={tab.key === current ? 'page' : undefined}
              className={cn(
                'inline-block border-b-2 px-1 pb-3 text-sm font-medium',
                tab.key === current ? 'border-indigo-600 text-indigo-700' : 'border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-800',
              )}
            >
              {tab.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
