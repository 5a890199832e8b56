// The import template: the grid's columns and a sheet of the roles and environments the caller may use.
import { db } from '@/db';
import { canGrant } from '@/lib/auth/principal';
import { getVisibleEnvironments } from '@/lib/auth/session';
import { importer, xlsxResponse } from '@/lib/import/http';
import { validationContext } from '@/lib/import/jobs';
import { templateStream } from '@/lib/import/sheets';

export const dynamic = 'force-dynamic';

export async function GET() {
  const caller = await importer();
  if (caller instanceof Response) return caller;
  const [ctx, environments] = await Promise.all([
    validationContext(db, caller.principal, { existing: 'skip', environmentId: null }),
    getVisibleEnvironments(caller.user),
  ]);
  const roles = ctx.roles.filter((r) => canGrant(caller.principal, r)).sort((a, b) => a.name.localeCompare(b.name));
  return xlsxResponse(templateStream(roles, environments.map((e) => ({ id: e.id, name: e.name }))), 'userdesk-import-template.xlsx');
}
