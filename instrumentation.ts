// Runs once when a server starts: see lib/startup.ts (Node.js runtime only).
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') await (await import('./lib/startup')).startServer();
}

/**
 * Every error a request hits, logged with the reference the error page shows (Next's digest), so an
 * operator can find the cause from what the user reads out.
 */
export function onRequestError(error: unknown, request: { path: string; method: string }) {
  const digest = (error as { digest?: string }).digest;
  console.error(`[userdesk] error reference ${digest ?? 'none'} on ${request.method} ${request.path}:`, error);
}
