'use client';

import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import { signOut } from 'next-auth/react';
import Link from 'next/link';

export function UserMenu({ name, email, roleName }: { name: string; email: string; roleName: string }) {
  const initials = name
    .split(/\s+/)
    .map((part) => part[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger
        className="flex items-center gap-2 rounded-full p-1 pr-3 text-sm font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600"
        aria-label={`Account menu for ${name}`}
      >
        <span aria-hidden className="flex size-8 items-center justify-center rounded-full bg-indigo-600 text-xs font-semibold text-white">
          {initials}
        </span>
        <span className="hidden sm:inline">{name}</span>
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align="end"
          sideOffset={6}
          className="z-50 min-w-56 rounded-md bg-white p-1 text-sm shadow-lg ring-1 ring-slate-200"
        >
          <div className="px-3 py-2">
            <p className="font-medium text-slate-900">{name}</p>
            <p className="text-xs text-slate-600">{email}</p>
            <p className="text-xs text-slate-600">{roleName}</p>
          </div>
          <DropdownMenu.Separator className="my-1 h-px bg-slate-200" />
          <DropdownMenu.Item asChild className="block rounded px-3 py-2 outline-none data-[highlighted]:bg-slate-100">
            <Link href="/profile">Profile</Link>
          </DropdownMenu.Item>
          <DropdownMenu.Item
            className="block cursor-pointer rounded px-3 py-2 outline-none data-[highlighted]:bg-slate-100"
            onSelect={() => void signOut({ callbackUrl: '/login' })}
          >
            Sign out
          </DropdownMenu.Item>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
