import NextAuth from 'next-auth';
import type { NextRequest } from 'next/server';
import { authErrorRedirect } from '@/lib/auth/error-page';
import { authOptions } from '@/lib/auth/options';

const handler = NextAuth(authOptions);

/**
 * Endpoints of next-auth the portal has no use for: _log writes whatever anyone posts into the server's
 * log (forged lines included), verify-request is the email provider's "Check your email" page, and a
 * GET of the credentials callback is answered by next-auth with a 500.
 */
const unused = (action: string | undefined, method: string) => action === '_log' || action === 'verify-request' || (action === 'callback' && method !== 'POST');

type Context = { params: Promise<{ nextauth: string[] }> };

async function route(request: NextRequest, context: Context) {
  const [action, detail] = (await context.params).nextauth;
  // Answered here: next-auth would write the error into the Location header unencoded (see error-page.ts).
  if (action === 'error') return authErrorRedirect(request.nextUrl.searchParams.get('error') ?? detail);
  if (unused(action, request.method)) return new Response('Not found', { status: 404, headers: { 'Cache-Control': 'no-store' } });
  return handler(request, context);
}

export { route as GET, route as POST };
