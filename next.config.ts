import type { NextConfig } from 'next';
import { FORM_BODY_LIMIT_BYTES } from './lib/form-limit';

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

const securityHeaders = [
  { key: 'Content-Security-Policy', value: csp },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  // HSTS depends on the public URL at run time, so scripts/server-wrapper.mjs sends it, not this file.
];

const nextConfig: NextConfig = {
  // PGlite ships wasm and resolves files at run time: bundling it breaks migrations and bloats the client.
  serverExternalPackages: ['@electric-sql/pglite', 'exceljs', 'unzipper'],
  allowedDevOrigins: ['127.0.0.1'],
  poweredByHeader: false,
  experimental: {
    authInterrupts: true,
    // The limit we mean (1 MB: every form here is small); components/forms/form-size-guard.tsx says so
    // in the browser before a larger form is sent.
    serverActions: { bodySizeLimit: FORM_BODY_LIMIT_BYTES },
  },
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders }];
  },
};

export default nextConfig;
