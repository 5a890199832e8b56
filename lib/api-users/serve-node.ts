// The REST API served straight from Node's HTTP server, ahead of Next.js (scripts/server.mjs, the
// production server): the same router and handlers as app/api/v1, with what Next.js would add around
// them (the security headers, X-Forwarded-For filled in when the client sent none, gzip for clients that
// take it). Next.js spends about a millisecond of CPU on every request before a route handler runs
// (routing, tracing, its request and response wrappers); a REST call is otherwise a fraction of that, so
// serving the API here answers about three times as many calls per process. scripts/build-api.mjs
// bundles this module for the server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { SECURITY_HEADERS } from '@/lib/security-headers';
import { BodyTooLarge } from '@/lib/request-body';
import { MAX_BODY_BYTES, problem, problemFrom } from './http';
import { API_PREFIX, handleApiRequest } from './router';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
// Unreserved characters only: anything a browser or proxy might normalise (dot segments, escapes, empty
// segments, a trailing slash) is left to Next.js, which normalises it and then calls the same router.
const PLAIN_SEGMENT = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/;
// As Next.js: answers above 1 KiB are compressed for clients that accept gzip.
const COMPRESS_FROM = 1024;

/** True when this request is served here: an API path in plain form, by a method the API knows. */
export function servesDirectly(method: string | undefined, url: string | undefined): boolean {
  if (!method || !METHODS.has(method) || !url?.startsWith(`${API_PREFIX}/`)) return false;
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  return path.slice(API_PREFIX.length + 1).split('/').every((segment) => PLAIN_SEGMENT.test(segment));
}

/**
 * The request's body, read here in full (up to the API's limit) so that the connection is always left
 * clean for the next request, whether or not the handler reads it; null when it is over the limit
 * (at once when Content-Length says so, else when the limit is passed; the rest is not read here).
 */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.pause();
      req.off('data', onData).off('end', onEnd).off('error', reject);
      resolve(null);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

/** Answers one API request on the Node response (scripts/server.mjs checks servesDirectly first). */
export async function serveApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let response: Response;
  let unread = false;
  try {
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req);
    if (body === null) {
      unread = true;
      response = problem(413, 'too_large', `${new BodyTooLarge(MAX_BODY_BYTES).message} Nothing was changed.`);
    } else {
      // The parsed headers, not rawHeaders: scripts/server-wrapper.mjs writes the TCP peer address into
      // req.headers over whatever the client sent under that name, and the raw list still holds the
      // client's own (forgeable) value. Next.js fills in X-Forwarded-For with the peer when the client
      // sent none; so does this path, so the audit records the same address either way.
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers))
        for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, v);
      if (!headers.has('x-forwarded-for') && req.socket.remoteAddress) headers.set('x-forwarded-for', req.socket.remoteAddress);
      // Only the path and query matter to the handlers; the host is not trusted for anything.
      response = await handleApiRequest(new Request(`http://localhost${req.url}`, { method: req.method, headers, body: body && new Uint8Array(body) }));
    }
  } catch (error) {
    // The client went away while sending its body: there is no one to answer.
    if (req.destroyed) return void res.destroy();
    response = problemFrom(error);
  }
  let payload: Buffer | null = req.method === 'HEAD' ? null : Buffer.from(await response.arrayBuffer());
  for (const { key, value } of SECURITY_HEADERS) res.setHeader(key, value);
  response.headers.forEach((value, key) => res.setHeader(key, value));
  if (payload && payload.length >= COMPRESS_FROM) {
    res.setHeader('vary', 'Accept-Encoding');
    if (/\bgzip\b(?!\s*;\s*q=0(?:\.0*)?\s*(?:,|$))/i.test(String(req.headers['accept-encoding'] ?? ''))) {
      payload = gzipSync(payload);
      res.setHeader('content-encoding', 'gzip');
    }
  }
  if (payload && response.status !== 204 && response.status !== 304) res.setHeader('content-length', payload.length);
  if (unread) {
    // The rest of the body is not wanted: it is drained and dropped as it comes, and the connection
    // closes after this answer instead of carrying another request.
    res.setHeader('connection', 'close');
    req.resume();
  }
  res.writeHead(response.status);
  res.end(response.status === 204 || response.status === 304 ? null : payload);
}
