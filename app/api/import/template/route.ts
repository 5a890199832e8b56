// The import template: the grid's columns and a sheet of the roles and environments the caller may use.
import { db } from '@/db';
import { importer, xlsxResponse } from '@/lib/import/http';
import { templateChoices, validationContext } from '@/lib/import/jobs';
import { templateStream } from '@/lib/import/sheets';

export const dynamic = 'force-dynamic';

export async function GET() {
  const caller = await importer();
  if (caller instanceof Response) return caller;
  const { roles, environments } = templateChoices(await validationContext(db, caller.principal, { existing: 'skip', environmentId: null }));
  return xlsxResponse(templateStream(roles, environments), 'userdesk-import-template.xlsx');
}
