'use client';

import { Boxes, FileText, Inbox, KeyRound, LayoutGrid, Menu, ScrollText, Settings, ShieldCheck, UserRound, Users, X, type LucideIcon } from 'lucide-react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { cn } from '@/lib/utils';

// Icons by name, so the server-side navigation list (app/(portal)/layout.tsx) stays plain data.
const ICONS: Record<string, LucideIcon> = {
  users: Users,
  security: ShieldCheck,
  settings: Settings,
  outbox: Inbox,
  audit: ScrollText,
  profile: UserRound,
  roles: KeyRound,
  environments: Boxes,
  import: FileText,
};

export type NavItem = { href: string; label: string; icon?: string };

/**
 * The main navigation: a column beside the page from md up; on a phone, a Menu button that opens the
 * same links as a panel under the top bar (a sideways-scrolling strip hid most of them off-screen).
 * It closes when a link is chosen (or the page changes), on Escape (focus back on the button), and when
 * focus or a click goes elsewhere: it lies over the page, which must not take focus unseen beneath it.
 */
export function NavLinks({ items }: { items: NavItem[] }) {
  const pathname = usePathname();
  // Open on the page where it was opened: any navigation closes it.
  const [openOn, setOpenOn] = useState<string | null>(null);
  const open = openOn === pathname;
  const setOpen = (value: boolean) => setOpenOn(value ? pathname : null);
  const button = useRef<HTMLButtonElement>(null);
  const wrapper = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    // A tap elsewhere (a phone's tap does not always move focus, so blur alone would miss it).
    const away = (event: PointerEvent) => {
      if (!wrapper.current?.contains(event.target as Node)) setOpenOn(null);
    };
    document.addEventListener('pointerdown', away);
    return () => document.removeEventListener('pointerdown', away);
  }, [open]);
  return (
    <div
      ref={wrapper}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && open) {
          setOpen(false);
          button.current?.focus();
        }
      }}
      onBlur={(event) => {
        if (open && !event.currentTarget.contains(event.relatedTarget)) setOpen(false);
      }}
    >
      <button
        ref={button}
        type="button"
        aria-expanded={open}
        aria-controls="main-nav-links"
        onClick={() => setOpen(!open)}
        className="inline-flex h-10 items-center gap-2 rounded-md px-3 text-sm font-medium text-slate-700 hover:bg-slate-100 md:hidden"
      >
        {open ? <X aria-hidden className="size-4" /> : <Menu aria-hidden className="size-4" />}
        Menu
      </button>
      <ul
        id="main-nav-links"
        className={cn(
          'flex-col gap-1 md:static md:flex md:border-0 md:bg-transparent md:p-0 md:shadow-none',
          open ? 'absolute inset-x-0 top-14 z-40 flex border-b border-slate-200 bg-slate-50 p-2 shadow-lg' : 'hidden',
        )}
      >
        {items.map((item) => {
          const current = pathname === item.href || pathname.startsWith(`${item.href}/`);
          const Icon = (item.icon && ICONS[item.icon]) || LayoutGrid;
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={current ? 'page' : undefined}
                onClick={() => setOpen(false)}
                className={cn(
                  // The ring is drawn inside the link: the sidebar scrolls, so it clips whatever sticks out.
                  'flex h-10 items-center gap-2.5 rounded-md px-2.5 text-sm font-medium whitespace-nowrap focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-600 md:h-8',
                  current ? 'bg-slate-200/70 text-slate-900' : 'text-slate-600 hover:bg-slate-100 hover:text-slate-900',
                )}
              >
                <Icon aria-hidden className={cn('size-4 shrink-0', current ? 'text-indigo-600' : 'text-slate-500')} />
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
