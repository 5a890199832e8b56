// Sends signed-out visitors to /login. A convenience only: every page, action and route handler
// checks the caller on the server (lib/auth/session.ts, lib/action.ts).
import type { NextFetchEvent } from 'next/server';
import { NextResponse } from 'next/server';
import { withAuth, type NextRequestWithAuth } from 'next-auth/middleware';
import { RETURN_PATH_HEADER, requestedPath } from './lib/return-path';

const redirectSignedOut = withAuth({ pages: { signIn: '/login' } });

// The way back after signing in rides in the redirect's Location header. No page of ours needs an
// address this long; carrying one would make a header many clients refuse, so it is dropped.
const LONGEST_RETURN_ADDRESS = 2048;

export default async function proxy(request: NextRequestWithAuth, event: NextFetchEvent) {
  const response = await redirectSignedOut(request, event);
  const location = response instanceof Response ? response.headers.get('location') : null;
  if (location && location.length > LONGEST_RETURN_ADDRESS) return NextResponse.redirect(new URL('/login', request.url));
  if (response) return response;
  // Signed in: the page learns what was asked for, its way back should it send the user to
  // /change-password first (requireUser). Always set here, so a client's own header never gets through.
  const headers = new Headers(request.headers);
  headers.set(RETURN_PATH_HEADER, requestedPath(request.nextUrl));
  return NextResponse.next({ request: { headers } });
}

export const config = {
  matcher: ['/((?!login|setup|forgot-password|set-password|api/|docs/api|Services/|_next/|favicon.ico).*)'],
};
