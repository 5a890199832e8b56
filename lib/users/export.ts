// CSV export of a user list view: the same filter as the page (listFilter), walked in keyset batches
// by id so memory stays flat at any size, each batch one query. Cells that a spreadsheet would run as
// a formula are neutralised with a leading quote (lib/spreadsheet-safety.ts).
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { environments, roles, userEnvironments, users } from '@/db/schema';
import type { Principal } from '@/lib/auth/principal';
import { stillAllowed } from '@/lib/auth/rights';
import { AppError } from '@/lib/errors';
import { csvLine } from '@/lib/spreadsheet-safety';
import { otherEnvironmentsLabel } from '@/lib/utils';
import { listFilter, type FilterParams } from './list';
import { environmentsSeenBy } from './scope';

export const EXPORT_BATCH = 1000;
export const EXPORT_STOPPED = 'The export stopped: you may no longer read these users.';

const HEADER = ['First name', 'Last name', 'Email', 'Role', 'Status', 'Environments', 'Tags', 'Last sign-in (UTC)', 'Created (UTC)'];


/** The rows of the view, batch by batch, as CSV text (the header first). */
export async function* exportUsersCsv(q: Queryable, principal: Principal, environmentId: string, params: FilterParams, batchSize = EXPORT_BATCH): AsyncGenerator<string> {
  yield `\uFEFF${csvLine(HEADER)}`;
  const filter = listFilter(principal, environmentId, params);
  let last: string | undefined;
  for (;;) {
    // A slow reader holds the download open: someone banned or demoted meanwhile is sent nothing more.
    if (last && !(await stillAllowed(q, principal, 'users.read'))) throw new AppError('forbidden', EXPORT_STOPPED);
    const batch = await q
      .select({
        id: users.id,
        firstName: users.firstName,
        lastName: users.lastName,
        email: users.email,
        roleName: roles.name,
        allEnvironments: roles.allEnvironments,
        status: users.status,
        tags: users.tags,
        lastSignInAt: users.lastSignInAt,
        createdAt: users.createdAt,
      })
      .from(users)
      .innerJoin(roles, eq(roles.id, users.roleId))
      .where(and(filter, last ? gt(users.id, last) : undefined))
      .orderBy(asc(users.id))
      .limit(batchSize);
    if (batch.length === 0) return;
    const memberships = await q
      .select({ userId: userEnvironments.userId, environmentId: userEnvironments.environmentId, name: environments.name })
      .from(userEnvironments)
      .innerJoin(environments, eq(environments.id, userEnvironments.environmentId))
      .where(inArray(userEnvironments.userId, batch.map((u) => u.id)));
    let text = '';
    for (const u of batch) {
      // Only the environments the exporter works in are named, as on the page (environmentsSeenBy).
      const seen = environmentsSeenBy(principal, memberships.filter((m) => m.userId === u.id));
      const envs = u.allEnvironments ? 'All' : [...seen.names.sort(), seen.others ? otherEnvironmentsLabel(seen.others) : ''].filter(Boolean).join('; ');
      text += csvLine([
        u.firstName,
        u.lastName,
        u.email,
        u.roleName,
        u.status,
        envs,
        u.tags.map((t) => `${t.name}=${t.value}`).join('; '),
        u.lastSignInAt?.toISOString() ?? '',
        u.createdAt.toISOString(),
      ]);
    }
    yield text;
    last = batch.at(-1)!.id;
    if (batch.length < batchSize) return;
  }
}
