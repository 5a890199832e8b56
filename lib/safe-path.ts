// Where a user may be sent after signing in or changing a password: only a path on this site.
// Browsers resolve a Location or href with the WHATWG URL parser, which strips tabs and newlines, reads
// "\" as "/", decodes "%2e" in dot segments and removes "/./" and "/../": "/.//evil.example" becomes
// "//evil.example", another host. So the target is parsed the way a browser would, and what comes out
// must still be a single-slash path on our origin, stable when parsed again.
const ORIGIN = 'http://userdesk.invalid';
const MAX_LENGTH = 2048;

function resolve(next: string): string | null {
  // Control characters (tabs and newlines are silently dropped by browsers), DEL, backslashes and
  // whitespace have no place in a link we write ourselves: refuse rather than guess.
  if ([...next].some((c) => c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f) || next.includes('\\')) return null;
  if (/[\s\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/u.test(next)) return null;
  if (!next.startsWith('/') || next.startsWith('//')) return null;
  let url: URL;
  try {
    url = new URL(next, ORIGIN);
  } catch {
    return null;
  }
  if (url.origin !== ORIGIN || url.username || url.password) return null;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // After normalising: exactly one leading slash, and nothing a browser would read as a host.
  // Encoded slashes in the path are refused too: no page here has one, and a server or proxy that
  // decodes them before redirecting again would turn "/%2f%2fevil" into "//evil".
  if (!path.startsWith('/') || path.startsWith('//') || /%2f|%5c/i.test(url.pathname)) return null;
  return path;
}

export function safePath(next: string | null | undefined, fallback = '/'): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > MAX_LENGTH) return fallback;
  const path = resolve(next);
  // Parsing the result again must give the same result (no second round of normalising left to do).
  return path !== null && resolve(path) === path ? path : fallback;
}

/** next-auth's redirect callback: an absolute URL on baseUrl, whatever callbackUrl the caller sent. */
export function safeRedirectUrl(url: string, baseUrl: string): string {
  const base = new URL(baseUrl);
  let path: string = url;
  try {
    const parsed = new URL(url);
    path = parsed.origin === base.origin ? `${parsed.pathname}${parsed.search}${parsed.hash}` : '/';
  } catch {
    // Not absolute: a path (or garbage), judged by safePath.
  }
  return `${base.origin}${safePath(path)}`;
}
