// What the REST API says about users, and the schemas of its requests and answers. Inputs reuse the
// portal's zod schemas (lib/users); the OpenAPI document (openapi.ts) is generated from these.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, Queryable } from '@/db/client';
import { environments, lockReason, roles, users, userStatus } from '@/db/schema';
import { canSeeEnvironment, type Principal } from '@/lib/auth/principal';
import { preparedRows, rows } from '@/lib/db-rows';
import { AppError } from '@/lib/errors';
import { UUID } from '@/lib/search-params';
import { tagSchema } from '@/lib/users/create';
import { listParamsSchema, PAGE_SIZE } from '@/lib/users/list';
import { banReasonSchema } from '@/lib/users/update';

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


/**
 * The columns of a user as the API shows them (from users u join roles r). GET /users/{id} is the API's
 * hottest read: a prepared statement with the principal's reach as parameters (the rule of visibleTo
 * in lib/users/scope.ts), or, in apiRoute, read in the same statement as the credential check.
 */
export const VIEW_COLUMNS = sql.raw(`u.id, u.email, u.first_name as "firstName", u.last_name as "lastName", u.status, u.environment_ids as "environmentIds",
  u.tags, u.profile, u.lock_reason as "lockReason", u.locked_at as "lockedAt", u.ban_reason as "banReason",
  u.require_password_change as "requirePasswordChange", u.last_sign_in_at as "lastSignInAt", u.password_changed_at as "passwordChangedAt",
  u.created_at as "createdAt", u.updated_at as "updatedAt", u.version, r.id as "roleId", r.name as "roleName", r.all_environments as "roleAllEnvironments"`);

type Time = string | Date;
export type ViewRow = Omit<ApiUserView, 'role' | 'lockedAt' | 'lastSignInAt' | 'passwordChangedAt' | 'createdAt' | 'updatedAt'> & {
  roleId: string;
  roleName: string;
  roleAllEnvironments: boolean;
  lockedAt: Time | null;
  lastSignInAt: Time | null;
  passwordChangedAt: Time | null;
  createdAt: Time;
  updatedAt: Time;
};

const iso = (t: Time | null) => (t === null ? null : new Date(t).toISOString());
const NOT_FOUND = 'No such user in your environments.';

/**
 * What a change answers with: the user as they now are, to a caller who may read users; to one who may
 * only act (a custom role with users.unlock, say, and not users.read) only what it acted on: the id,
 * the status and the version for If-Match. The portal shows such a holder no user at all.
 */
export function changeAnswer(principal: Principal, user: ApiUserView): ApiUserView | Pick<ApiUserView, 'id' | 'status' | 'version'> {
  return principal.permissions.includes('users.read') ? user : { id: user.id, status: user.status, version: user.version };
}

/**
 * A refusal's message for a caller who may not read users: the user's email (which it was not shown)
 * becomes "this user".
 */
export function withoutEmail(principal: Principal, error: unknown, email: string): unknown {
  if (principal.permissions.includes('users.read') || !(error instanceof AppError)) return error;
  const hide = (text: string) => (text.startsWith(email) ? `This user${text.slice(email.length)}` : text).replaceAll(email, 'this user');
  const fieldErrors = error.fieldErrors && Object.fromEntries(Object.entries(error.fieldErrors).map(([field, messages]) => [field, messages.map(hide)]));
  return new AppError(error.code, hide(error.message), fieldErrors);
}

/**
 * Whether the principal sees a user, as visibleTo says it in SQL: members of one of its environments,
 * and those whose role spans them all, but nobody at all for a principal in no environment (an
 * environment key whose creator has since lost every environment it named).
 */
const sees = (principal: Principal, u: { roleAllEnvironments: boolean; environmentIds: string[] }) =>
  principal.allEnvironments || (principal.environmentIds.length > 0 && (u.roleAllEnvironments || u.environmentIds.some((e) => principal.environmentIds.includes(e))));

/** A user row as the API shows it, or 404 when missing or outside the principal's environments (visibleTo's rule). */
export function viewOf(principal: Principal, u: ViewRow | null | undefined): ApiUserView {
  if (!u || !sees(principal, u)) throw new AppError('not_found', NOT_FOUND);
  return {
    id: u.id,
    email: u.email,
    firstName: u.firstName,
    lastName: u.lastName,
    status: u.status,
    role: { id: u.roleId, name: u.roleName },
    // Those the caller works in, as the list names only those: a shared member does not tell an
    // environment key of the others (a PATCH sending these back leaves the others as they are).
    environmentIds: u.environmentIds.filter((id) => canSeeEnvironment(principal, id)),
    tags: u.tags,
    profile: u.profile,
    lockReason: u.lockReason,
    lockedAt: iso(u.lockedAt),
    banReason: u.banReason,
    requirePasswordChange: u.requirePasswordChange,
    lastSignInAt: iso(u.lastSignInAt),
    passwordChangedAt: iso(u.passwordChangedAt),
    createdAt: iso(u.createdAt)!,
    updatedAt: iso(u.updatedAt)!,
    version: u.version,
  };
}

/** One user as the API shows them, or 404 when outside the principal's environments. */
export async function viewUser(q: Queryable, principal: Principal, userId: string): Promise<ApiUserView> {
  if (!UUID.test(userId)) throw new AppError('not_found', NOT_FOUND);
  // A principal in no environment sees nobody (visibleTo): not even those whose role spans them all.
  const reach = principal.allEnvironments || principal.environmentIds.length > 0;
  const statement = sql`select ${VIEW_COLUMNS} from ${users} u join ${roles} r on r.id = u.role_id
    where u.id = ${userId} and ${reach}::boolean and (${principal.allEnvironments}::boolean or r.all_environments or u.environment_ids && ${`{${principal.environmentIds.join(',')}}`}::uuid[])`;
  const [u] = 'rollback' in q ? await rows<ViewRow>(q, statement) : await preparedRows<ViewRow>(q as Db, statement);
  return viewOf(principal, u);
}

export const listQuerySchema = z
  .object({
    environment: z
      .uuid('environment must be an environment id.')
      .toLowerCase()
      .optional()
      .describe('The environment to list. Required when the key reaches more than one environment.'),
    q: listParamsSchema.shape.q.describe('Substring of first name, last name or email, case- and accent-insensitive.'),
    status: z.enum(userStatus.enumValues).optional(),
    role: z.uuid().toLowerCase().optional().describe('A role id.'),
    tag: z
      .string()
      .trim()
      .min(1, 'tag must name a tag.')
      .max(200, 'tag must be at most 200 characters.')
      .regex(/^\P{Cc}*$/u, 'tag must not hold control characters.')
      .optional()
      .describe('Users carrying this tag: `Name=Value` (ExternalUserId=4711), or `Name` for any value. Names and values match exactly.'),
    sort: z.enum(['name', 'email', 'lastSignIn']).default('name'),
    dir: z.enum(['asc', 'desc']).default('asc'),
    after: z.string().max(2000).optional().describe('The cursor of the `next` link.'),
    limit: z.coerce.number().int().min(PAGE_SIZE).max(PAGE_SIZE).default(PAGE_SIZE).describe(`Page size: ${PAGE_SIZE} (fixed).`),
  })
  // A misspelt filter (stauts=banned) is refused, never dropped: dropped, it would list everyone.
  .strict();

/** GET /users/locked: most recently locked first, so no sort parameters. */
export const lockedQuerySchema = listQuerySchema.pick({ environment: true, q: true, after: true });

export const userSummarySchema = z.object({
  id: z.uuid(),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  status: z.enum(userStatus.enumValues),
  role: z.string().describe('The role name.'),
  lastSignInAt: z.iso.datetime().nullable(),
  environments: z.array(z.string()).describe('Names of the user’s environments that the key reaches (others are left out).'),
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

export const banBodySchema = z.object({ reason: banReasonSchema }).strict();

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
