// GET /audit/export?<the /audit filters>: the filtered audit view as CSV, streamed.
import { db } from '@/db';
import { hasPermission } from '@/lib/auth/permissions';
import { principalOf } from '@/lib/auth/principal';
import { getCurrentUser } from '@/lib/auth/session';
import { readAuditParams } from '@/lib/audit/search';
import { auditCsvStream } from '@/lib/audit/search-export';

export async function GET(request: Request) {
  const user = await getCurrentUser();
  if (!user) return new Response('Sign in first.', { status: 401 });
  if (!hasPermission(user, 'audit.read') || user.requirePasswordChange) return new Response('You do not have permission to do that.', { status: 403 });
  const params = readAuditParams(new URL(request.url).searchParams);
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return new Response(auditCsvStream(db, principalOf(user), params), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="audit-log-${stamp}.csv"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
