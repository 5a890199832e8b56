// Any other /api/v1 path, by any method: a problem+json 404 like every other API error, not Next.js's
// HTML page, which an API client cannot parse.
import { problem } from '@/lib/api-users/http';

const notFound = () => problem(404, 'not_found', 'No such endpoint. The endpoints are listed in /api/v1/openapi.json.');

export { notFound as DELETE, notFound as GET, notFound as HEAD, notFound as OPTIONS, notFound as PATCH, notFound as POST, notFound as PUT };
