// Upload of an import file (or the grid, sent as CSV): the body is the file itself, streamed to a
// temporary file while its size is counted, and refused the moment it passes the limit. Server
// actions buffer the whole body (and stop at 1 MB), so uploads come here instead.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { db } from '@/db';
import { getCurrentEnvironment } from '@/lib/auth/session';
import { errorResponse, importer, problem } from '@/lib/import/http';
import { createImport, GRID_SOURCE, importLimits, withCheckCapacity } from '@/lib/import/jobs';
import { kindOf } from '@/lib/import/read';
import { saveUpload, tooLarge } from '@/lib/import/upload';
import { metaFromHeaders } from '@/lib/request';

export const dynamic = 'force-dynamic';

export async function POST(request: Request) {
  const caller = await importer();
  if (caller instanceof Response) return caller;
  // A custom header cannot be sent cross-site without a CORS preflight, which this route never grants.
  if (request.headers.get('x-userdesk-upload') !== '1') return problem(403, 'Uploads must come from the import page.');
  const url = new URL(request.url);
  const fileName = (url.searchParams.get('name') ?? '').slice(0, 255);
  const existing = url.searchParams.get('existing') === 'update' ? 'update' : 'skip';
  const source = url.searchParams.get('source') === 'grid' ? GRID_SOURCE : undefined;
  const { maxBytes } = importLimits();
  let tempFile: string | undefined;
  try {
    kindOf(fileName);
    if (Number(request.headers.get('content-length') ?? 0) > maxBytes) return problem(413, tooLarge(maxBytes).message);
    if (!request.body) return problem(400, 'The file is empty. Add a header row and one row per user.');
    const body = request.body as unknown as AsyncIterable<Uint8Array>;
    const job = await withCheckCapacity(async () => {
      tempFile = await saveUpload(body, path.extname(fileName).toLowerCase(), maxBytes);
      const environment = await getCurrentEnvironment(caller.user);
      return createImport(db, caller.principal, { path: tempFile, fileName, source }, { existing, environmentId: environment?.id ?? null }, metaFromHeaders(request.headers));
    });
    return Response.json(job, { status: 201, headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    return errorResponse(error);
  } finally {
    if (tempFile) await rm(tempFile, { force: true });
  }
}
