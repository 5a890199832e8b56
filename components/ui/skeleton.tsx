import { cn } from '@/lib/utils';

/** A grey placeholder block for loading states. */
export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden className={cn('animate-pulse rounded bg-slate-200/70', className)} />;
}

/** A list page loading: the toolbar and a table's worth of rows. */
export function TableSkeleton({ rows = 10, label }: { rows?: number; label: string }) {
  return (
    <div role="status" aria-label={label} className="overflow-hidden rounded-lg bg-white ring-1 ring-slate-200">
      <div className="border-b border-slate-200 bg-slate-50 px-3 py-2.5">
        <Skeleton className="h-3 w-1/3" />
      </div>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="flex h-11 items-center gap-4 border-b border-slate-100 px-3 last:border-0">
          <Skeleton className="h-3 w-40" />
          <Skeleton className="hidden h-3 w-56 sm:block" />
          <Skeleton className="hidden h-3 w-24 md:block" />
          <Skeleton className="h-4 w-14 rounded-full" />
        </div>
      ))}
    </div>
  );
}
