// The REST API served straight from Node's HTTP server, ahead of Next.js (scripts/server.mjs, the
// production server): the same router and handlers as app/api/v1, with the same security headers. Next.js
// spends about a millisecond of CPU on every request before a route handler runs (routing, tracing, its
// request and response wrappers); a REST call is otherwise a fraction of that, so serving the API here
// doubles what each server process answers. scripts/build-api.mjs bundles this module for the server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { SECURITY_HEADERS } from '@/lib/security-headers';
import { problemFrom } from './http';
import { API_PREFIX, handleApiRequest } from './router';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
// Unreserved characters only: anything a browser or proxy might normalise (dot segments, escapes, empty
// segments, a trailing slash) is left to Next.js, which normalises it and then calls the same router.
const PLAIN_SEGMENT = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/;

/** True when this request is served here: an API path in plain form, by a method the API knows. */
export function servesDirectly(method: string | undefined, url: string | undefined): boolean {
  if (!method || !METHODS.has(method) || !url?.startsWith(`${API_PREFIX}/`)) return false;
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  return path.slice(API_PREFIX.length + 1).split('/').every((segment) => PLAIN_SEGMENT.test(segment));
}

/** Answers one API request on the Node response (scripts/server.mjs checks servesDirectly first). */
export async function serveApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let response: Response;
  try {
    // The parsed headers, not rawHeaders: scripts/server-wrapper.mjs writes the TCP peer address into
    // req.headers over whatever the client sent under that name, and the raw list still holds the
    // client's own (forgeable) value.
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers))
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : (Readable.toWeb(req) as ReadableStream<Uint8Array>);
    // Only the path and query matter to the handlers; the host is not trusted for anything.
    response = await handleApiRequest(new Request(`http://localhost${req.url}`, { method: req.method, headers, body, duplex: 'half' } as RequestInit));
  } catch (error) {
    response = problemFrom(error);
  }
  const payload = req.method === 'HEAD' ? null : Buffer.from(await response.arrayBuffer());
  for (const { key, value } of SECURITY_HEADERS) res.setHeader(key, value);
  response.headers.forEach((value, key) => res.setHeader(key, value));
  if (payload) res.setHeader('content-length', payload.length);
  res.writeHead(response.status);
  res.end(payload);
}
