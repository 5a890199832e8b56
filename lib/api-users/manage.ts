// API users: credentials for integrations (SPEC.md section 2). Creating, revoking, deleting and listing
// them; only principals that administer every environment (apiUsers.manage + all environments) may,
// and never through a key: a key cannot mint, revoke or delete keys.
import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, Queryable, Tx } from '@/db/client';
import { apiTokens, apiUserEnvironments, apiUsers, apiUserScope, environments, roles, users, type ApiUserScope } from '@/db/schema';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { PERMISSIONS } from '@/lib/auth/permissions';
import { canGrant, requirePermissionOf, type Principal } from '@/lib/auth/principal';
import { AppError, type FieldErrors } from '@/lib/errors';
import { rows } from '@/lib/db-rows';
import { isPgText } from '@/lib/search-params';
import { visibleTo } from '@/lib/users/scope';
import { emailSchema, oneLine, plainTextSchema, wholeNumberSchema } from '@/lib/validation';
import { ENVIRONMENT_KEY_PERMISSIONS } from './authenticate';
import { generateKey } from './keys';

export const EXPIRES_SOON_DAYS = 14;
const DAY = 86_400_000;

export type ApiUserStatus = 'active' | 'expires_soon' | 'expired' | 'revoked' | 'suspended';

type StatusRow = { revokedAt: Date | null; expiresAt: Date; creatorStatus?: string | null; actsAsStatus?: string | null };

/**
 * Why a working key answers every call with 403 (see authenticate.ts), or null: the person who created
 * it is banned or inactive, or the user a Specific User key acts as is banned, inactive or still invited
 * (a lock does not stop it). The inactivity job makes people inactive unattended; the list says so.
 */
function suspension(row: StatusRow): { who: 'creator' | 'user'; status: string } | null {
  if (row.creatorStatus === 'banned' || row.creatorStatus === 'inactive') return { who: 'creator', status: row.creatorStatus };
  if (row.actsAsStatus === 'banned' || row.actsAsStatus === 'inactive' || row.actsAsStatus === 'invited') return { who: 'user', status: row.actsAsStatus };
  return null;
}

export function suspendedBecause(row: StatusRow): string | null {
  const s = suspension(row);
  return s && (s.who === 'creator' ? `its creator is ${s.status}` : `the user it acts as is ${s.status}`);
}

/** The same in two words, for the table's Status column ("Creator banned", "User inactive"). */
export function suspendedLabel(row: StatusRow): string | null {
  const s = suspension(row);
  return s && `${s.who === 'creator' ? 'Creator' : 'User'} ${s.status}`;
}

/** A key's state; `suspended` while suspendedBecause names a reason. */
export function apiUserStatus(row: StatusRow, now = new Date()): ApiUserStatus {
  if (row.revokedAt) return 'revoked';
  if (row.expiresAt <= now) return 'expired';
  if (suspendedBecause(row)) return 'suspended';
  if (row.expiresAt.getTime() - now.getTime() <= EXPIRES_SOON_DAYS * DAY) return 'expires_soon';
  return 'active';
}

/**
 * The line above the API Users table: how many keys work now, and how many are held back by their
 * creator's state or that of the user they act as (a suspended key is listed with the working ones but answers every call with 403).
 */
export function apiUsersSummary(counts: { total: number; suspended: number }, showAll: boolean): string {
  const count = (n: number, noun: string) => `${n.toLocaleString('en')} ${noun}${n === 1 ? '' : 's'}`;
  if (showAll) return count(counts.total, 'API user');
  const working = counts.total - counts.suspended;
  return `${count(working, 'active API user')}${counts.suspended ? `, ${counts.suspended.toLocaleString('en')} suspended` : ''}`;
}

// One message at a time, the most useful first (an empty username is not also "letters only").
// A field the form always sends, missing or posted twice by a direct call: said in words, not as zod's
// type error, and alone (piped, so the length checks never run on a list of values).
const oneText = (required: string, twice: string) => z.string({ error: (issue) => (issue.input === undefined ? required : twice) });

export const usernameSchema = oneText('Enter a username.', 'Send one username.').pipe(
  z
    .string()
    .trim()
    .min(1, { message: 'Enter a username.', abort: true })
    .min(3, { message: 'Usernames are at least 3 characters.', abort: true })
    .max(100, { message: 'Usernames are at most 100 characters.', abort: true })
    .regex(/^[A-Za-z0-9._@+-]+$/, 'Use letters, digits and . _ @ + - only.'),
);

// A calendar date (the end of that day, UTC), or a date-time with its offset: nothing that Date would
// read in the server's time zone ("12/31/2027") or roll over to another day ("2027-02-30" is March 2).
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/i;
const isCalendarDate = (day: string) => {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
};

const IN_THE_FUTURE = 'The expiration date must be in the future.';

const expiresAtSchema = oneText('Choose an expiration date.', 'Send one expiration date.')
  .pipe(
    z
      .string()
      .trim()
      .min(1, 'Choose an expiration date.')
      .transform((v, ctx) => {
        const day = DATE.test(v) ? v : DATE_TIME.exec(v)?.[1];
        const date = day && isCalendarDate(day) ? new Date(day === v ? `${v}T23:59:59.999Z` : v) : null;
        if (!date || Number.isNaN(date.getTime())) {
          ctx.addIssue({ code: 'custom', message: 'Enter a date as YYYY-MM-DD.' });
          return z.NEVER;
        }
        return date;
      }),
  )
  .refine((d) => d.getTime() > Date.now(), IN_THE_FUTURE)
  .refine((d) => d.getTime() < Date.now() + 5 * 366 * DAY, 'Keys expire within five years.');

export const newApiUserSchema = z
  .object({
    username: usernameSchema,
    // One line in the table; hidden characters (NUL among them) are refused.
    description: oneLine(plainTextSchema('description', 500)).default(''),
    scope: z.enum(apiUserScope.enumValues, 'Choose a scope.'),
    userId: z.uuid('Choose the user this key acts as.').optional(),
    environmentIds: z.array(z.uuid('Choose environments from the list.')).default([]),
    expiresAt: expiresAtSchema,
    rateLimitPerMinute: wholeNumberSchema(1, 100_000, {
      required: 'Enter a whole number of requests a minute.',
      whole: 'Enter a whole number of requests a minute.',
      min: 'At least 1 request a minute.',
      max: 'At most 100,000 requests a minute.',
    }).default(600),
  })
  .superRefine((v, ctx) => {
    if (v.scope === 'user' && !v.userId) ctx.addIssue({ code: 'custom', path: ['userId'], message: 'Choose the user this key acts as.' });
    if (v.scope === 'environments' && v.environmentIds.length === 0)
      ctx.addIssue({ code: 'custom', path: ['environmentIds'], message: 'Choose at least one environment.' });
  });

export type NewApiUser = z.infer<typeof newApiUserSchema>;

/** Only a person who administers every environment manages API users. */
export function requireApiUserManager(principal: Principal) {
  if (principal.actor.type !== 'user') throw new AppError('forbidden', 'API users are managed in the portal, not with a key.');
  requirePermissionOf(principal, 'apiUsers.manage');
  if (!principal.allEnvironments) throw new AppError('forbidden', 'Only someone who administers every environment can manage API users.');
}

export async function usernameTaken(q: Queryable, username: string): Promise<boolean> {
  const [row] = await q
    .select({ id: apiUsers.id })
    .from(apiUsers)
    .where(eq(sql`lower(${apiUsers.username})`, username.trim().toLowerCase()))
    .limit(1);
  return row !== undefined;
}

/** The user a Specific User key is to act as, named by email (ignoring case); undefined for no one or garbage. */
export async function userIdByEmail(q: Queryable, email: string): Promise<string | undefined> {
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success || !isPgText(parsed.data)) return undefined;
  const [found] = await q.select({ id: users.id }).from(users).where(eq(sql`lower(${users.email})`, parsed.data.toLowerCase())).limit(1);
  return found?.id;
}

const USERNAME_TAKEN = 'An API user with this username already exists.';
const NOT_GRANTABLE = 'You cannot give a key permissions you do not hold yourself.';

/** Creates the API user; returns the key, which exists nowhere else: show it once, then forget it. */
export async function createApiUser(tx: Tx, principal: Principal, input: NewApiUser, meta?: RequestMeta) {
  requireApiUserManager(principal);
  const errors: FieldErrors = {};
  if (await usernameTaken(tx, input.username)) errors.username = [USERNAME_TAKEN];
  // The schema checked the app server's clock; every request checks the key by the database's.
  const [clock] = await rows<{ future: boolean }>(tx, sql`select ${input.expiresAt.toISOString()}::timestamptz > now() as future`);
  if (!clock?.future) errors.expiresAt = [IN_THE_FUTURE];
  let actsAs: { id: string; email: string } | undefined;
  // A key is a grant like a role: it carries no permission or reach its creator lacks (see canGrant).
  if (input.scope === 'user') {
    const [found] = await tx
      .select({ id: users.id, email: users.email, permissions: roles.permissions, allEnvironments: roles.allEnvironments })
      .from(users)
      .innerJoin(roles, eq(roles.id, users.roleId))
      .where(eq(users.id, input.userId!));
    if (!found) errors.userId = ['Choose the user this key acts as.'];
    else if (!canGrant(principal, found)) throw new AppError('forbidden', NOT_GRANTABLE, { userId: [NOT_GRANTABLE] });
    actsAs = found && { id: found.id, email: found.email };
  } else if (!canGrant(principal, input.scope === 'organization' ? { permissions: PERMISSIONS, allEnvironments: true } : { permissions: ENVIRONMENT_KEY_PERMISSIONS, allEnvironments: false }))
    throw new AppError('forbidden', NOT_GRANTABLE, { scope: [NOT_GRANTABLE] });
  const environmentIds = input.scope === 'environments' ? [...new Set(input.environmentIds)] : [];
  if (environmentIds.length) {
    // The form lists environments that are not archived; an archived one is no choice (as on Add and edit).
    const found = await tx.select({ id: environments.id }).from(environments).where(and(inArray(environments.id, environmentIds), isNull(environments.archivedAt)));
    if (found.length !== environmentIds.length) errors.environmentIds = ['Choose environments from the list.'];
  }
  if (Object.keys(errors).length > 0) throw new AppError('invalid', 'Check the highlighted fields.', errors);

  const { key, keyId, keyHash } = generateKey();
  const inserted = await tx
    .insert(apiUsers)
    .values({
      username: input.username,
      description: input.description,
      scope: input.scope,
      userId: input.scope === 'user' ? actsAs!.id : null,
      expiresAt: input.expiresAt,
      createdById: principal.actor.type === 'user' ? principal.actor.id : null,
      createdByLabel: principal.actor.label ?? 'System',
      rateLimitPerMinute: input.rateLimitPerMinute,
      keyId,
      keyHash,
    })
    // Two managers saving the same username at once: the unique index decides, the loser gets a field error.
    .onConflictDoNothing()
    .returning({ id: apiUsers.id });
  if (inserted.length === 0) throw new AppError('invalid', 'Check the highlighted fields.', { username: [USERNAME_TAKEN] });
  const id = inserted[0]!.id;
  if (environmentIds.length) await tx.insert(apiUserEnvironments).values(environmentIds.map((environmentId) => ({ apiUserId: id, environmentId })));
  await recordAudit(tx, {
    actor: principal.actor,
    action: 'api_user.created',
    target: { type: 'api_user', id, label: input.username },
    changes: {
      scope: { before: null, after: input.scope },
      ...(actsAs ? { actsAs: { before: null, after: actsAs.email } } : {}),
      ...(environmentIds.length ? { environments: { before: null, after: environmentIds } } : {}),
      expiresAt: { before: null, after: input.expiresAt.toISOString() },
    },
    meta,
  });
  return { id, key };
}

async function findApiUser(tx: Tx, id: string, lock: 'update' | 'no key update') {
  const [row] = await tx
    .select({ id: apiUsers.id, username: apiUsers.username, revokedAt: apiUsers.revokedAt, expired: sql<boolean>`${apiUsers.expiresAt} <= now()` })
    .from(apiUsers)
    .where(eq(apiUsers.id, id))
    .for(lock);
  if (!row) throw new AppError('not_found', 'No such API user.');
  return row;
}

/**
 * Permanent: the key and its tokens stop working once this commits. The API user stays listed until
 * deleted. The row is held FOR NO KEY UPDATE, which the key's changes under way (FOR KEY SHARE, see
 * confirmCaller) do not hold up: a FOR UPDATE here waited for a moment when none was under way, and a
 * key in constant use (a leaked one, hammered) never gave it one. revokeApiUserNow also waits for them.
 */
export async function revokeApiUser(tx: Tx, principal: Principal, id: string, meta?: RequestMeta) {
  requireApiUserManager(principal);
  const row = await findApiUser(tx, id, 'no key update');
  if (row.revokedAt) throw new AppError('conflict', `${row.username} is already revoked.`);
  await tx.update(apiUsers).set({ revokedAt: new Date() }).where(eq(apiUsers.id, id));
  await tx.delete(apiTokens).where(eq(apiTokens.apiUserId, id));
  await recordAudit(tx, { actor: principal.actor, action: 'api_user.revoked', target: { type: 'api_user', id, label: row.username }, meta });
  return row;
}

/**
 * Waits until every change the key had under way when it was revoked has committed or rolled back.
 * A revoked key's row is never locked again (confirmCaller reads only unrevoked ones), so this waits
 * for those few, however hard the key is still being used. Token exchanges are among them: a token one
 * of them stored after the revoke's own delete is removed here, so none is left once Revoke returns.
 */
async function settleRevoked(db: Db, id: string) {
  await db.transaction(async (tx) => {
    await tx.select({ id: apiUsers.id }).from(apiUsers).where(eq(apiUsers.id, id)).for('update');
    await tx.delete(apiTokens).where(eq(apiTokens.apiUserId, id));
  });
}

/** The portal's Revoke: revoked, and it returns only once no change by the key can still commit. */
export async function revokeApiUserNow(db: Db, principal: Principal, id: string, meta?: RequestMeta) {
  const row = await db.transaction((tx) => revokeApiUser(tx, principal, id, meta));
  await settleRevoked(db, id);
  return row;
}

/**
 * The portal's Delete. A key that still works is revoked first (audited as such, in its own
 * transaction): deleting the row waits for the key's changes under way, and while it works, new ones
 * would keep coming. An expired key starts none (its requests are refused before any transaction).
 */
export async function deleteApiUserNow(db: Db, principal: Principal, id: string, meta?: RequestMeta) {
  const revoked = await db.transaction(async (tx) => {
    requireApiUserManager(principal);
    const row = await findApiUser(tx, id, 'no key update');
    if (row.revokedAt || row.expired) return null;
    await revokeApiUser(tx, principal, id, meta);
    return row.username;
  });
  try {
    return await db.transaction((tx) => deleteApiUser(tx, principal, id, meta));
  } catch (error) {
    // The revoke has committed (and is audited): "nothing was saved" would not be true.
    if (revoked === null || error instanceof AppError) throw error;
    console.error(error);
    throw new AppError('conflict', `${revoked} was revoked, and its key no longer works, but it could not be deleted: try Delete again.`);
  }
}

/** Removes the API user, its environments and tokens; its audit events keep its name. */
export async function deleteApiUser(tx: Tx, principal: Principal, id: string, meta?: RequestMeta) {
  requireApiUserManager(principal);
  const row = await findApiUser(tx, id, 'update');
  await tx.delete(apiUsers).where(eq(apiUsers.id, id));
  await recordAudit(tx, { actor: principal.actor, action: 'api_user.deleted', target: { type: 'api_user', id, label: row.username }, meta });
  return row;
}

export const API_USERS_PAGE = 100;

/** Listed: active ones (suspended included: they are not over), or every one. */
const listed = (includeInactive: boolean) => (includeInactive ? undefined : and(isNull(apiUsers.revokedAt), gt(apiUsers.expiresAt, sql`now()`)));
const usernameKey = sql<string>`lower(${apiUsers.username})`;

/**
 * A page of API users by username (unique ignoring case, so the lower-cased name is the whole cursor),
 * after `after` (the last name of the previous page, from the URL: ignored unless it is text PostgreSQL
 * takes); `next` is the cursor of the following page, null on the last. A viewer without reach over
 * every environment (who may only see API users) is not told who or what lies beyond their own: a
 * Specific User key's user outside them has no email here, and an Environment key names only theirs
 * (`otherEnvironments` counts the rest).
 */
export async function listApiUsers(q: Queryable, viewer: Principal, options: { includeInactive: boolean; after?: string; limit?: number }) {
  const limit = options.limit ?? API_USERS_PAGE;
  const after = options.after !== undefined && options.after.length <= 200 && isPgText(options.after) ? options.after : undefined;
  const within = viewer.allEnvironments ? sql`true` : sql`${apiUserEnvironments.environmentId} = any(${`{${viewer.environmentIds.join(',')}}`}::uuid[])`;
  const found = await q
    .select({
      id: apiUsers.id,
      username: apiUsers.username,
      description: apiUsers.description,
      scope: apiUsers.scope,
      actsAsEmail: viewer.allEnvironments ? users.email : sql<string | null>`case when ${visibleTo(viewer)} then ${users.email} end`,
      createdByLabel: apiUsers.createdByLabel,
      createdAt: apiUsers.createdAt,
      expiresAt: apiUsers.expiresAt,
      lastUsedAt: apiUsers.lastUsedAt,
      revokedAt: apiUsers.revokedAt,
      rateLimitPerMinute: apiUsers.rateLimitPerMinute,
      creatorStatus: sql<string | null>`(select ${users.status} from ${users} where ${users.id} = ${apiUsers.createdById})`,
      actsAsStatus: users.status,
      environments: sql<string[]>`array(select ${environments.name} from ${apiUserEnvironments} join ${environments} on ${environments.id} = ${apiUserEnvironments.environmentId} where ${apiUserEnvironments.apiUserId} = ${apiUsers.id} and ${within} order by 1)`,
      otherEnvironments: sql<number>`(select count(*)::int from ${apiUserEnvironments} where ${apiUserEnvironments.apiUserId} = ${apiUsers.id} and not ${within})`,
    })
    .from(apiUsers)
    .leftJoin(users, eq(users.id, apiUsers.userId))
    .where(and(listed(options.includeInactive), after === undefined ? undefined : gt(usernameKey, after)))
    .orderBy(asc(usernameKey))
    .limit(limit + 1);
  const now = new Date();
  const rows = found.slice(0, limit).map((r) => ({ ...r, status: apiUserStatus(r, now), suspendedBecause: suspendedBecause(r), suspendedLabel: suspendedLabel(r) }));
  return { rows, next: found.length > limit ? rows.at(-1)!.username.toLowerCase() : null };
}

/** How many API users the list holds in all (every page), and how many of those are suspended by their creator's state. */
export async function countApiUsers(q: Queryable, options: { includeInactive: boolean }) {
  const [counts] = await q
    .select({
      total: sql<number>`count(*)::int`,
      suspended: sql<number>`(count(*) filter (where ${apiUsers.revokedAt} is null and ${apiUsers.expiresAt} > now()
        and ((select ${users.status} from ${users} where ${users.id} = ${apiUsers.createdById}) in ('banned', 'inactive')
          or (select ${users.status} from ${users} where ${users.id} = ${apiUsers.userId}) in ('banned', 'inactive', 'invited'))))::int`,
    })
    .from(apiUsers)
    .where(listed(options.includeInactive));
  return { total: counts?.total ?? 0, suspended: counts?.suspended ?? 0 };
}

export type ApiUserRow = Awaited<ReturnType<typeof listApiUsers>>['rows'][number];

export const SCOPE_LABELS: Record<ApiUserScope, string> = {
  user: 'Specific User',
  environments: 'Environment',
  organization: 'Organization (All Environments)',
};

/** API users not yet revoked or expired whose key expires within 14 days and whose warning is unsent. */
export const expiringSoon = () =>
  and(isNull(apiUsers.revokedAt), gt(apiUsers.expiresAt, sql`now()`), sql`${apiUsers.expiresAt} <= now() + make_interval(days => ${EXPIRES_SOON_DAYS})`, isNull(apiUsers.expiryWarnedAt));

