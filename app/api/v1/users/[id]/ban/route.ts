// POST /api/v1/users/{id}/ban {reason}: the portal's Ban (banUser keeps the last-Administrator rule itself).
import { userActionRoute } from '@/lib/api-users/user-action';
import { methodNotAllowed, readBody } from '@/lib/api-users/http';
import { banBodySchema } from '@/lib/api-users/users-api';
import { banUser } from '@/lib/users/update';

export const POST = userActionRoute(async (tx, principal, userId, { request, version }, meta) => {
  const { reason } = await readBody(request, banBodySchema);
  await banUser(tx, principal, userId, { reason, version }, meta);
});

const refused = methodNotAllowed('POST');
export { refused as GET, refused as PUT, refused as PATCH, refused as DELETE };
