'use client';

import { usePathname, useRouter } from 'next/navigation';
import { useTransition } from 'react';
import { cn } from '@/lib/utils';

/** "Show Revoked and Expired API Users": a switch kept in the URL (?show=all), so the view is linkable. */
export function ShowInactiveToggle({ checked }: { checked: boolean }) {
  const router = useRouter();
  const pathname = usePathname();
  const [pending, startTransition] = useTransition();
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      // aria-disabled, not disabled: a disabled button loses focus, and focus would fall to the page.
      aria-disabled={pending || undefined}
      onClick={() => !pending && startTransition(() => router.replace(checked ? pathname : `${pathname}?show=all`, { scroll: false }))}
      className="inline-flex items-center gap-2 rounded-md text-sm font-medium text-slate-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
    >
      <span aria-hidden className={cn('relative inline-flex h-5 w-9 shrink-0 rounded-full transition-colors', checked ? 'bg-indigo-600' : 'bg-slate-300')}>
        <span className={cn('absolute top-0.5 h-4 w-4 rounded-full bg-white shadow transition-transform', checked ? 'translate-x-4' : 'translate-x-0.5')} />
      </span>
      Show Revoked and Expired API Users
    </button>
  );
}
