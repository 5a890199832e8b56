// POST /api/v1/users/{id}/unlock: the portal's Unlock (the password stays).
import { userActionRoute } from '@/lib/api-users/user-action';
import { unlockUser } from '@/lib/users/access';
import { methodNotAllowed } from '@/lib/api-users/http';

export const POST = userActionRoute((tx, principal, userId, _ctx, meta) => unlockUser(tx, principal, userId, meta));

const refused = methodNotAllowed('POST');
export { refused as GET, refused as PUT, refused as PATCH, refused as DELETE };
