// The POST /api/v1/users/{id}/<action> routes: 404 outside the key's environments (checked before any
// permission, so a refusal never hints that the user exists), 403 without the action's permission, 412
// for a stale If-Match (only then: a version is no business of a key that may not act), then the
// portal's own lib/users action in one transaction with its audit event, answering with the user as
// they now are.
import 'server-only';
import { db } from '@/db';
import type { Tx } from '@/db/client';
import type { RequestMeta } from '@/lib/audit';
import type { Permission } from '@/lib/auth/permissions';
import { requirePermissionOf, type Principal } from '@/lib/auth/principal';
import { AppError } from '@/lib/errors';
import { STALE_EDIT } from '@/lib/users/update';
import { apiRoute, etagOf, ifMatchVersion, json, PreconditionFailed, STALE_IF_MATCH, type ApiContext } from './http';
import { viewUser } from './users-api';

type Run = (tx: Tx, principal: Principal, userId: string, ctx: ApiContext & { version: number }, meta: RequestMeta) => Promise<unknown>;

export function userActionRoute(permission: Permission, run: Run) {
  return apiRoute<{ id: string }>(async (ctx, { id }) => {
    const before = await viewUser(db, ctx.caller.principal, id);
    requirePermissionOf(ctx.caller.principal, permission);
    const ifMatch = ifMatchVersion(ctx.request);
    if (ifMatch !== null && ifMatch !== before.version) throw new PreconditionFailed(STALE_IF_MATCH);
    try {
      const user = await db.transaction(async (tx) => {
        await run(tx, ctx.caller.principal, id, { ...ctx, version: ifMatch ?? before.version }, ctx.meta);
        return viewUser(tx, ctx.caller.principal, id);
      });
      return json(user, { headers: { etag: etagOf(user.version) } });
    } catch (error) {
      if (ifMatch !== null && error instanceof AppError && error.message === STALE_EDIT)
        throw new PreconditionFailed(STALE_IF_MATCH);
      throw error;
    }
  });
}
