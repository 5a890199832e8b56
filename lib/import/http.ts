// What the import route handlers share: the caller (401/403 decided on the server, never by the
// client), problem+json errors, and Node streams as web responses.
import 'server-only';
import { Readable } from 'node:stream';
import { hasPermission } from '@/lib/auth/permissions';
import { principalOf, type Principal } from '@/lib/auth/principal';
import { getCurrentUser, type SessionUser } from '@/lib/auth/session';
import { AppError } from '@/lib/errors';

export const problem = (status: number, detail: string) =>
  Response.json({ type: 'about:blank', title: detail, status, detail }, { status, headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' } });

export function errorResponse(error: unknown): Response {
  if (error instanceof AppError) return problem(error.status, error.message);
  console.error(error);
  return problem(500, 'Something went wrong and nothing was saved. Try again.');
}

/** The signed-in holder of users.write, or the response refusing them (401, then 403). */
export async function importer(): Promise<{ user: SessionUser; principal: Principal } | Response> {
  const user = await getCurrentUser();
  if (!user) return problem(401, 'Your session has ended. Sign in again.');
  if (user.requirePasswordChange) return problem(403, 'Change your password before you continue.');
  if (!hasPermission(user, 'users.write')) return problem(403, 'You do not have permission to import users.');
  return { user, principal: principalOf(user) };
}

export function xlsxResponse(stream: Readable, fileName: string): Response {
  return new Response(Readable.toWeb(stream) as ReadableStream, {
    headers: {
      'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'content-disposition': `attachment; filename="${fileName.replace(/[^\w.-]+/g, '_')}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
