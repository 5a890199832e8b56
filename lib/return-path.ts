// The way back for a signed-in user sent to /change-password first: proxy.ts hands each page the path
// and query it was asked for in a request header, and requireUser (lib/auth/session.ts) carries it as
// /change-password's `next`. The header is only a hint, also sendable by a client where the proxy does
// not run: it is judged by safePath like any other `next`, so it can never lead off this site.
import { safePath } from './safe-path';

export const RETURN_PATH_HEADER = 'x-userdesk-return-path';

/** The path and query a request asked for, without Next's own cache-busting parameter. */
export function requestedPath(url: URL): string {
  const params = new URLSearchParams(url.search);
  params.delete('_rsc');
  const query = params.toString();
  return `${url.pathname}${query ? `?${query}` : ''}`;
}

/** /change-password, with the way back to the requested page when it is a safe one worth returning to. */
export function changePasswordHref(requested: string | null | undefined): string {
  const next = safePath(requested, '');
  if (!next || next === '/' || next === '/change-password' || next.startsWith('/change-password?')) return '/change-password';
  return `/change-password?next=${encodeURIComponent(next)}`;
}
