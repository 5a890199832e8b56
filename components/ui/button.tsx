import { Slot } from '@radix-ui/react-slot';
import type { ComponentProps } from 'react';
import { cn } from '@/lib/utils';

const variants = {
  primary: 'bg-indigo-600 text-white hover:bg-indigo-700 focus-visible:outline-indigo-600',
  secondary: 'bg-white text-slate-800 ring-1 ring-inset ring-slate-300 hover:bg-slate-50 focus-visible:outline-indigo-600',
  danger: 'bg-red-600 text-white hover:bg-red-700 focus-visible:outline-red-600',
  // Destructive but not the page's main act: quiet until hovered.
  'danger-secondary': 'bg-white text-red-700 ring-1 ring-inset ring-slate-300 hover:bg-red-50 hover:ring-red-300 focus-visible:outline-red-600',
  ghost: 'text-slate-700 hover:bg-slate-100 focus-visible:outline-indigo-600',
} as const;

export type ButtonProps = ComponentProps<'button'> & { variant?: keyof typeof variants; asChild?: boolean; size?: 'sm' | 'md' | 'icon' };

export function Button({ variant = 'primary', size = 'md', asChild, className, ...props }: ButtonProps) {
  const Component = asChild ? Slot : 'button';
  return (
    <Component
      className={cn(
        'inline-flex shrink-0 items-center justify-center gap-1.5 rounded-md whitespace-nowrap font-medium shadow-sm transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 disabled:cursor-not-allowed disabled:opacity-60 aria-disabled:cursor-not-allowed aria-disabled:opacity-60',
        size === 'sm' ? 'h-8 px-2.5 text-sm' : size === 'icon' ? 'size-8 text-sm shadow-none' : 'h-9 px-3.5 text-sm',
        variants[variant],
        className,
      )}
      {...props}
    />
  );
}
