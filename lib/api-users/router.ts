// The REST API's one router: /api/v1 plus a path of openapi.ts's ROUTES, to its handler in endpoints.ts.
// Next.js reaches it through app/api/v1/[[...path]]/route.ts; the production server calls it directly
// (serve-node.ts), ahead of Next.js's own router and rendering pipeline. Either way the answers are the
// same: problem+json 404 for an unknown path, 405 with Allow for a method the path does not take, HEAD as
// GET without the body, OPTIONS with Allow.
import { ENDPOINTS, type Endpoint, type PathParams } from './endpoints';
import { methodNotAllowed, problem } from './http';
import { openApiDocument, ROUTES } from './openapi';

export const API_PREFIX = '/api/v1';

type Route = { path: string; pattern: RegExp; methods: Map<string, Endpoint> };

const escape = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

let document: string | undefined;
/** GET /openapi.json: the document is the same for the life of the process. */
const openApi: Endpoint = async () => {
  document ??= JSON.stringify(openApiDocument());
  return new Response(document, { headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' } });
};

const routes: Route[] = [];
for (const route of [...ROUTES, { method: 'GET', path: '/openapi.json' } as const]) {
  let entry = routes.find((r) => r.path === route.path);
  if (!entry) routes.push((entry = { path: route.path, pattern: new RegExp(`^${route.path.split('{id}').map(escape).join('(?<id>[^/]+)')}$`), methods: new Map() }));
  const handler = route.path === '/openapi.json' ? openApi : ENDPOINTS[`${route.method} ${route.path}`];
  if (!handler) throw new Error(`No handler for ${route.method} ${route.path}`);
  entry.methods.set(route.method, handler);
}

const notFound = () => problem(404, 'not_found', 'No such endpoint. The endpoints are listed in /api/v1/openapi.json.');

/** Answers any request under /api/v1. */
export async function handleApiRequest(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (!pathname.startsWith(`${API_PREFIX}/`)) return notFound();
  const path = pathname.slice(API_PREFIX.length);
  for (const { pattern, methods } of routes) {
    const match = pattern.exec(path);
    if (!match) continue;
    let params: PathParams;
    try {
      params = { id: decodeURIComponent(match.groups?.id ?? '') };
    } catch {
      return notFound();
    }
    const allowed = [...methods.keys()].join(', ');
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    if (method === 'OPTIONS') return new Response(null, { status: 204, headers: { allow: `${allowed}, ${methods.has('GET') ? 'HEAD, ' : ''}OPTIONS` } });
    const handler = methods.get(method);
    if (!handler) return methodNotAllowed(allowed)();
    const response = await handler(request, { params: Promise.resolve(params) });
    return request.method === 'HEAD' ? new Response(null, { status: response.status, headers: response.headers }) : response;
  }
  return notFound();
}
