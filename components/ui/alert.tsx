import type { ReactNode } from 'react';
import { cn } from '@/lib/utils';

/**
 * Announced result of an action: errors interrupt (role="alert"), successes are polite (role="status").
 * `announce={false}` inside a live region that already announces it (see FormStatus). A long word in it
 * (a one-word name) wraps rather than running off a phone's screen.
 */
export function Alert({ tone, children, className, announce = true }: { tone: 'error' | 'success' | 'info'; children: ReactNode; className?: string; announce?: boolean }) {
  return (
    <div
      role={announce ? (tone === 'error' ? 'alert' : 'status') : undefined}
      className={cn(
        'rounded-md px-3 py-2 text-sm [overflow-wrap:anywhere]',
        tone === 'error' && 'bg-red-50 text-red-800 ring-1 ring-red-200',
        tone === 'success' && 'bg-emerald-50 text-emerald-800 ring-1 ring-emerald-200',
        tone === 'info' && 'bg-slate-50 text-slate-700 ring-1 ring-slate-200',
        className,
      )}
    >
      {children}
    </div>
  );
}
