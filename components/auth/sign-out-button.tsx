'use client';

import { signOut } from 'next-auth/react';

/** Signs out and goes to the sign-in page, as the account menu's Sign out does; styled as a link for pages without the shell. */
export function SignOutButton() {
  return (
    <button type="button" onClick={() => void signOut({ callbackUrl: '/login' })} className="font-medium text-indigo-700 hover:underline">
      Sign out
    </button>
  );
}
