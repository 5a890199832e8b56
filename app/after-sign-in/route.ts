// Where the login form goes after a successful sign-in: to /change-password first when the password
// must be changed or is about to expire, else to the page that was asked for.
import type { NextRequest } from 'next/server';
import { db } from '@/db';
import { getCurrentUser } from '@/lib/auth/session';
import { inPasswordWarningWindow } from '@/lib/auth/sign-in';
import { safePath } from '@/lib/safe-path';
import { getSecuritySettings } from '@/lib/settings';

// A relative Location keeps the browser on the host it used (behind proxies, on 127.0.0.1 or localhost).
const redirectTo = (path: string) => new Response(null, { status: 303, headers: { Location: path } });

export async function GET(request: NextRequest) {
  const user = await getCurrentUser();
  if (!user) return redirectTo('/login');
  const safeNext = safePath(request.nextUrl.searchParams.get('next'));
  const warn = inPasswordWarningWindow(user.passwordChangedAt, await getSecuritySettings(db));
  return redirectTo(user.requirePasswordChange || warn ? `/change-password?next=${encodeURIComponent(safeNext)}` : safeNext);
}
