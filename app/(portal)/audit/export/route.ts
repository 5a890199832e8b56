// GET /audit/export?<the /audit filters>: the filtered audit view as CSV, streamed.
import { db } from '@/db';
import { hasPermission } from '@/lib/auth/permissions';
import { principalOf } from '@/lib/auth/principal';
import { getCurrentUser } from '@/lib/auth/session';
import { readAuditParams } from '@/lib/audit/search';
import { auditCsvStream } from '@/lib/audit/search-export';
import { problem } from '@/lib/problem';

export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  const user = await getCurrentUser();
  if (!user) return problem(401, 'Sign in to export the audit log.');
  if (!hasPermission(user, 'audit.read') || user.requirePasswordChange) return problem(403, 'You do not have permission to export the audit log.');
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
