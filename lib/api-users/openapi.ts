// The OpenAPI 3.1 document of /api/v1, built from the routes below and the zod schemas the handlers
// validate with (z.toJSONSchema): no JSON schema is written by hand, so the document cannot drift from
// what the API accepts. The /docs/api page renders the same ROUTES with a curl example each.
import { z } from 'zod';
import { tokenRequestSchema } from './authenticate';
import { createUserFieldsSchema, updateUserFieldsSchema } from '@/lib/users/fields';
import { banBodySchema, listQuerySchema, lockedListSchema, lockedQuerySchema, problemSchema, tokenResponseSchema, userListSchema, userSchema } from './users-api';

type SchemaName = 'User' | 'UserList' | 'LockedUserList' | 'TokenResponse' | 'Problem' | 'CreateUserRequest' | 'UpdateUserRequest' | 'BanRequest' | 'TokenRequest';

const OUTPUTS: [SchemaName, z.ZodType][] = [
  ['User', userSchema],
  ['UserList', userListSchema],
  ['LockedUserList', lockedListSchema],
  ['TokenResponse', tokenResponseSchema],
  ['Problem', problemSchema],
];
const INPUTS: [SchemaName, z.ZodType][] = [
  ['CreateUserRequest', createUserFieldsSchema],
  ['UpdateUserRequest', updateUserFieldsSchema],
  ['BanRequest', banBodySchema],
  ['TokenRequest', tokenRequestSchema],
];

export type ApiRoute = {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  summary: string;
  description: string;
  permission: string | null;
  query?: z.ZodObject;
  body?: SchemaName;
  example?: Record<string, unknown>;
  ifMatch?: boolean;
  response: { status: number; schema: SchemaName; etag?: boolean };
  errors: number[];
};

export const ROUTES: ApiRoute[] = [
  {
    method: 'POST',
    path: '/auth/token',
    summary: 'Exchange the key for a bearer token',
    description: 'Returns a short-lived bearer token (1 to 1,440 minutes, never past the key’s expiry) for clients that prefer not to send the key on every call. Only its SHA-256 is stored.',
    permission: null,
    body: 'TokenRequest',
    example: { apiUsername: 'erp-sync', key: 'udk_…', sessionLengthInMinutes: 60 },
    response: { status: 201, schema: 'TokenResponse' },
    errors: [400, 401, 403, 413, 415, 429],
  },
  {
    method: 'GET',
    path: '/users',
    summary: 'List users',
    description: 'The All Users list of one environment: search, status and role filters, sorting, 50 users a page. Follow `next` for the following page.',
    permission: 'users.read',
    query: listQuerySchema,
    response: { status: 200, schema: 'UserList' },
    errors: [400, 401, 403, 404, 429],
  },
  {
    method: 'POST',
    path: '/users',
    summary: 'Create a user',
    description: 'Without `password` (and without `autoGeneratePassword`) the user is invited: status `invited`, and the invitation email is sent. With one, the user is created active (or inactive). `sendCredentialsViaEmail` emails the sign-in name and a single-use link to choose a password; passwords are never emailed. It is refused (400, on the field) with `inactive: true`: an inactive user could not use the link.',
    permission: 'users.write',
    body: 'CreateUserRequest',
    example: { email: 'sam.lee@example.com', firstName: 'Sam', lastName: 'Lee', roleId: '<role id>', environmentIds: ['<environment id>'] },
    response: { status: 201, schema: 'User', etag: true },
    errors: [400, 401, 403, 413, 415, 429],
  },
  {
    method: 'GET',
    path: '/users/locked',
    summary: 'List locked users',
    description: 'Users of one environment locked out by failed sign-ins or an expired password, most recently locked first, 50 a page with a `next` link; `q` searches names and email.',
    permission: 'users.read',
    query: lockedQuerySchema,
    response: { status: 200, schema: 'LockedUserList' },
    errors: [400, 401, 403, 404, 429],
  },
  {
    method: 'GET',
    path: '/users/{id}',
    summary: 'Get a user',
    description: 'A user of the key’s environments; 404 for anyone else. The ETag is the user’s version.',
    permission: 'users.read',
    response: { status: 200, schema: 'User', etag: true },
    errors: [401, 403, 404, 429],
  },
  {
    method: 'PATCH',
    path: '/users/{id}',
    summary: 'Update a user',
    description: 'Every field of AssureSign’s UpdateUser; fields left out stay as they are. `profile` holds values of the role’s required fields by key (keys left out keep their values; a key the role does not have is a 400 on `profile.<key>`). `locked: false` unlocks; `locked: true` is refused; `autoGenerateNewPassword: true` leaves the user with no password at all, as /reset does (their password stops working; with `sendCredentialsViaEmail` they are emailed a link to choose one), and is refused (409) for the last Administrator who can sign in; `inactive: false` does not lift a ban (400: use /validate). `sendCredentialsViaEmail` is refused (400, on the field, nothing changed) unless the user is active once the request’s other fields apply: a locked, inactive, banned or invited user could not use the link. A key that acts as a user cannot set that user’s own password or change their email address (403). Send `If-Match` with the ETag of your GET to refuse a change over a newer one (412); without it the change applies to the user as they are.',
    permission: 'users.write',
    body: 'UpdateUserRequest',
    example: { firstName: 'Samantha', tags: [{ name: 'Department', value: 'Sales' }] },
    ifMatch: true,
    response: { status: 200, schema: 'User', etag: true },
    errors: [400, 401, 403, 404, 409, 412, 413, 415, 429],
  },
  {
    method: 'POST',
    path: '/users/{id}/ban',
    summary: 'Ban a user',
    description: 'The user can no longer sign in; their history stays. The reason is kept in their history.',
    permission: 'users.ban',
    body: 'BanRequest',
    example: { reason: 'Left the company' },
    ifMatch: true,
    response: { status: 200, schema: 'User', etag: true },
    errors: [400, 401, 403, 404, 409, 412, 413, 415, 429],
  },
  {
    method: 'POST',
    path: '/users/{id}/validate',
    summary: 'Lift a ban',
    description: 'A banned user gets access back: active, or invited again if they never set a password.',
    permission: 'users.ban',
    ifMatch: true,
    response: { status: 200, schema: 'User', etag: true },
    errors: [400, 401, 403, 404, 409, 412, 413, 415, 429],
  },
  {
    method: 'POST',
    path: '/users/{id}/unlock',
    summary: 'Unlock a user',
    description: 'A locked user can sign in again with their password.',
    permission: 'users.unlock',
    ifMatch: true,
    response: { status: 200, schema: 'User', etag: true },
    errors: [400, 401, 403, 404, 409, 412, 413, 415, 429],
  },
  {
    method: 'POST',
    path: '/users/{id}/reset',
    summary: 'Reset a user’s password',
    description: 'The password stops working at once; the user is emailed a single-use link to choose a new one.',
    permission: 'users.unlock',
    ifMatch: true,
    response: { status: 200, schema: 'User', etag: true },
    errors: [400, 401, 403, 404, 409, 412, 413, 415, 429],
  },
];

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request: `errors` names each field.',
  401: 'Missing, malformed, unknown, revoked or expired key or token; `detail` says which.',
  403: 'The key may not do this.',
  404: 'No such user (or environment) within the key’s scope.',
  409: 'Conflict with the user’s current state, or a concurrent change.',
  412: 'If-Match no longer matches the user’s version.',
  413: 'The body is larger than 64 KiB; nothing was changed.',
  415: 'The body is not sent as JSON (Content-Type must be application/json); nothing was changed.',
  429: 'Over the key’s requests per minute; see Retry-After.',
  500: 'Something failed on our side and nothing was changed; try again.',
};

const ERROR_HEADERS: Record<number, Record<string, { description: string; schema: { type: string } }>> = {
  401: { 'WWW-Authenticate': { description: 'Bearer realm="userdesk".', schema: { type: 'string' } } },
  429: { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } },
};

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });

function schemas(entries: [SchemaName, z.ZodType][], io: 'input' | 'output') {
  return Object.fromEntries(
    entries.map(([name, schema]) => {
      const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
      return [name, json];
    }),
  );
}

function parameters(route: ApiRoute) {
  const list: Record<string, unknown>[] = [];
  if (route.path.includes('{id}')) list.push({ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } });
  if (route.query) {
    const json = z.toJSONSchema(route.query, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, { description?: string }> };
    for (const [name, schema] of Object.entries(json.properties))
      list.push({ name, in: 'query', required: false, ...(schema.description ? { description: schema.description } : {}), schema });
  }
  if (route.ifMatch) list.push({ name: 'If-Match', in: 'header', required: false, description: 'The ETag of your last read, like "v3".', schema: { type: 'string' } });
  return list;
}

export function openApiDocument(serverUrl = '/api/v1') {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const problem = { content: { 'application/problem+json': { schema: ref('Problem') } } };
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[{}]/g, '').replace(/\/(\w)/g, (_, c: string) => c.toUpperCase())}`,
      summary: route.summary,
      description: route.permission ? `${route.description}\n\nPermission: \`${route.permission}\`.` : route.description,
      ...(route.permission ? {} : { security: [] }),
      parameters: parameters(route),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(route.body), example: route.example } } } } : {}),
      responses: {
        [route.response.status]: {
          description: 'Success',
          headers: {
            ...(route.response.etag ? { ETag: { description: 'The user’s version, for If-Match.', schema: { type: 'string' } } } : {}),
            ...(route.response.status === 201 && route.response.schema === 'User' ? { Location: { description: 'The new user’s URL.', schema: { type: 'string' } } } : {}),
          },
          content: { 'application/json': { schema: ref(route.response.schema) } },
        },
        ...Object.fromEntries(
          [...route.errors, 500].map((status) => [
            status,
            { ...problem, description: ERROR_TEXT[status], ...(ERROR_HEADERS[status] ? { headers: ERROR_HEADERS[status] } : {}) },
          ]),
        ),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Userdesk REST API',
      version: '1.0.0',
      description: 'Manage the organization’s users with an API user’s key. Reference: /docs/api. A change answers with the user as they now are; a key whose rights do not include `users.read` (it may act on users, not read them) gets only their `id`, `status` and `version`, and refusals name the user as "this user".',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key (udk_…) or a token from POST /auth/token (udt_…).' } },
      schemas: { ...schemas(OUTPUTS, 'output'), ...schemas(INPUTS, 'input') },
    },
  };
}

/** A curl command for the route, with the key and base URL in shell variables. */
export function curlExample(route: ApiRoute): string {
  const path = route.path.replace('{id}', '$USER_ID');
  // A key that reaches several environments must name one (the first thing a real call would hit).
  const query = route.path === '/users' && route.method === 'GET' ? '?environment=$ENVIRONMENT_ID&q=lee&status=active' : route.path === '/users/locked' ? '?environment=$ENVIRONMENT_ID' : '';
  const lines = [`curl -X ${route.method} "$USERDESK_URL/api/v1${path}${query}"`];
  if (route.permission) lines.push('  -H "Authorization: Bearer $USERDESK_KEY"');
  if (route.ifMatch && route.method === 'PATCH') lines.push(`  -H 'If-Match: "v3"'`);
  if (route.body) lines.push('  -H "Content-Type: application/json"', `  -d '${JSON.stringify(route.example ?? {})}'`);
  return lines.join(' \\\n');
}
