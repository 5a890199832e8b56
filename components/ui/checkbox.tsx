import type { ComponentProps } from 'react';
import { cn } from '@/lib/utils';

/**
 * A native checkbox inside a 24x24 px target (WCAG 2.2, 2.5.8): the label element around it takes the
 * clicks. Give it an accessible name with `aria-label` or a visible `label`.
 */
export function Checkbox({ label, className, ...props }: ComponentProps<'input'> & { label?: string }) {
  return (
    <label className={cn('inline-flex min-h-6 min-w-6 cursor-pointer items-center justify-center gap-2', className)}>
      <input type="checkbox" className="size-4 cursor-pointer rounded border-slate-300 accent-indigo-600" {...props} />
      {label && <span className="text-sm text-slate-800">{label}</span>}
    </label>
  );
}
