// Every /api/v1 request, by any method, goes to the REST API's router (lib/api-users/router.ts). The
// production server sends them there directly, ahead of Next.js; this route serves them under `next dev`
// and whenever the direct path is not in use.
import { handleApiRequest } from '@/lib/api-users/router';

export const dynamic = 'force-dynamic';

const handle = (request: Request) => handleApiRequest(request);

export { handle as DELETE, handle as GET, handle as HEAD, handle as OPTIONS, handle as PATCH, handle as POST, handle as PUT };
