// An import's state, for the progress bar (polled; survives a reload because it lives in PostgreSQL).
import { db } from '@/db';
import { errorResponse, importer } from '@/lib/import/http';
import { getImport } from '@/lib/import/jobs';

export const dynamic = 'force-dynamic';

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const caller = await importer();
  if (caller instanceof Response) return caller;
  try {
    const job = await getImport(db, caller.principal, (await params).id);
    const { status, rowsDone, newCount, updateCount, createdCount, updatedCount, skipCount, errorCount, startedAt, finishedAt, error, cancelRequested } = job;
    return Response.json(
      { status, rowsDone, rowsToDo: newCount + updateCount, createdCount, updatedCount, skipCount, errorCount, startedAt, finishedAt, error, cancelRequested, now: new Date() },
      { headers: { 'cache-control': 'no-store' } },
    );
  } catch (error) {
    return errorResponse(error);
  }
}
