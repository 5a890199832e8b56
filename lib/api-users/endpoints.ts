// The REST API's handlers, one per operation of openapi.ts's ROUTES, keyed "METHOD /path" as listed
// there (router.ts serves them, and refuses to load when a route has no handler or a handler no route).
// Each is a thin caller of lib/users through apiRoute, which authenticates, counts and answers problems.
import { z } from 'zod';
import { db } from '@/db';
import { hasPermission } from '@/lib/auth/permissions';
import { requirePermissionOf } from '@/lib/auth/principal';
import { AppError, fieldError, type FieldErrors } from '@/lib/errors';
import { metaFromHeaders } from '@/lib/request';
import { resetUser, unlockUser } from '@/lib/users/access';
import { createUserFieldsSchema, createUserFromFields, updateUserFieldsSchema, updateUserFromFields } from '@/lib/users/fields';
import { countUsers, isCursorOf, listFilter, listUsers, type SortKey } from '@/lib/users/list';
import { listLockedUsers, lockedParamsSchema } from '@/lib/users/locked';
import { banUser, STALE_EDIT, validateUser } from '@/lib/users/update';
import { confirmCaller, issueApiToken, RateLimited, settleCaller, tokenRequestSchema } from './authenticate';
import { apiRoute, etagOf, ifMatchVersion, json, nextLink, PreconditionFailed, problem, problemFrom, readBody, STALE_IF_MATCH } from './http';
import type { ApiRoute } from './openapi';
import { userActionRoute } from './user-action';
import { banBodySchema, changeAnswer, listQuerySchema, lockedQuerySchema, resolveEnvironment, viewOf, viewUser, withoutEmail } from './users-api';

/** The path's parameters: `id` for /users/{id}..., empty for the others. */
export type PathParams = { id: string };
export type Endpoint = (request: Request, params: PathParams) => Promise<Response>;

/** POST /auth/token {apiUsername, key, sessionLengthInMinutes}: a short-lived bearer token, as AssureSign's REST API issues. */
async function exchangeToken(request: Request): Promise<Response> {
  try {
    const input = await readBody(request, tokenRequestSchema);
    const issued = await db.transaction((tx) => issueApiToken(tx, input, metaFromHeaders(request.headers)));
    return json({ token: issued.token, tokenType: 'Bearer', expiresAt: issued.expiresAt.toISOString() }, { status: 201 });
  } catch (error) {
    if (error instanceof RateLimited) return problem(429, 'rate_limited', error.message, { headers: { 'retry-after': String(error.retryAfter) } });
    return problemFrom(error);
  }
}

type Person = { id: string; email: string; firstName: string; lastName: string };
const person = ({ id, email, firstName, lastName }: Person): Person => ({ id, email, firstName, lastName });

/**
 * A list's query parameters: 400 naming each bad one, one given twice (status=banned&status=active: read
 * by one of its values, the list would not be the one asked for), and a cursor this sort order did not
 * make (taken as "from the start", it would hand a client paging through the list its first page again, forever).
 */
function listQuery<S extends z.ZodType<{ after?: string }>>(schema: S, url: URL, sortOf: (params: z.infer<S>) => SortKey): z.infer<S> {
  const parsed = schema.safeParse(Object.fromEntries(url.searchParams));
  const fieldErrors: FieldErrors = parsed.success ? {} : (z.flattenError(parsed.error).fieldErrors as FieldErrors);
  for (const issue of parsed.error?.issues ?? [])
    if (issue.code === 'unrecognized_keys')
      for (const key of issue.keys) Object.defineProperty(fieldErrors, key, { value: ['This list has no such query parameter.'], enumerable: true });
  for (const key of new Set(url.searchParams.keys()))
    if (url.searchParams.getAll(key).length > 1) Object.defineProperty(fieldErrors, key, { value: ['Given more than once: send it once.'], enumerable: true });
  if (parsed.success && parsed.data.after && !isCursorOf(parsed.data.after, sortOf(parsed.data)))
    fieldErrors.after ??= ['Not a cursor of this list: follow the `next` link of the previous page, with the same parameters.'];
  if (!parsed.success || Object.keys(fieldErrors).length > 0) throw new AppError('invalid', 'Check the query parameters named in errors.', fieldErrors);
  return parsed.data;
}

/** GET /users: the All Users query of one environment, by cursor. */
const listAll = apiRoute(async ({ caller, request }) => {
  const url = new URL(request.url);
  const params = listQuery(listQuerySchema, url, (p) => p.sort);
  const { principal } = caller;
  requirePermissionOf(principal, 'users.read');
  const environmentId = await resolveEnvironment(db, principal, params.environment);
  const [page, count] = await Promise.all([listUsers(db, principal, environmentId, params), countUsers(db, listFilter(principal, environmentId, params))]);
  return json({
    users: page.users.map((u) => ({
      ...person(u),
      status: u.status,
      role: u.roleName,
      lastSignInAt: u.lastSignInAt?.toISOString() ?? null,
      environments: u.environments,
      tags: u.tags,
    })),
    count: count.count,
    countExact: count.exact,
    next: nextLink(url, page.next),
  });
});

/** POST /users: invites a user, or creates an active one with a password. */
const create = apiRoute(async ({ caller, meta, request }) => {
  requirePermissionOf(caller.principal, 'users.write');
  const input = await readBody(request, createUserFieldsSchema);
  const user = await db.transaction(async (tx) => {
    const principal = await confirmCaller(tx, caller);
    const { userId } = await createUserFromFields(tx, principal, input, meta);
    await settleCaller(tx, caller, principal);
    return viewUser(tx, principal, userId);
  });
  return json(user, { status: 201, headers: { location: `/api/v1/users/${user.id}`, etag: etagOf(user.version) } });
});

/** GET /users/locked: the Locked Users tab of one environment, most recently locked first, by cursor. */
const listLocked = apiRoute(async ({ caller, request }) => {
  requirePermissionOf(caller.principal, 'users.read');
  const url = new URL(request.url);
  const query = listQuery(lockedQuerySchema, url, () => 'lockedAt');
  const environmentId = await resolveEnvironment(db, caller.principal, query.environment);
  const params = lockedParamsSchema.parse({ q: query.q, after: query.after });
  const page = await listLockedUsers(db, caller.principal, environmentId, params);
  return json({
    users: page.users.map((u) => ({
      ...person(u),
      lockReason: u.lockReason,
      lockedAt: u.lockedAt?.toISOString() ?? null,
      failedAttempts: u.failedAttempts,
    })),
    next: nextLink(url, page.next),
  });
});

/** GET /users/{id}: the user comes in the credential check's own statement (one round trip). */
const getOne = apiRoute<PathParams>(
  async ({ caller, user: row }) => {
    const user = viewOf(caller.principal, row);
    requirePermissionOf(caller.principal, 'users.read');
    return json(user, { headers: { etag: etagOf(user.version) } });
  },
  ({ id }) => id,
);

/**
 * PATCH /users/{id}: every field of AssureSign's UpdateUser. With If-Match (the ETag of a GET) a change
 * over someone else's newer one gets 412. If-Match is optional, as AssureSign clients do not send it.
 */
const update = apiRoute<PathParams>(async ({ caller, meta, request }, { id }) => {
  const before = await viewUser(db, caller.principal, id);
  // users.unlock is enough for `locked: false` alone, as on SOAP (updateUserFromFields asks for the rest).
  if (!hasPermission(caller.principal, 'users.write')) requirePermissionOf(caller.principal, 'users.unlock');
  const ifMatch = ifMatchVersion(request);
  const input = await readBody(request, updateUserFieldsSchema);
  if (ifMatch !== null && input.version !== undefined && input.version !== ifMatch)
    throw fieldError('version', `If-Match names version ${ifMatch} and the body version ${input.version}: send the version once (If-Match), or the same in both.`);
  const version = ifMatch ?? input.version;
  try {
    const user = await db.transaction(async (tx) => {
      const principal = await confirmCaller(tx, caller);
      await updateUserFromFields(tx, principal, id, { ...input, version }, meta);
      await settleCaller(tx, caller, principal);
      return viewUser(tx, principal, id);
    });
    return json(changeAnswer(caller.principal, user), { headers: { etag: etagOf(user.version) } });
  } catch (error) {
    if (ifMatch !== null && error instanceof AppError && error.message === STALE_EDIT) throw new PreconditionFailed(STALE_IF_MATCH);
    throw withoutEmail(caller.principal, error, before.email);
  }
});

export const ENDPOINTS: Record<`${ApiRoute['method']} ${string}`, Endpoint> = {
  'POST /auth/token': exchangeToken,
  'GET /users': listAll,
  'POST /users': create,
  'GET /users/locked': listLocked,
  'GET /users/{id}': getOne,
  'PATCH /users/{id}': update,
  // The portal's Ban (banUser keeps the last-Administrator rule itself).
  'POST /users/{id}/ban': userActionRoute(
    'users.ban',
    (tx, principal, userId, { body, version }, meta) => banUser(tx, principal, userId, { reason: body.reason, version }, meta),
    banBodySchema,
  ),
  // Lifts a ban.
  'POST /users/{id}/validate': userActionRoute('users.ban', (tx, principal, userId, _ctx, meta) => validateUser(tx, principal, userId, meta)),
  // The password stays.
  'POST /users/{id}/unlock': userActionRoute('users.unlock', (tx, principal, userId, _ctx, meta) => unlockUser(tx, principal, userId, meta)),
  // Password cleared, reset link emailed.
  'POST /users/{id}/reset': userActionRoute('users.unlock', (tx, principal, userId, _ctx, meta) => resetUser(tx, principal, userId, meta)),
};
