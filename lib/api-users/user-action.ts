// The POST /api/v1/users/{id}/<action> routes: 404 outside the key's environments (checked before any
// permission, so a refusal never hints that the user exists), 403 without the action's permission, 412
// for a stale If-Match (only then: a version is no business of a key that may not act), then the
// portal's own lib/users action in one transaction with its audit event, answering with the user as
// they now are. If-Match is checked again on the user's row, locked in that transaction: a change
// committed between the first read and the action is a 412 too, and without If-Match the action
// applies to the user as it finds them (never a 409 for a change the client did not know of).
import 'server-only';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { db } from '@/db';
import type { Tx } from '@/db/client';
import { users } from '@/db/schema';
import type { RequestMeta } from '@/lib/audit';
import type { Permission } from '@/lib/auth/permissions';
import { requirePermissionOf, type Principal } from '@/lib/auth/principal';
import { AppError } from '@/lib/errors';
import { STALE_EDIT } from '@/lib/users/update';
import { confirmCaller, settleCaller } from './authenticate';
import { apiRoute, etagOf, ifMatchVersion, json, PreconditionFailed, readBody, STALE_IF_MATCH, type ApiContext } from './http';
import { changeAnswer, viewUser, withoutEmail } from './users-api';

type Run<B> = (tx: Tx, principal: Principal, userId: string, ctx: ApiContext & { version: number; body: B }, meta: RequestMeta) => Promise<unknown>;

/** An action that takes no body: none, or `{}`; any field is refused as one the request does not have, never ignored. */
const NO_BODY = z.object({}).strict();

/**
 * `bodySchema`: the action's JSON body, read in full before the transaction begins, so a client that
 * sends it slowly holds no connection, transaction or row lock meanwhile.
 */
export function userActionRoute<B = undefined>(permission: Permission, run: Run<B>, bodySchema?: z.ZodType<B>) {
  return apiRoute<{ id: string }>(async (ctx, { id }) => {
    const before = await viewUser(db, ctx.caller.principal, id);
    requirePermissionOf(ctx.caller.principal, permission);
    const ifMatch = ifMatchVersion(ctx.request);
    if (ifMatch !== null && ifMatch !== before.version) throw new PreconditionFailed(STALE_IF_MATCH);
    const body = (await readBody(ctx.request, bodySchema ?? NO_BODY)) as B;
    try {
      const user = await db.transaction(async (tx) => {
        const principal = await confirmCaller(tx, ctx.caller);
        const [row] = await tx.select({ version: users.version }).from(users).where(eq(users.id, id)).for('update');
        if (!row) throw new AppError('not_found', 'No such user in your environments.');
        if (ifMatch !== null && ifMatch !== row.version) throw new PreconditionFailed(STALE_IF_MATCH);
        await run(tx, principal, id, { ...ctx, version: row.version, body }, ctx.meta);
        await settleCaller(tx, ctx.caller, principal);
        return viewUser(tx, principal, id);
      });
      return json(changeAnswer(ctx.caller.principal, user), { headers: { etag: etagOf(user.version) } });
    } catch (error) {
      if (ifMatch !== null && error instanceof AppError && error.message === STALE_EDIT)
        throw new PreconditionFailed(STALE_IF_MATCH);
      throw withoutEmail(ctx.caller.principal, error, before.email);
    }
  });
}
