// GET /api/v1/openapi.json: generated from the routes' zod schemas (lib/api-users/openapi.ts).
import { openApiDocument } from '@/lib/api-users/openapi';

export const dynamic = 'force-static';

export function GET() {
  return Response.json(openApiDocument(), { headers: { 'cache-control': 'public, max-age=300' } });
}
