// POST /api/v1/users/{id}/reset: the portal's Reset (password cleared, reset link emailed).
import { userActionRoute } from '@/lib/api-users/user-action';
import { resetUser } from '@/lib/users/access';
import { methodNotAllowed } from '@/lib/api-users/http';

export const POST = userActionRoute((tx, principal, userId, _ctx, meta) => resetUser(tx, principal, userId, meta));

const refused = methodNotAllowed('POST');
export { refused as GET, refused as PUT, refused as PATCH, refused as DELETE };
