import type { ComponentProps } from 'react';
import { cn } from '@/lib/utils';

// Dense data tables: one line per row (at most 48 px), long values truncated with the full value in a
// title, a header that sticks under the top bar. No scrolling container around the table: any overflow
// ancestor would break `position: sticky`; columns are fixed-width and truncate instead.

export function Table({ className, ...props }: ComponentProps<'table'>) {
  return (
    <div className="rounded-lg bg-white ring-1 ring-slate-200">
      <table className={cn('w-full table-fixed border-separate border-spacing-0 text-sm', className)} {...props} />
    </div>
  );
}

export function Th({ className, ...props }: ComponentProps<'th'>) {
  return (
    <th
      scope="col"
      className={cn(
        'sticky top-14 z-10 h-9 border-b border-slate-200 bg-slate-50/95 px-3 text-left text-xs font-medium whitespace-nowrap text-slate-600 backdrop-blur first:rounded-tl-lg last:rounded-tr-lg',
        className,
      )}
      {...props}
    />
  );
}

export function Tr({ className, selected, ...props }: ComponentProps<'tr'> & { selected?: boolean }) {
  return <tr className={cn('group h-11', selected ? 'bg-indigo-50/60' : 'hover:bg-slate-50', className)} {...props} />;
}

export function Td({ className, ...props }: ComponentProps<'td'>) {
  return <td className={cn('h-11 max-h-12 truncate border-b border-slate-100 px-3 whitespace-nowrap text-slate-700 group-last:border-0', className)} {...props} />;
}
