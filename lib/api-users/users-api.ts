// What the REST API says about users, and the schemas of its requests and answers. Inputs reuse the
// portal's zod schemas (lib/users); the OpenAPI document (openapi.ts) is generated from these.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, Queryable, Tx } from '@/db/client';
import { environments, lockReason, roles, users, userStatus } from '@/db/schema';
import { canSeeEnvironment, type Principal } from '@/lib/auth/principal';
import { AppError } from '@/lib/errors';
import { tagSchema } from '@/lib/users/create';
import { listParamsSchema, PAGE_SIZE } from '@/lib/users/list';
import { userColumns, visibleTo } from '@/lib/users/scope';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const userSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    status: z.enum(userStatus.enumValues),
    role: z.object({ id: z.uuid(), name: z.string() }),
    environmentIds: z.array(z.uuid()).describe('Environments the user belongs to (empty for roles that span every environment).'),
    tags: z.array(tagSchema),
    profile: z.record(z.string(), z.string()),
    lockReason: z.enum(lockReason.enumValues).nullable(),
    lockedAt: z.iso.datetime().nullable(),
    banReason: z.string().nullable(),
    requirePasswordChange: z.boolean(),
    lastSignInAt: z.iso.datetime().nullable(),
    passwordChangedAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int().describe('Bumped by every change; also sent as the ETag "v<version>".'),
  });

export type ApiUserView = z.infer<typeof userSchema>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const selectUser = (q: Queryable) => q.select({ ...userColumns, environmentIds: users.environmentIds }).from(users).innerJoin(roles, eq(roles.id, users.roleId));

// GET /users/{id} is the API's hottest read: one prepared statement per client, the principal's reach
// passed as parameters (the same rule as visibleTo in lib/users/scope.ts).
const preparedByClient = new WeakMap<Db, ReturnType<typeof prepareView>>();
const prepareView = (q: Db) =>
  selectUser(q)
    .where(
      and(
        eq(users.id, sql.placeholder('id')),
        sql`(${sql.placeholder('all')}::boolean or ${roles.allEnvironments} or ${users.environmentIds} && string_to_array(${sql.placeholder('envs')}::text, ',')::uuid[])`,
      ),
    )
    .limit(1)
    .prepare('api_view_user');

/** One user as the API shows them, or 404 when outside the principal's environments. */
export async function viewUser(q: Queryable, principal: Principal, userId: string): Promise<ApiUserView> {
  if (!UUID.test(userId)) throw new AppError('not_found', 'No such user in your environments.');
  let found;
  if ('rollback' in q) found = await selectUser(q as Tx).where(and(eq(users.id, userId), visibleTo(principal))).limit(1);
  else {
    let statement = preparedByClient.get(q);
    if (!statement) preparedByClient.set(q, (statement = prepareView(q)));
    found = await statement.execute({ id: userId, all: principal.allEnvironments, envs: principal.environmentIds.join(',') });
  }
  const [u] = found;
  if (!u) throw new AppError('not_found', 'No such user in your environments.');
  return {
    id: u.id,
    email: u.email,
    firstName: u.firstName,
    lastName: u.lastName,
    status: u.status,
    role: { id: u.roleId, name: u.roleName },
    environmentIds: u.environmentIds,
    tags: u.tags,
    profile: u.profile,
    lockReason: u.lockReason,
    lockedAt: iso(u.lockedAt),
    banReason: u.banReason,
    requirePasswordChange: u.requirePasswordChange,
    lastSignInAt: iso(u.lastSignInAt),
    passwordChangedAt: iso(u.passwordChangedAt),
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
    version: u.version,
  };
}

export const listQuerySchema = z
  .object({
    environment: z
      .uuid('environment must be an environment id.')
      .optional()
      .describe('The environment to list. Required when the key reaches more than one environment.'),
    q: listParamsSchema.shape.q.describe('Substring of first name, last name or email, case- and accent-insensitive.'),
    status: z.enum(userStatus.enumValues).optional(),
    role: z.uuid().optional().describe('A role id.'),
    sort: z.enum(['name', 'email', 'lastSignIn']).default('name'),
    dir: z.enum(['asc', 'desc']).default('asc'),
    after: z.string().max(2000).optional().describe('The cursor of the `next` link.'),
    limit: z.coerce.number().int().min(PAGE_SIZE).max(PAGE_SIZE).default(PAGE_SIZE).describe(`Page size: ${PAGE_SIZE} (fixed).`),
  });

export const userSummarySchema = z.object({
  id: z.uuid(),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  status: z.enum(userStatus.enumValues),
  role: z.string().describe('The role name.'),
  lastSignInAt: z.iso.datetime().nullable(),
  environments: z.array(z.string()).describe('Environment names.'),
  tags: z.array(tagSchema),
});

export const userListSchema = z
  .object({
    users: z.array(userSummarySchema),
    count: z.number().int().describe('Matching users: exact up to 1,000, an estimate above.'),
    countExact: z.boolean(),
    next: z.string().nullable().describe('The URL of the next page, or null on the last page.'),
  });

export const lockedListSchema = z
  .object({
    users: z.array(
      z.object({
        id: z.uuid(),
        email: z.string(),
        firstName: z.string(),
        lastName: z.string(),
        lockReason: z.enum(lockReason.enumValues).nullable(),
        lockedAt: z.iso.datetime().nullable(),
        failedAttempts: z.number().int(),
      }),
    ),
    next: z.string().nullable().describe('The URL of the next page, or null on the last page.'),
  });

/** The environment a list request reads: the one named, or the key's only one. 404 outside its reach. */
export async function resolveEnvironment(q: Queryable, principal: Principal, requested: string | undefined): Promise<string> {
  if (requested) {
    const [found] = await q.select({ id: environments.id }).from(environments).where(and(eq(environments.id, requested), isNull(environments.archivedAt)));
    if (!found || !canSeeEnvironment(principal, requested)) throw new AppError('not_found', 'No such environment for this key.');
    return requested;
  }
  const reachable = principal.allEnvironments
    ? await q.select({ id: environments.id }).from(environments).where(isNull(environments.archivedAt)).limit(2)
    : principal.environmentIds.length
      ? await q.select({ id: environments.id }).from(environments).where(and(inArray(environments.id, [...principal.environmentIds]), isNull(environments.archivedAt))).limit(2)
      : [];
  if (reachable.length === 1) return reachable[0]!.id;
  if (reachable.length === 0) throw new AppError('forbidden', 'This key reaches no environment.');
  throw new AppError('invalid', 'This key reaches several environments: name one.', { environment: ['Give the environment id to list.'] });
}

export const banBodySchema = z
  .object({ reason: z.string().trim().min(1, "Give a reason: it is kept in the user's history.").max(500) });

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().describe('What went wrong, safe to show.'),
    errors: z.record(z.string(), z.array(z.string())).optional().describe('Field errors, keyed by the field of the request.'),
  });

export const tokenResponseSchema = z
  .object({ token: z.string(), tokenType: z.literal('Bearer'), expiresAt: z.iso.datetime() });
