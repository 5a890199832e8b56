// next-auth's error page (/api/auth/error?error=...) sends the visitor on to our sign-in page with the
// error pasted into the address unencoded: a newline or a character outside Latin-1 in it made an
// invalid Location header, so the route threw and the visitor got a 500. The sign-in page only knows
// a few short codes (lib/auth/sign-in.ts), so only a short code is passed on, encoded; anything else
// reaches /login as next-auth's generic "Configuration".

/** The answer to /api/auth/error: back to /login, with the error when it is a plain code. */
export function authErrorRedirect(error: string | null | undefined): Response {
  const code = error && /^[A-Za-z_]{1,40}$/.test(error) ? error : 'Configuration';
  return new Response(null, { status: 302, headers: { Location: `/login?error=${encodeURIComponent(code)}`, 'Cache-Control': 'no-store' } });
}
