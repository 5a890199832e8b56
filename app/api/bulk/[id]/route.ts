// A bulk action's progress, for the bar above the user lists (polled; it lives in PostgreSQL, so it
// survives a reload and reads the same from any instance). Only its creator's: anyone else gets 404.
import { z } from 'zod';
import { db } from '@/db';
import { problem } from '@/lib/import/http';
import { principalOf } from '@/lib/auth/principal';
import { getCurrentUser } from '@/lib/auth/session';
import { getBulkJob } from '@/lib/users/bulk-jobs';

export const dynamic = 'force-dynamic';

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await getCurrentUser();
  if (!user) return problem(401, 'Your session has ended. Sign in again.');
  const id = z.uuid().safeParse((await params).id);
  const job = id.success ? await getBulkJob(db, principalOf(user), id.data) : null;
  if (!job) return problem(404, 'No such bulk action of yours.');
  return Response.json(job, { headers: { 'cache-control': 'no-store' } });
}
