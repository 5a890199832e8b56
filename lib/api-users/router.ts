// The REST API's one router: /api/v1 plus a path of openapi.ts's ROUTES, to its handler in endpoints.ts.
// Next.js reaches it through app/api/v1/[[...path]]/route.ts; the production server calls it directly
// (serve-node.ts), ahead of Next.js's own router and rendering pipeline. Either way the answers are the
// router's: problem+json 404 for an unknown path, 405 with Allow for a method the path does not take,
// HEAD as GET without the body, OPTIONS with Allow.
import { ENDPOINTS, type Endpoint, type PathParams } from './endpoints';
import { methodNotAllowed, problem } from './http';
import { openApiDocument, ROUTES } from './openapi';

export const API_PREFIX = '/api/v1';

type Route = { path: string; pattern: RegExp; methods: Map<string, Endpoint>; operations: string; allow: string };

const escape = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

let document: string | undefined;
/** GET /openapi.json: the document is the same for the life of the process. */
const openApi: Endpoint = async () => {
  document ??= JSON.stringify(openApiDocument());
  return new Response(document, { headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' } });
};

function compile(): Route[] {
  const routes: Route[] = [];
  const used = new Set<string>();
  for (const route of [...ROUTES, { method: 'GET', path: '/openapi.json' } as const]) {
    const key = `${route.method} ${route.path}` as const;
    const handler = route.path === '/openapi.json' ? openApi : ENDPOINTS[key];
    if (!handler) throw new Error(`The REST API has no handler for ${key} (lib/api-users/endpoints.ts).`);
    used.add(key);
    const params = route.path.match(/\{[^}]*\}/g) ?? [];
    if (params.some((p) => p !== '{id}')) throw new Error(`The REST API router knows only the {id} parameter: ${route.path}.`);
    let entry = routes.find((r) => r.path === route.path);
    if (!entry) {
      const pattern = new RegExp(`^${route.path.split('{id}').map(escape).join('(?<id>[^/]+)')}$`);
      routes.push((entry = { path: route.path, pattern, methods: new Map(), operations: '', allow: '' }));
    }
    entry.methods.set(route.method, handler);
  }
  const unused = Object.keys(ENDPOINTS).filter((key) => !used.has(key));
  if (unused.length) throw new Error(`The REST API has handlers for routes it does not list (lib/api-users/openapi.ts): ${unused.join(', ')}.`);
  for (const r of routes) {
    r.operations = [...r.methods.keys()].join(', ');
    r.allow = `${r.operations}${r.methods.has('GET') ? ', HEAD' : ''}, OPTIONS`;
  }
  // Literal paths before parameterised ones: /users/locked is not the user "locked".
  return routes.sort((a, b) => Number(a.path.includes('{')) - Number(b.path.includes('{')));
}

const routes = compile();

const notFound = () => problem(404, 'not_found', 'No such endpoint. The endpoints are listed in /api/v1/openapi.json.');

/** Answers any request under /api/v1. */
export async function handleApiRequest(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (!pathname.startsWith(`${API_PREFIX}/`)) return notFound();
  const path = pathname.slice(API_PREFIX.length);
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    let params: PathParams;
    try {
      params = { id: decodeURIComponent(match.groups?.id ?? '') };
    } catch {
      return notFound();
    }
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    if (method === 'OPTIONS') return new Response(null, { status: 204, headers: { allow: route.allow } });
    const handler = route.methods.get(method);
    if (!handler) return methodNotAllowed(route.operations, route.allow);
    const response = await handler(request, params);
    return request.method === 'HEAD' ? new Response(null, { status: response.status, headers: response.headers }) : response;
  }
  return notFound();
}
