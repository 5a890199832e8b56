import type { NextConfig } from 'next';
import { FORM_BODY_LIMIT_BYTES } from './lib/form-limit';
import { SECURITY_HEADERS } from './lib/security-headers';

const nextConfig: NextConfig = {
  // PGlite ships wasm and resolves files at run time: bundling it breaks migrations and bloats the client.
  // The database packages are also loaded by the REST API's direct path (scripts/build-api.mjs) in the
  // same process: one copy of each, so the two share one connection pool.
  serverExternalPackages: ['@electric-sql/pglite', 'exceljs', 'unzipper', 'drizzle-orm', 'postgres'],
  allowedDevOrigins: ['127.0.0.1'],
  poweredByHeader: false,
  experimental: {
    authInterrupts: true,
    // The limit we mean (1 MB: every form here is small); components/forms/form-size-guard.tsx says so
    // in the browser before a larger form is sent.
    serverActions: { bodySizeLimit: FORM_BODY_LIMIT_BYTES },
  },
  async headers() {
    return [{ source: '/:path*', headers: [...SECURITY_HEADERS] }];
  },
};

export default nextConfig;
