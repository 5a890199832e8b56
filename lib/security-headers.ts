// The security headers of every response: next.config.ts sends them with everything Next.js serves, and
// lib/api-users/serve-node.ts with the REST API it serves directly. HSTS depends on the public URL at run
// time, so scripts/server-wrapper.mjs sends it.
//
// No script nonces: Next.js writes inline bootstrap and RSC-payload scripts into every page; a nonce on
// them needs a per-request nonce from proxy.ts on every route and every page rendered dynamically
// (static pages such as the 404 would lose their scripts). 'unsafe-inline' scripts are therefore
// allowed, but only from this origin: no third-party script, no eval in production, no plugins, no
// <base> hijack, no framing, forms post only here.
const csp = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${process.env.NODE_ENV === 'development' ? " 'unsafe-eval'" : ''}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: readonly { key: string; value: string }[] = [
  { key: 'Content-Security-Policy', value: csp },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
];
