// GET /api/v1/users (the All Users query, by cursor) and POST /api/v1/users (invite, or create active).
import { db } from '@/db';
import { requirePermissionOf } from '@/lib/auth/principal';
import { apiRoute, etagOf, json, methodNotAllowed, nextLink, readBody } from '@/lib/api-users/http';
import { listQuerySchema, resolveEnvironment, viewUser } from '@/lib/api-users/users-api';
import { AppError, type FieldErrors } from '@/lib/errors';
import { createUserFieldsSchema, createUserFromFields } from '@/lib/users/fields';
import { countUsers, listFilter, listUsers } from '@/lib/users/list';
import { z } from 'zod';

export const GET = apiRoute(async ({ caller, request }) => {
  const url = new URL(request.url);
  const parsed = listQuerySchema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) {
    const { fieldErrors } = z.flattenError(parsed.error) as { fieldErrors: FieldErrors };
    throw new AppError('invalid', 'Check the query parameters named in errors.', fieldErrors);
  }
  const params = parsed.data;
  const { principal } = caller;
  requirePermissionOf(principal, 'users.read');
  const environmentId = await resolveEnvironment(db, principal, params.environment);
  const [page, count] = await Promise.all([
    listUsers(db, principal, environmentId, params),
    countUsers(db, listFilter(principal, environmentId, params)),
  ]);
  return json({
    users: page.users.map((u) => ({
      id: u.id,
      email: u.email,
      firstName: u.firstName,
      lastName: u.lastName,
      status: u.status,
      role: u.roleName,
      lastSignInAt: u.lastSignInAt?.toISOString() ?? null,
      environments: u.environments,
      tags: u.tags,
    })),
    count: count.count,
    countExact: count.exact,
    next: nextLink(url, page.next),
  });
});

export const POST = apiRoute(async ({ caller, meta, request }) => {
  requirePermissionOf(caller.principal, 'users.write');
  const input = await readBody(request, createUserFieldsSchema);
  const user = await db.transaction(async (tx) => {
    const { userId } = await createUserFromFields(tx, caller.principal, input, meta);
    return viewUser(tx, caller.principal, userId);
  });
  return json(user, { status: 201, headers: { location: `/api/v1/users/${user.id}`, etag: etagOf(user.version) } });
});

const refused = methodNotAllowed('GET, POST');
export { refused as PUT, refused as PATCH, refused as DELETE };
