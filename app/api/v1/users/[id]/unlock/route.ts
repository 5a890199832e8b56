// POST /api/v1/users/{id}/unlock: the portal's Unlock (the password stays).
import { userActionRoute } from '@/lib/api-users/user-action';
import { unlockUser } from '@/lib/users/access';

export const POST = userActionRoute((tx, principal, userId, _ctx, meta) => unlockUser(tx, principal, userId, meta));
