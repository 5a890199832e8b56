// POST /api/v1/users/{id}/validate: lifts a ban (the portal's Validate).
import { userActionRoute } from '@/lib/api-users/user-action';
import { validateUser } from '@/lib/users/update';

export const POST = userActionRoute((tx, principal, userId, _ctx, meta) => validateUser(tx, principal, userId, meta));
