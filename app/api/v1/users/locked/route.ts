// GET /api/v1/users/locked: the Locked Users tab, for one environment.
import { db } from '@/db';
import { requirePermissionOf } from '@/lib/auth/principal';
import { apiRoute, json } from '@/lib/api-users/http';
import { resolveEnvironment } from '@/lib/api-users/users-api';
import { listLockedUsers } from '@/lib/users/locked';

export const GET = apiRoute(async ({ caller, request }) => {
  requirePermissionOf(caller.principal, 'users.read');
  const requested = new URL(request.url).searchParams.get('environment') ?? undefined;
  const environmentId = await resolveEnvironment(db, caller.principal, requested);
  const rows = await listLockedUsers(db, caller.principal, environmentId);
  return json({ users: rows.map((u) => ({ ...u, lockedAt: u.lockedAt?.toISOString() ?? null })) });
});
