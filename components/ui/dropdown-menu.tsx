'use client';

import * as Menu from '@radix-ui/react-dropdown-menu';
import { Check, MoreHorizontal } from 'lucide-react';
import { useEffect, useRef, useState, type ComponentProps, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { cn } from '@/lib/utils';

export const DropdownMenu = Menu.Root;
export const DropdownMenuTrigger = Menu.Trigger;

/** A menu of actions (Radix: arrow keys, typeahead, Escape, focus back to the trigger). */
export function DropdownMenuContent({ className, children, ...props }: ComponentProps<typeof Menu.Content>) {
  return (
    <Menu.Portal>
      {/* Never taller or wider than the screen (many environments; a long name on a phone): it scrolls instead. */}
      <Menu.Content
        sideOffset={6}
        align="end"
        collisionPadding={8}
        className={cn(
          'z-50 max-h-[var(--radix-dropdown-menu-content-available-height)] max-w-[calc(100vw-1rem)] min-w-48 overflow-y-auto rounded-md bg-white p-1 text-sm shadow-lg ring-1 ring-slate-200 [overflow-wrap:anywhere]',
          className,
        )}
        {...props}
      >
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
        // The item Enter would choose is outlined, not only tinted (a tint alone is about 1.1:1 on white).
        'data-[highlighted]:outline-solid data-[highlighted]:outline-2 data-[highlighted]:-outline-offset-2 data-[highlighted]:outline-indigo-600',
        danger ? 'text-red-700 data-[highlighted]:bg-red-50 data-[highlighted]:outline-red-700' : 'text-slate-800 data-[highlighted]:bg-slate-100',
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
    <Menu.RadioItem className={cn('relative flex min-h-8 cursor-pointer items-center gap-2 rounded py-1.5 pr-2.5 pl-7 text-slate-800 outline-none select-none data-[highlighted]:bg-slate-100 data-[highlighted]:outline-solid data-[highlighted]:outline-2 data-[highlighted]:-outline-offset-2 data-[highlighted]:outline-indigo-600', className)} {...props}>
      <Menu.ItemIndicator className="absolute left-2 flex items-center">
        <Check aria-hidden className="size-4 text-indigo-600" />
      </Menu.ItemIndicator>
      {children}
    </Menu.RadioItem>
  );
}

/**
 * The "…" menu of one row in a long list. A closed Radix menu still costs about 1.4 ms per row to
 * render on the server (two per row with the phone cards: half of the Users page's render time), so
 * each row shows a plain menu button until it is first used, then mounts the Radix menu already open.
 * Opened from the keyboard (Enter, Space, arrow keys), focus goes to the first item, as with any menu.
 */
export function RowMenu({ label, children }: { label: string; children: ReactNode }) {
  const [used, setUsed] = useState<'pointer' | 'keyboard' | null>(null);
  const [open, setOpen] = useState(false);
  const content = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (used !== 'keyboard' || !open) return;
    const frame = requestAnimationFrame(() => content.current?.querySelector<HTMLElement>('[role="menuitem"]:not([data-disabled])')?.focus());
    return () => cancelAnimationFrame(frame);
  }, [used, open]);
  const icon = <MoreHorizontal aria-hidden className="size-4" />;
  if (!used) {
    const start = (how: 'pointer' | 'keyboard') => {
      setUsed(how);
      setOpen(true);
    };
    return (
      <Button
        variant="ghost"
        size="icon"
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={false}
        onClick={(event) => start(event.detail === 0 ? 'keyboard' : 'pointer')}
        onKeyDown={(event) => {
          if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
          event.preventDefault();
          start('keyboard');
        }}
      >
        {icon}
      </Button>
    );
  }
  return (
    <Menu.Root modal={false} open={open} onOpenChange={setOpen}>
      <Menu.Trigger asChild>
        <Button variant="ghost" size="icon" aria-label={label}>
          {icon}
        </Button>
      </Menu.Trigger>
      <DropdownMenuContent ref={content}>{children}</DropdownMenuContent>
    </Menu.Root>
  );
}
