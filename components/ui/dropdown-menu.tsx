'use client';

import * as Menu from '@radix-ui/react-dropdown-menu';
import type { ComponentProps, ReactNode } from 'react';
import { cn } from '@/lib/utils';

export const DropdownMenu = Menu.Root;
export const DropdownMenuTrigger = Menu.Trigger;

/** A menu of actions (Radix: arrow keys, typeahead, Escape, focus back to the trigger). */
export function DropdownMenuContent({ className, children, ...props }: ComponentProps<typeof Menu.Content>) {
  return (
    <Menu.Portal>
      <Menu.Content sideOffset={6} align="end" className={cn('z-50 min-w-48 rounded-md bg-white p-1 text-sm shadow-lg ring-1 ring-slate-200', className)} {...props}>
        {children}
      </Menu.Content>
    </Menu.Portal>
  );
}

export function DropdownMenuItem({ className, danger, icon, children, asChild, ...props }: ComponentProps<typeof Menu.Item> & { danger?: boolean; icon?: ReactNode }) {
  return (
    <Menu.Item
      className={cn(
        'flex min-h-8 cursor-pointer items-center gap-2 rounded px-2.5 py-1.5 outline-none select-none data-[disabled]:cursor-not-allowed data-[disabled]:opacity-50',
        danger ? 'text-red-700 data-[highlighted]:bg-red-50' : 'text-slate-800 data-[highlighted]:bg-slate-100',
        className,
      )}
      asChild={asChild}
      {...props}
    >
      {/* With asChild the one child is the item (a link): Slot takes exactly one element. */}
      {asChild ? children : (
        <>
          {icon}
          {children}
        </>
      )}
    </Menu.Item>
  );
}

export function DropdownMenuSeparator() {
  return <Menu.Separator className="my-1 h-px bg-slate-200" />;
}

export function DropdownMenuLabel({ children }: { children: ReactNode }) {
  return <Menu.Label className="px-2.5 py-1.5 text-xs font-medium text-slate-500">{children}</Menu.Label>;
}

export const DropdownMenuRadioGroup = Menu.RadioGroup;

export function DropdownMenuRadioItem({ className, children, ...props }: ComponentProps<typeof Menu.RadioItem>) {
  return (
    <Menu.RadioItem className={cn('flex min-h-8 cursor-pointer items-center gap-2 rounded py-1.5 pr-2.5 pl-7 text-slate-800 outline-none select-none data-[highlighted]:bg-slate-100 relative', className)} {...props}>
      <Menu.ItemIndicator className="absolute left-2 flex items-center">
        <span aria-hidden className="size-1.5 rounded-full bg-indigo-600" />
      </Menu.ItemIndicator>
      {children}
    </Menu.RadioItem>
  );
}
