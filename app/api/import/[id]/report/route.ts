// An import's result report: each input row with its outcome and message, as .xlsx.
import { db } from '@/db';
import { errorResponse, importer, xlsxResponse } from '@/lib/import/http';
import { getImport } from '@/lib/import/jobs';
import { reportStream } from '@/lib/import/sheets';

export const dynamic = 'force-dynamic';

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const caller = await importer();
  if (caller instanceof Response) return caller;
  try {
    const job = await getImport(db, caller.principal, (await params).id);
    const day = job.createdAt.toISOString().slice(0, 10);
    // Before the run it is the check of the file; after, its result: two files, two names.
    const kind = ['done', 'failed', 'cancelled'].includes(job.status) ? 'result' : 'check';
    return xlsxResponse(reportStream(db, job), `import-${kind}-${day}-${job.id.slice(0, 8)}.xlsx`);
  } catch (error) {
    return errorResponse(error);
  }
}
