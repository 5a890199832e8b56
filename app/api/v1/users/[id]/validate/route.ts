// POST /api/v1/users/{id}/validate: lifts a ban (the portal's Validate).
import { userActionRoute } from '@/lib/api-users/user-action';
import { validateUser } from '@/lib/users/update';
import { methodNotAllowed } from '@/lib/api-users/http';

export const POST = userActionRoute((tx, principal, userId, _ctx, meta) => validateUser(tx, principal, userId, meta));

const refused = methodNotAllowed('POST');
export { refused as GET, refused as PUT, refused as PATCH, refused as DELETE };
