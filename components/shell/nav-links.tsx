'use client';

import { Boxes, FileText, Inbox, KeyRound, LayoutGrid, ScrollText, Settings, ShieldCheck, UserRound, Users, type LucideIcon } from 'lucide-react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
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

export function NavLinks({ items }: { items: NavItem[] }) {
  const pathname = usePathname();
  return (
    <ul className="flex gap-1 overflow-x-auto md:flex-col md:overflow-visible">
      {items.map((item) => {
        const current = pathname === item.href || pathname.startsWith(`${item.href}/`);
        const Icon = (item.icon && ICONS[item.icon]) || LayoutGrid;
        return (
          <li key={item.href}>
            <Link
              href={item.href}
              aria-current={current ? 'page' : undefined}
              className={cn(
                'flex h-8 items-center gap-2.5 rounded-md px-2.5 text-sm font-medium whitespace-nowrap',
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
  );
}
