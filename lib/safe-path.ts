// Where a user may be sent after signing in or changing a password: only a path on this site.
const ORIGIN = 'http://userdesk.invalid';

export function safePath(next: string | null | undefined, fallback = '/'): string {
  // Backslashes and control characters are refused outright: browsers read "/\\host" as "//host".
  if (!next || next.includes('\\') || [...next].some((c) => c.charCodeAt(0) < 0x20)) return fallback;
  try {
    const url = new URL(next, ORIGIN);
    return url.origin === ORIGIN ? `${url.pathname}${url.search}${url.hash}` : fallback;
  } catch {
    return fallback;
  }
}
