// Sends signed-out visitors to /login. A convenience only: every page, action and route handler
// checks the caller on the server (lib/auth/session.ts, lib/action.ts).
import { withAuth } from 'next-auth/middleware';

export default withAuth({ pages: { signIn: '/login' } });

export const config = {
  matcher: ['/((?!login|setup|forgot-password|set-password|api/|docs/api|Services/|_next/|favicon.ico).*)'],
};
