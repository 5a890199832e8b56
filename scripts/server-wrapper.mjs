// What scripts/server.mjs adds in front of Next.js, per request: the TCP peer address in a header of our
// own that overwrites whatever the client sent under that name (see lib/request.ts), and HSTS when the
// portal's public URL is https (decided at run time, unlike next.config.ts headers, fixed at build), and
// a 400 for a path with a broken percent-escape (Next.js would answer it with a 500).
import { createHash } from 'node:crypto';

export const PEER_HEADER = 'x-userdesk-peer';

const HSTS = 'max-age=63072000; includeSubDomains';

/** True when the URL's path holds a percent-escape that does not decode (%zz, a cut UTF-8 sequence). */
export function hasBrokenEscape(url) {
  const path = (url ?? '').split('?', 1)[0];
  if (!path.includes('%')) return false;
  try {
    decodeURIComponent(path);
    return false;
  } catch {
    return true;
  }
}

// The bad-path page's only style, allowed by its hash: the policy lets nothing else in.
const BAD_PATH_STYLE =
  'body{margin:0;background:#f8fafc;color:#0f172a;font:16px/1.5 ui-sans-serif,system-ui,sans-serif}main{max-width:28rem;margin:3rem auto;padding:0 1rem}h1{font-size:1.25rem}a{color:#4338ca}';
const BAD_PATH_STYLE_HASH = createHash('sha256').update(BAD_PATH_STYLE).digest('base64');

/**
 * The security headers of lib/security-headers.ts (this file is plain JavaScript and cannot import it;
 * scripts/server-wrapper.test.ts holds the two together), with a stricter policy: this page runs nothing.
 */
const BAD_PATH_SECURITY_HEADERS = {
  'content-security-policy': `default-src 'none'; style-src 'sha256-${BAD_PATH_STYLE_HASH}'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * The answer to a path with a broken escape, which Next.js would answer with a 500 before any of our
 * code runs: 400, as problem+json under the REST API, as a short page elsewhere.
 */
function badPath(req, res) {
  const api = (req.url ?? '').startsWith('/api/v1/');
  const detail = 'The address has a broken percent-escape (a % not followed by a valid encoding).';
  res.writeHead(400, {
    'content-type': api ? 'application/problem+json' : 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    ...BAD_PATH_SECURITY_HEADERS,
  });
  res.end(
    api
      ? JSON.stringify({ type: '/docs/api#problem-invalid', title: 'Invalid request', status: 400, detail })
      : // The viewport tag, or a phone lays the page out 980 px wide and shrinks its text to a speck.
        `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Bad request · Userdesk</title><style>${BAD_PATH_STYLE}</style><main><h1>Bad request</h1><p>${detail}</p><p><a href="/">Go to Userdesk</a></p></main></html>`,
  );
}

/**
 * Wraps a Node request listener: the request carries its peer address in PEER_HEADER; https sites send
 * HSTS; a path with a broken percent-escape gets a 400 here.
 */
export function withPeerAddress(listener, { https = (process.env.NEXTAUTH_URL ?? '').startsWith('https:') } = {}) {
  return (req, res) => {
    if (https) res.setHeader('Strict-Transport-Security', HSTS);
    if (hasBrokenEscape(req.url)) return badPath(req, res);
    // IPv4 clients on a dual-stack socket appear as ::ffff:a.b.c.d; the audit log shows the plain form.
    req.headers[PEER_HEADER] = (req.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    return listener(req, res);
  };
}

/**
 * How many Next.js processes `npm start` runs. Node runs JavaScript on one core, so on PostgreSQL the
 * server runs one process per core, at most 4 unless WEB_CONCURRENCY says otherwise: each process
 * keeps up to 10 database connections, and PostgreSQL allows 100 by default. The processes share the
 * port and, like any instances, keep all state in the database. The embedded database opens in one
 * process only: 1. Returns an error message for a WEB_CONCURRENCY that is not a whole number from 1 to 64.
 */
const DEFAULT_MOST_PROCESSES = 4;

export function serverProcesses(env, cores) {
  if (!env.DATABASE_URL) return { processes: 1 };
  const raw = env.WEB_CONCURRENCY?.trim();
  if (!raw) return { processes: Math.max(1, Math.min(cores, DEFAULT_MOST_PROCESSES)) };
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= 64)) return { error: `WEB_CONCURRENCY must be a whole number from 1 to 64 (it is "${raw}").` };
  return { processes: n };
}
