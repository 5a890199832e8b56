// GET and PATCH /api/v1/users/{id}. PATCH takes every field of AssureSign's UpdateUser; with If-Match
// (the ETag of a GET) a change over someone else's newer one gets 412. If-Match is optional, as
// AssureSign clients do not send it; without it the change applies to the user as they are.
import { db } from '@/db';
import { requirePermissionOf } from '@/lib/auth/principal';
import { apiRoute, etagOf, ifMatchVersion, json, methodNotAllowed, PreconditionFailed, readBody } from '@/lib/api-users/http';
import { viewOf, viewUser } from '@/lib/api-users/users-api';
import { AppError } from '@/lib/errors';
import { updateUserFieldsSchema, updateUserFromFields } from '@/lib/users/fields';
import { STALE_EDIT } from '@/lib/users/update';

export const GET = apiRoute<{ id: string }>(
  async ({ caller, user: row }) => {
    const user = viewOf(caller.principal, row);
    requirePermissionOf(caller.principal, 'users.read');
    return json(user, { headers: { etag: etagOf(user.version) } });
  },
  ({ id }) => id,
);

export const PATCH = apiRoute<{ id: string }>(async ({ caller, meta, request }, { id }) => {
  await viewUser(db, caller.principal, id);
  requirePermissionOf(caller.principal, 'users.write');
  const ifMatch = ifMatchVersion(request);
  const input = await readBody(request, updateUserFieldsSchema);
  const version = ifMatch ?? input.version;
  try {
    const user = await db.transaction(async (tx) => {
      await updateUserFromFields(tx, caller.principal, id, { ...input, version }, meta);
      return viewUser(tx, caller.principal, id);
    });
    return json(user, { headers: { etag: etagOf(user.version) } });
  } catch (error) {
    if (ifMatch !== null && error instanceof AppError && error.message === STALE_EDIT)
      throw new PreconditionFailed('The user changed since you read it (If-Match no longer matches). GET it again, then retry.');
    throw error;
  }
});

const refused = methodNotAllowed('GET, PATCH');
export { refused as POST, refused as PUT, refused as DELETE };
