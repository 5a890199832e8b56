'use client';

import { LogOut, UserRound } from 'lucide-react';
import { signOut } from 'next-auth/react';
import Link from 'next/link';
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuSeparator, DropdownMenuTrigger } from '@/components/ui/dropdown-menu';

/** The account menu, which says in full what the top bar may cut short. Not modal: a modal menu hides the page from screen readers while it stays focusable (axe aria-hidden-focus). */
export function UserMenu({ name, email, roleName, organization }: { name: string; email: string; roleName: string; organization?: string }) {
  const initials = name
    .split(/\s+/)
    .map((part) => part[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
  return (
    <DropdownMenu modal={false}>
      <DropdownMenuTrigger
        className="flex h-8 items-center gap-2 rounded-full pr-2 text-sm font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600"
        aria-label={`Account menu for ${name}`}
      >
        <span aria-hidden className="flex size-8 items-center justify-center rounded-full bg-indigo-600 text-xs font-semibold text-white">
          {initials}
        </span>
        <span className="hidden max-w-40 truncate lg:inline"><bdi>{name}</bdi></span>
      </DropdownMenuTrigger>
      <DropdownMenuContent className="w-64">
        <div className="px-2.5 py-2 [overflow-wrap:anywhere]">
          <p className="font-medium text-slate-900"><bdi>{name}</bdi></p>
          <p className="text-xs text-slate-600"><bdi>{email}</bdi></p>
          <p className="text-xs text-slate-600">{organization ? `${roleName} at ${organization}` : roleName}</p>
        </div>
        <DropdownMenuSeparator />
        <DropdownMenuItem asChild>
          <Link href="/profile"><UserRound aria-hidden className="size-4 text-slate-500" />My profile</Link>
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => void signOut({ callbackUrl: '/login' })}>
          <LogOut aria-hidden className="size-4 text-slate-500" />
          Sign out
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
