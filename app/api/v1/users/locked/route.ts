// GET /api/v1/users/locked: the Locked Users tab for one environment, most recently locked first, by cursor.
import { db } from '@/db';
import { requirePermissionOf } from '@/lib/auth/principal';
import { apiRoute, json, methodNotAllowed, nextLink } from '@/lib/api-users/http';
import { resolveEnvironment } from '@/lib/api-users/users-api';
import { listLockedUsers, lockedParamsSchema } from '@/lib/users/locked';

export const GET = apiRoute(async ({ caller, request }) => {
  requirePermissionOf(caller.principal, 'users.read');
  const url = new URL(request.url);
  const environmentId = await resolveEnvironment(db, caller.principal, url.searchParams.get('environment') ?? undefined);
  // Bad values are dropped, as on the page: a garbled cursor starts from the first page.
  const params = lockedParamsSchema.parse({ q: url.searchParams.get('q') ?? undefined, after: url.searchParams.get('after') ?? undefined });
  const page = await listLockedUsers(db, caller.principal, environmentId, params);
  return json({
    users: page.users.map((u) => ({
      id: u.id,
      email: u.email,
      firstName: u.firstName,
      lastName: u.lastName,
      lockReason: u.lockReason,
      lockedAt: u.lockedAt?.toISOString() ?? null,
      failedAttempts: u.failedAttempts,
    })),
    next: nextLink(url, page.next),
  });
});

const refused = methodNotAllowed('GET');
export { refused as POST, refused as PUT, refused as PATCH, refused as DELETE };
