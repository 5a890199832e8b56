import NextAuth from 'next-auth';
import type { NextRequest } from 'next/server';
import { authErrorRedirect } from '@/lib/auth/error-page';
import { authOptions } from '@/lib/auth/options';

const handler = NextAuth(authOptions);

type Context = { params: Promise<{ nextauth: string[] }> };

async function route(request: NextRequest, context: Context) {
  const [action, detail] = (await context.params).nextauth;
  // Answered here: next-auth would write the error into the Location header unencoded (see error-page.ts).
  if (action === 'error') return authErrorRedirect(request.nextUrl.searchParams.get('error') ?? detail);
  return handler(request, context);
}

export { route as GET, route as POST };
