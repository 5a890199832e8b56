// The REST API's request plumbing: one wrapper every /api/v1 handler goes through (authenticate the key
// or token, take one request from the key's budget, run, audit meta), and the one place AppError turns
// into application/problem+json. The handlers (endpoints.ts) stay thin callers of lib/users.
import 'server-only';
import { z } from 'zod';
import { getClient } from '@/db/client';
import type { RequestMeta } from '@/lib/audit';
import { AppError, type FieldErrors } from '@/lib/errors';
import { metaFromHeaders } from '@/lib/request';
import { BodyTooLarge, readTextBody } from '@/lib/request-body';
import { authenticateAndCount, type ApiCaller } from './authenticate';
import type { ViewRow } from './users-api';

const TITLES: Record<AppError['code'] | 'method_not_allowed' | 'precondition_failed' | 'internal', string> = {
  invalid: 'Invalid request',
  unauthenticated: 'Not authenticated',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  too_large: 'Request too large',
  unsupported_media_type: 'Unsupported media type',
  rate_limited: 'Too many requests',
  precondition_failed: 'Precondition failed',
  internal: 'Internal error',
};

export type ProblemCode = keyof typeof TITLES;

/** Each problem's status and meaning, for /docs/api: every `type` a problem carries links to its row there. */
export const PROBLEM_DOCS: Record<ProblemCode, readonly [status: number, text: string]> = {
  invalid: [400, 'The body or query is not valid; errors names each field.'],
  unauthenticated: [401, 'No credential, or a malformed, unknown, revoked or expired one; detail says which.'],
  forbidden: [403, 'The key may not do this (its scope lacks the permission, or the user is beyond its reach).'],
  not_found: [404, 'No such user or environment within the key’s scope, or no such endpoint.'],
  method_not_allowed: [405, 'The endpoint does not take this method; Allow lists the ones it takes.'],
  conflict: [409, 'The change conflicts with the user’s state (already banned, the last Administrator…).'],
  precondition_failed: [412, 'If-Match no longer matches the user’s version.'],
  too_large: [413, 'The body is larger than 64 KiB, far beyond any request of this API; nothing was changed.'],
  unsupported_media_type: [415, 'The body is not sent as JSON: Content-Type must be application/json.'],
  rate_limited: [429, 'Over the key’s requests per minute; wait Retry-After seconds.'],
  internal: [500, 'Something failed on our side and nothing was changed; try again (the server log has the details).'],
};

/** RFC 9457 problem details; `errors` carries field errors keyed by the body's field names. */
export function problem(status: number, code: ProblemCode, detail: string, init: { errors?: FieldErrors; headers?: HeadersInit } = {}) {
  const body = { type: `/docs/api#problem-${code}`, title: TITLES[code], status, detail, ...(init.errors ? { errors: init.errors } : {}) };
  const headers = new Headers(init.headers);
  headers.set('content-type', 'application/problem+json');
  headers.set('cache-control', 'no-store');
  if (status === 401) headers.set('www-authenticate', 'Bearer realm="userdesk"');
  return new Response(JSON.stringify(body), { status, headers });
}

export function problemFrom(error: unknown): Response {
  if (error instanceof PreconditionFailed) return problem(412, 'precondition_failed', error.message);
  if (error instanceof AppError) return problem(error.status, error.code, error.message, { errors: error.fieldErrors });
  console.error(error);
  return problem(500, 'internal', 'Something went wrong and nothing was changed. Try again.');
}

export function json(body: unknown, init: { status?: number; headers?: HeadersInit } = {}) {
  const headers = new Headers(init.headers);
  headers.set('content-type', 'application/json');
  headers.set('cache-control', 'no-store');
  return new Response(JSON.stringify(body), { status: init.status ?? 200, headers });
}

/** No request of this API comes near this: a user with every field at its longest is a few KB. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * JSON can escape half a surrogate pair ("\ud800"): no character, and PostgreSQL refuses it in jsonb,
 * so a body holding one (in a value or a key) is refused as a whole before anything reads it.
 */
function wellFormed(key: string, value: unknown) {
  if (HALF_SURROGATE.test(key) || (typeof value === 'string' && HALF_SURROGATE.test(value)))
    throw new AppError('invalid', 'The request body holds text that is not valid Unicode (half a surrogate pair, such as \\ud800). Nothing was changed.');
  return value;
}
const HALF_SURROGATE = /\p{Cs}/u;

/**
 * A key given twice in one object ({"inactive": true, "inactive": false}: JSON.parse keeps the last,
 * other parsers on the way, such as a gateway's, the first), or `__proto__` inside a field (which zod
 * drops unseen): the top-level field it is in and why, or null. `text` is valid JSON already.
 */
function ambiguousKey(text: string): [field: string, message: string] | null {
  const objects: (Set<string> | null)[] = [];
  const tokens = text.match(/"(?:[^"\\]|\\.)*"|[{}[\]:]/g) ?? [];
  let field = '';
  for (const [i, token] of tokens.entries()) {
    if (token === '{' || token === '[') objects.push(token === '{' ? new Set() : null);
    else if (token === '}' || token === ']') objects.pop();
    else if (token !== ':' && tokens[i + 1] === ':') {
      const key = JSON.parse(token) as string;
      const keys = objects.at(-1)!;
      if (objects.length === 1) field = key;
      if (keys.has(key)) return [field, objects.length === 1 ? 'This field is given twice: send it once.' : `The key ${key} is given twice in ${field}: send it once.`];
      if (key === '__proto__' && objects.length > 1) return [field, `${field} holds the key __proto__, which no field of this API has.`];
      keys.add(key);
    }
  }
  return null;
}

/** application/json, or a JSON-based type (application/merge-patch+json), with any parameters (charset). */
const isJson = (type: string | null) => /^application\/(?:[\w.-]+\+)?json$/i.test((type ?? '').split(';')[0]!.trim());

/** The JSON body parsed with the portal's zod schema; every field error at once, named by field. */
export async function readBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  let text = '';
  try {
    text = await readTextBody(request, MAX_BODY_BYTES);
    // A body this API reads is JSON, and says so: text/plain (which any web page can send without asking) or a
    // form encoding (curl -d's default) is refused rather than guessed at.
    if (text.trim() !== '' && !isJson(request.headers.get('content-type')))
      throw new AppError('unsupported_media_type', 'Send the body as JSON, with the header Content-Type: application/json. Nothing was changed.');
    raw = text.trim() === '' ? {} : JSON.parse(text, wellFormed);
  } catch (error) {
    if (error instanceof BodyTooLarge) throw new AppError('too_large', `${error.message} Nothing was changed.`);
    if (error instanceof AppError) throw error;
    // Valid JSON can still be too deep for the reviver's recursion (64 KiB holds 30,000 levels).
    if (error instanceof RangeError) throw new AppError('invalid', 'The request body is nested too deeply: no request of this API goes past three levels.');
    // The strict UTF-8 decoder's refusal: a client sending Latin-1 or Windows-1252 (whatever its charset says) is told so.
    if (error instanceof TypeError && (error as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
      const charset = /;\s*charset\s*=\s*"?([\w.:-]+)/i.exec(request.headers.get('content-type') ?? '')?.[1];
      throw new AppError('invalid', `The request body is not UTF-8${charset ? ` (it says ${charset})` : ''}: JSON is read as UTF-8 only. Send JSON in UTF-8. Nothing was changed.`);
    }
    throw new AppError('invalid', 'The request body is not valid JSON.');
  }
  const ambiguous = ambiguousKey(text);
  if (ambiguous) throw new AppError('invalid', 'Check the fields named in errors.', { [ambiguous[0]]: [ambiguous[1]] });
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const { fieldErrors, formErrors } = z.flattenError(parsed.error) as { fieldErrors: FieldErrors; formErrors: string[] };
    // An unknown field is named in errors like any other (defined, so that "__proto__" is a key too).
    for (const issue of parsed.error.issues)
      if (issue.code === 'unrecognized_keys' && issue.path.length === 0)
        for (const key of issue.keys) Object.defineProperty(fieldErrors, key, { value: ['This request has no such field.'], enumerable: true });
    throw new AppError('invalid', formErrors[0] ?? 'Check the fields named in errors.', fieldErrors);
  }
  return parsed.data;
}

/** If-Match named a version the user no longer has (412), or was not one of our ETags. */
export class PreconditionFailed extends Error {}

export const STALE_IF_MATCH = 'The user changed since you read it (If-Match no longer matches). GET it again, then retry.';

/** `user`: the row apiRoute read with the credential when asked to (see readsUser), else undefined. */
export type ApiContext = { caller: ApiCaller; meta: RequestMeta; request: Request; user?: ViewRow | null };

/**
 * Wraps a route handler: 401 for a missing or bad credential, 429 with Retry-After over the key's
 * budget, problem+json for every AppError. Server-Timing reports the credential check (with the count).
 * `readsUser` names the user the handler will read: it comes in the credential check's own statement
 * (one round trip for the hottest read, GET /users/{id}), unchecked: viewOf applies the caller's reach.
 */
export function apiRoute<P>(run: (ctx: ApiContext, params: P) => Promise<Response>, readsUser?: (params: P) => string) {
  return async (request: Request, params: P): Promise<Response> => {
    try {
      const started = performance.now();
      const { db } = getClient();
      const { caller, retryAfter, user } = await authenticateAndCount(db, request.headers.get('authorization'), readsUser?.(params));
      const checked = performance.now() - started;
      if (retryAfter > 0)
        return problem(429, 'rate_limited', `This API user may make ${caller.rateLimitPerMinute} requests a minute. Try again in ${retryAfter} s.`, {
          headers: { 'retry-after': String(retryAfter) },
        });
      const response = await run({ caller, meta: metaFromHeaders(request.headers), request, user: readsUser ? user : undefined }, params);
      response.headers.set('server-timing', `auth;dur=${checked.toFixed(3)}`);
      return response;
    } catch (error) {
      return problemFrom(error);
    }
  };
}

/** A method the endpoint does not take: problem+json 405 naming its operations, with every method it answers in Allow. */
export function methodNotAllowed(operations: string, allow: string) {
  return problem(405, 'method_not_allowed', `This endpoint takes ${operations} only.`, { headers: { allow } });
}

/** ETag of a user: their version, which every change bumps. */
export const etagOf = (version: number) => `"v${version}"`;

/** The version an If-Match header names; null without one or with "*" (any version: RFC 9110); a 412 when it is not one of our ETags. */
export function ifMatchVersion(request: Request): number | null {
  const header = request.headers.get('if-match');
  if (header === null || header.trim() === '*') return null;
  const match = /^\s*(?:W\/)?"v(\d{1,9})"\s*$/.exec(header);
  if (!match) throw new PreconditionFailed('If-Match must be an ETag this API returned, like "v3".');
  return Number(match[1]);
}

/** The `next` link of a list page: the same request, continuing after `cursor` (null on the last page). */
export function nextLink(url: URL, cursor: string | null): string | null {
  if (!cursor) return null;
  const next = new URL(url);
  next.searchParams.set('after', cursor);
  next.searchParams.delete('before');
  return next.pathname + next.search;
}
