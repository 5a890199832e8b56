import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // PGlite ships wasm and resolves files at run time: bundling it breaks migrations and bloats the client.
  serverExternalPackages: ['@electric-sql/pglite', 'exceljs', 'unzipper'],
  allowedDevOrigins: ['127.0.0.1'],
  poweredByHeader: false,
  experimental: { authInterrupts: true },
};

export default nextConfig;
