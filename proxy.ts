// Sends signed-out visitors to /login. A convenience only: every page, action and route handler
// checks the caller on the server (lib/auth/session.ts, lib/action.ts).
import type { NextFetchEvent } from 'next/server';
import { NextResponse } from 'next/server';
import { withAuth, type NextRequestWithAuth } from 'next-auth/middleware';

const redirectSignedOut = withAuth({ pages: { signIn: '/login' } });

// The way back after signing in rides in the redirect's Location header. No page of ours needs an
// address this long; carrying one would make a header many clients refuse, so it is dropped.
const LONGEST_RETURN_ADDRESS = 2048;

export default async function proxy(request: NextRequestWithAuth, event: NextFetchEvent) {
  const response = await redirectSignedOut(request, event);
  const location = response instanceof Response ? response.headers.get('location') : null;
  if (location && location.length > LONGEST_RETURN_ADDRESS) return NextResponse.redirect(new URL('/login', request.url));
  return response;
}

export const config = {
  matcher: ['/((?!login|setup|forgot-password|set-password|api/|docs/api|Services/|_next/|favicon.ico).*)'],
};
