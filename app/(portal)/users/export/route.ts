import { db } from '@/db';
import { hasPermission } from '@/lib/auth/permissions';
import { principalOf } from '@/lib/auth/principal';
import { getCurrentEnvironment, getCurrentUser } from '@/lib/auth/session';
import { exportUsersCsv } from '@/lib/users/export';
import { readListParams } from '@/lib/users/list';
import { problem } from '@/lib/problem';

export const dynamic = 'force-dynamic';

/** GET /users/export?q=&status=&role=&env=&tag=&idle=: the filtered All Users view as CSV, streamed. */
export async function GET(request: Request) {
  const user = await getCurrentUser();
  if (!user) return problem(401, 'Sign in to export users.');
  if (!hasPermission(user, 'users.read') || user.requirePasswordChange) return problem(403, 'You do not have permission to export users.');
  const environment = await getCurrentEnvironment(user);
  if (!environment) return problem(403, 'You do not belong to any environment yet.');
  const params = readListParams(new URL(request.url).searchParams);
  const rows = exportUsersCsv(db, principalOf(user), environment.id, params);
  const encoder = new TextEncoder();
  // Pulled one batch at a time: a slow client slows the walk instead of filling memory.
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await rows.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await rows.return(undefined);
    },
  });
  const day = new Date().toISOString().slice(0, 10);
  return new Response(stream, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="users-${environment.name.replace(/[^A-Za-z0-9-]+/g, '-')}-${day}.csv"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
