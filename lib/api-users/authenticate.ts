// Who is calling the REST API: a key or a token resolved to its API user and the Principal its scope
// gives, plus the per-key rate limit. One statement per call (authenticateAndCount): the indexed lookup
// (with everything the Principal needs), the atomic upsert that counts the request, and the last-use
// stamp (once a minute), the last two only for a credential whose hash matches.
//
// Scopes as Principals:
//   organization  Administrator permissions in every environment (but see requireApiUserManager: a key
//                 never manages API users; and keyBeyondItsReach: it never grants a role beyond user
//                 management, nor sets the password or email of one who holds such a role);
//   environments  Account Manager permissions (users.read, users.write, users.unlock, users.ban) in the
//                 chosen environments, no roles/settings/audit/API-user permissions;
//   user          exactly that user's role and environments, re-read at every call; refused while the
//                 user is banned, inactive or still invited. A lock does not stop it (see below).
// Whatever the scope, a key never does more than the person who created it may now (re-read at every
// call, like the user of a user key): nothing while that person is banned or inactive, and only the
// permissions and environments they still hold once demoted. A lock (which anyone can cause with wrong
// passwords) does not stop their keys: it says nothing about what the person may do.
import { and, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Db, Queryable, Tx } from '@/db/client';
import { apiRateWindows, apiTokens, apiUserEnvironments, apiUsers, roles, users } from '@/db/schema';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { isPermission, PERMISSIONS, type Permission } from '@/lib/auth/permissions';
import { bucket } from '@/lib/auth/rate-limit';
import type { Principal } from '@/lib/auth/principal';
import { holdsLess } from '@/lib/auth/rights';
import { preparedRows, rows } from '@/lib/db-rows';
import { AppError } from '@/lib/errors';
import { UUID } from '@/lib/search-params';
import { generateToken, hashesMatch, parseCredential } from './keys';
import { VIEW_COLUMNS, type ViewRow } from './users-api';

export const ENVIRONMENT_KEY_PERMISSIONS: readonly Permission[] = ['users.read', 'users.write', 'users.unlock', 'users.ban'];

export const MISSING = 'Send an API key or token: Authorization: Bearer <key or token>.';
export const MALFORMED = 'The credential is malformed: API keys look like udk_<16 hex>_<43 characters>, tokens like udt_<43 characters>.';
export const INVALID_KEY = 'The API key is not valid.';
export const INVALID_TOKEN = 'The token is not valid or has expired. Exchange the key for a new one at POST /api/v1/auth/token.';
export const REVOKED = 'This API user was revoked: its key and tokens no longer work.';
export const expiredMessage = (at: Date) => `This API user's key expired on ${at.toISOString()}.`;

export type ApiCaller = { apiUserId: string; username: string; rateLimitPerMinute: number; principal: Principal };

const creators = alias(users, 'creator');
const creatorRoles = alias(roles, 'creator_role');

const callerColumns = {
  id: apiUsers.id,
  username: apiUsers.username,
  scope: apiUsers.scope,
  keyHash: apiUsers.keyHash,
  expiresAt: apiUsers.expiresAt,
  // By the database's clock, as tokens are timed and requests counted: an app server's clock hours off
  // would otherwise refuse a key in its last hours, or exchange one already expired for a token.
  expired: sql<boolean>`${apiUsers.expiresAt} <= now()`,
  revokedAt: apiUsers.revokedAt,
  rateLimitPerMinute: apiUsers.rateLimitPerMinute,
  userId: apiUsers.userId,
  userStatus: users.status,
  userPermissions: roles.permissions,
  userAllEnvironments: roles.allEnvironments,
  userEnvironmentIds: users.environmentIds,
  keyEnvironmentIds: sql<string[]>`array(select ${apiUserEnvironments.environmentId} from ${apiUserEnvironments} where ${apiUserEnvironments.apiUserId} = ${apiUsers.id})`,
  createdById: apiUsers.createdById,
  creatorStatus: creators.status,
  creatorPermissions: creatorRoles.permissions,
  creatorAllEnvironments: creatorRoles.allEnvironments,
  creatorEnvironmentIds: creators.environmentIds,
};

const selectCaller = (q: Queryable) =>
  q
    .select(callerColumns)
    .from(apiUsers)
    .leftJoin(users, eq(users.id, apiUsers.userId))
    .leftJoin(roles, eq(roles.id, users.roleId))
    .leftJoin(creators, eq(creators.id, apiUsers.createdById))
    .leftJoin(creatorRoles, eq(creatorRoles.id, creators.roleId));

type CallerRow = Awaited<ReturnType<ReturnType<typeof selectCaller>['execute']>>[number];

// The hot path runs prepared statements (built once per client; building a drizzle query costs more
// than running it). Inside a transaction the ordinary builder is used.
const isTx = (q: Queryable): q is Tx => 'rollback' in q;
function build(q: Db) {
  return {
    byKeyId: selectCaller(q).where(eq(apiUsers.keyId, sql.placeholder('keyId'))).limit(1).prepare('api_caller_by_key'),
    byToken: selectCaller(q)
      .innerJoin(apiTokens, eq(apiTokens.apiUserId, apiUsers.id))
      .where(and(eq(apiTokens.tokenHash, sql.placeholder('hash')), gt(apiTokens.expiresAt, sql`now()`)))
      .limit(1)
      .prepare('api_caller_by_token'),
  };
}
const preparedByClient = new WeakMap<Db, ReturnType<typeof build>>();
function prepared(q: Db) {
  let statements = preparedByClient.get(q);
  if (!statements) preparedByClient.set(q, (statements = build(q)));
  return statements;
}

function principalFor(row: CallerRow): Principal {
  return withinCreator(scopePrincipal(row), row);
}

/** What the key's scope gives, narrowed to what its creator holds now (see the header). */
function withinCreator(principal: Principal, row: CallerRow): Principal {
  // Keys are only made by people (manage.ts); one without a creator predates that record.
  if (!row.createdById) return principal;
  if (row.creatorStatus === 'banned' || row.creatorStatus === 'inactive' || !row.creatorStatus)
    throw new AppError('forbidden', `The person who created this key is ${row.creatorStatus ?? 'gone'}: the key works again once they are active.`);
  const held = row.creatorPermissions ?? [];
  const permissions = principal.permissions.filter((p) => held.includes(p));
  if (row.creatorAllEnvironments === true) return { ...principal, permissions };
  const reach = row.creatorEnvironmentIds ?? [];
  const environmentIds = principal.allEnvironments ? reach : principal.environmentIds.filter((id) => reach.includes(id));
  return { ...principal, permissions, allEnvironments: false, environmentIds };
}

function scopePrincipal(row: CallerRow): Principal {
  const actor = { type: 'api_user' as const, id: row.id, label: row.username };
  if (row.scope === 'organization') return { actor, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  if (row.scope === 'environments')
    return { actor, permissions: ENVIRONMENT_KEY_PERMISSIONS, allEnvironments: false, environmentIds: row.keyEnvironmentIds };
  // Locked still works: a lock only stops signing in with a password, and anyone can cause one by typing
  // wrong passwords, which would otherwise stop the integration that acts as this user.
  if (row.userStatus !== 'active' && row.userStatus !== 'locked')
    throw new AppError('forbidden', `The user this key acts as is ${row.userStatus ?? 'gone'}: the key works again once they are active.`);
  return {
    actor,
    permissions: (row.userPermissions ?? []).filter(isPermission),
    allEnvironments: row.userAllEnvironments === true,
    environmentIds: row.userEnvironmentIds ?? [],
    actsAs: row.userId ?? undefined,
  };
}

function usable(row: Pick<CallerRow, 'revokedAt' | 'expired' | 'expiresAt'>) {
  if (row.revokedAt) throw new AppError('unauthenticated', REVOKED);
  if (row.expired) throw new AppError('unauthenticated', expiredMessage(row.expiresAt));
}

/** The key alone: lookup by its id, constant-time hash comparison, status. What bench:api times. */
export async function checkKey(q: Queryable, key: string): Promise<CallerRow> {
  const parsed = parseCredential(key);
  if (!parsed || parsed.kind !== 'key') throw new AppError('unauthenticated', MALFORMED);
  const [row] = isTx(q)
    ? await selectCaller(q).where(eq(apiUsers.keyId, parsed.keyId)).limit(1)
    : await prepared(q).byKeyId.execute({ keyId: parsed.keyId });
  // Only the holder of the whole key learns whether it was revoked or expired.
  if (!row || !hashesMatch(row.keyHash, parsed.hash)) throw new AppError('unauthenticated', INVALID_KEY);
  usable(row);
  return row;
}

/**
 * The caller again, inside the transaction of a change it asks for: its API user's row held FOR KEY
 * SHARE (which revokeApiUserNow and a delete, FOR UPDATE, wait for) and re-read with its creator. A key revoked,
 * expired or deleted since the request was authenticated (its body may take minutes to arrive) changes
 * nothing, one whose creator was banned or demoted meanwhile acts with what they hold now, and a revoke
 * never returns while a change by its key is still to commit. Returns the Principal to act with.
 */
export async function confirmCaller(tx: Tx, caller: ApiCaller): Promise<Principal> {
  // Never a revoked key's row: a revoke waits for the changes that hold it (see revokeApiUserNow), and
  // one that kept being locked by new requests would keep it waiting for ever.
  const [row] = await selectCaller(tx)
    .where(and(eq(apiUsers.id, caller.apiUserId), isNull(apiUsers.revokedAt)))
    .for('key share', { of: apiUsers });
  if (!row) {
    const [revoked] = await tx.select({ id: apiUsers.id }).from(apiUsers).where(eq(apiUsers.id, caller.apiUserId));
    throw new AppError('unauthenticated', revoked ? REVOKED : INVALID_KEY);
  }
  usable(row);
  return principalFor(row);
}

/**
 * The last statement of a change made with a key, before it commits: the people the key answers to (its
 * creator, and the user a Specific User key acts as) held FOR SHARE until then, and the caller read again.
 * A ban, inactivation or demotion of either committed while the change ran is seen here and rolls the
 * change back; one made now waits for the commit. (Held from the start instead, the hold could wait in
 * a circle with a change that locks one of them for update: a key acting as the user it edits.)
 */
export async function settleCaller(tx: Tx, caller: ApiCaller, used: Principal): Promise<void> {
  const [key] = await tx.select({ userId: apiUsers.userId, createdById: apiUsers.createdById }).from(apiUsers).where(eq(apiUsers.id, caller.apiUserId));
  const people = [key?.userId, key?.createdById].filter((id): id is string => typeof id === 'string');
  if (people.length > 0)
    await tx.select({ id: users.id }).from(users).innerJoin(roles, eq(roles.id, users.roleId)).where(inArray(users.id, people)).for('share', { of: [users, roles] });
  const now = await confirmCaller(tx, caller);
  if (holdsLess(now, used))
    throw new AppError('forbidden', 'What this key may do changed while the change was being made: nothing was changed. Send the request again.');
}

/** The credential of an Authorization header, parsed; throws 401 when missing or malformed. */
function credentialOf(authorization: string | null) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!authorization) throw new AppError('unauthenticated', MISSING);
  if (!match) throw new AppError('unauthenticated', MALFORMED);
  const parsed = parseCredential(match[1]!);
  if (!parsed) throw new AppError('unauthenticated', MALFORMED);
  return { credential: match[1]!, parsed };
}

const callerOf = (row: CallerRow): ApiCaller => ({ apiUserId: row.id, username: row.username, rateLimitPerMinute: row.rateLimitPerMinute, principal: principalFor(row) });

/** The caller of a request from its Authorization header; throws 401 (or 403 for a disabled user scope). */
export async function authenticate(q: Db, authorization: string | null): Promise<ApiCaller> {
  const { credential, parsed } = credentialOf(authorization);
  if (parsed.kind === 'key') return callerOf(await checkKey(q, credential));
  const [found] = await prepared(q).byToken.execute({ hash: parsed.hash });
  if (!found) throw new AppError('unauthenticated', INVALID_TOKEN);
  usable(found);
  return callerOf(found);
}

type CountedRow = Omit<CallerRow, 'expiresAt' | 'revokedAt'> & {
  expiresAt: string | Date;
  revokedAt: string | Date | null;
  countable: boolean;
  count: number | null;
  retry: number | null;
  user?: ViewRow | null;
};

/**
 * The hot path of every /api/v1 request and SOAP call by an API user: the caller and its place in the per-minute budget in one
 * statement (one round trip instead of two). The statement looks the key up by its indexed id (a token
 * by its hash) and, only for a usable credential whose hash matches, counts the request and stamps last
 * use, so a wrong secret never spends anyone's budget. The key's hash is then compared again in constant
 * time here, and that comparison decides. Returns the caller and 0, or (refused, and not counted) the seconds until one more request fits.
 */
export async function authenticateAndCount(
  q: Db,
  authorization: string | null,
  userId?: string,
): Promise<{ caller: ApiCaller; retryAfter: number; user: ViewRow | null }> {
  const { parsed } = credentialOf(authorization);
  const match =
    parsed.kind === 'key'
      ? sql`a.key_id = ${parsed.keyId}`
      : sql`a.id = (select t.api_user_id from ${apiTokens} t where t.token_hash = ${parsed.hash} and t.expires_at > now())`;
  const matches = parsed.kind === 'key' ? sql`a.key_hash = ${parsed.hash}` : sql`true`;
  // The key's per-minute bucket (lib/auth/rate-limit.ts): a request over it is refused and not counted.
  const takenLimit = sql`(select k.rate_limit_per_minute from ${apiUsers} k where k.id = w.api_user_id)`;
  const taken = bucket(sql`w.count`, sql`w.window_start`, takenLimit, 60);
  const waiting = bucket(sql`w.count`, sql`w.window_start`, sql`caller."rateLimitPerMinute"`, 60);
  // The user a GET /users/{id} reads, in the same round trip: only for a credential that counts.
  const target = userId
    ? sql`, target as (select ${VIEW_COLUMNS} from ${users} u join ${roles} r on r.id = u.role_id
          where u.id = ${UUID.test(userId) ? userId : null}::uuid and exists (select 1 from caller where countable))`
    : sql``;
  const [row] = await preparedRows<CountedRow>(
    q,
    sql`with caller as (
          select a.id, a.username, a.scope, a.key_hash as "keyHash", a.expires_at as "expiresAt", a.expires_at <= now() as expired, a.revoked_at as "revokedAt",
                 a.rate_limit_per_minute as "rateLimitPerMinute", a.user_id as "userId", u.status as "userStatus", r.permissions as "userPermissions",
                 r.all_environments as "userAllEnvironments", u.environment_ids as "userEnvironmentIds",
                 array(select e.environment_id from ${apiUserEnvironments} e where e.api_user_id = a.id) as "keyEnvironmentIds",
                 a.created_by_id as "createdById", c.status as "creatorStatus", cr.permissions as "creatorPermissions",
                 cr.all_environments as "creatorAllEnvironments", c.environment_ids as "creatorEnvironmentIds",
                 (${matches} and a.revoked_at is null and a.expires_at > now()) as countable
          from ${apiUsers} a left join ${users} u on u.id = a.user_id left join ${roles} r on r.id = u.role_id
               left join ${users} c on c.id = a.created_by_id left join ${roles} cr on cr.id = c.role_id
          where ${match} limit 1),
        used as (
          update ${apiUsers} set last_used_at = now()
          where id = (select id from caller where countable) and (last_used_at is null or last_used_at < now() - interval '1 minute')
          returning 1),
        counted as (
          insert into ${apiRateWindows} as w (api_user_id, window_start, count) select id, now(), 1 from caller where countable
          on conflict (api_user_id) do update set count = ${taken.level} + 1, window_start = ${taken.since}
          where ${taken.level} < ${takenLimit}
          returning count)
        ${target}
        select caller.*, counted.count,
               (select ${waiting.retry} from ${apiRateWindows} w where w.api_user_id = caller.id) as retry${userId ? sql`, (select to_jsonb(target) from target) as "user"` : sql``}
        from caller left join counted on true`,
  );
  if (!row) throw new AppError('unauthenticated', parsed.kind === 'key' ? INVALID_KEY : INVALID_TOKEN);
  if (parsed.kind === 'key' && !hashesMatch(row.keyHash, parsed.hash)) throw new AppError('unauthenticated', INVALID_KEY);
  const caller: CallerRow = { ...row, expiresAt: new Date(row.expiresAt), revokedAt: row.revokedAt === null ? null : new Date(row.revokedAt) };
  usable(caller);
  // The database's clock decided whether the request counted; a server whose clock is behind would
  // otherwise serve a key past its expiry, and uncounted, for as long as the two disagree.
  if (!row.countable) throw new AppError('unauthenticated', expiredMessage(caller.expiresAt));
  const result = callerOf(caller);
  return { caller: result, retryAfter: row.count === null ? Math.max(1, Number(row.retry)) : 0, user: row.user ?? null };
}

/**
 * Counts the request against the key's per-minute budget in one atomic statement (so concurrent
 * requests on several instances can never exceed it), and records last use at most once a minute.
 * Returns 0 when allowed, else the seconds until one more request fits (a refused one is not counted).
 */
export async function takeRequest(q: Queryable, apiUserId: string, limit: number): Promise<number> {
  const taken = bucket(sql`r.count`, sql`r.window_start`, limit, 60);
  const waiting = bucket(sql`count`, sql`window_start`, limit, 60);
  const [row] = await rows<{ count: number | null; retry: number | null }>(
    q,
    sql`with used as (
          update ${apiUsers} set last_used_at = now()
          where ${apiUsers.id} = ${apiUserId} and (${apiUsers.lastUsedAt} is null or ${apiUsers.lastUsedAt} < now() - interval '1 minute')
          returning 1),
        counted as (
          insert into ${apiRateWindows} as r (api_user_id, window_start, count) values (${apiUserId}, now(), 1)
          on conflict (api_user_id) do update set count = ${taken.level} + 1, window_start = ${taken.since}
          where ${taken.level} < ${limit}
          returning count)
        select (select count from counted) as count, (select ${waiting.retry} from ${apiRateWindows} where api_user_id = ${apiUserId}) as retry`,
  );
  return row?.count != null ? 0 : Math.max(1, Number(row?.retry ?? 1));
}

export const tokenRequestSchema = z.object({
  apiUsername: z.string().trim().min(1, 'Enter the API username.').max(100),
  key: z.string().trim().min(1, 'Enter the API key.').max(200),
  sessionLengthInMinutes: z.number().int().min(1, 'At least 1 minute.').max(1440, 'At most 1,440 minutes (one day).').default(60),
}).strict();

/**
 * AssureSign's token exchange: the key and its username for a bearer token that expires after
 * sessionLengthInMinutes (never after the key itself). Only the token's SHA-256 is stored.
 */
/** A key over its per-minute budget: 429, with the seconds until its window ends. */
export class RateLimited extends AppError {
  constructor(
    readonly limit: number,
    readonly retryAfter: number,
  ) {
    super('rate_limited', `This API user may make ${limit} requests a minute. Try again in ${retryAfter} s.`);
  }
}

/**
 * A key exchanged for a token (REST's POST /auth/token, SOAP's AuthenticateUser with a key): the
 * exchange counts against the key's per-minute budget like any call, whichever API asks.
 */
export async function issueApiToken(tx: Tx, input: z.infer<typeof tokenRequestSchema>, meta?: RequestMeta) {
  const row = await checkKey(tx, input.key);
  if (row.username.toLowerCase() !== input.apiUsername.toLowerCase()) throw new AppError('unauthenticated', INVALID_KEY);
  // Held as a change by the key is: a revoke committed since the key was read refuses the exchange, and
  // a revoke under way returns only once this has committed and its token is gone (see settleRevoked).
  const principal = await confirmCaller(tx, callerOf(row));
  const retryAfter = await takeRequest(tx, row.id, row.rateLimitPerMinute);
  if (retryAfter > 0) throw new RateLimited(row.rateLimitPerMinute, retryAfter);
  const { token, tokenHash } = generateToken();
  // Housekeeping: this API user's tokens long expired.
  await tx.delete(apiTokens).where(and(eq(apiTokens.apiUserId, row.id), sql`${apiTokens.expiresAt} < now() - interval '1 day'`));
  // Timed by the database's clock, which every request checks it by: an app server's clock off by an
  // hour would otherwise hand out tokens already expired, or living hours longer than asked.
  const [{ expiresAt }] = (await tx
    .insert(apiTokens)
    .values({ apiUserId: row.id, tokenHash, expiresAt: sql`least(now() + make_interval(mins => ${input.sessionLengthInMinutes}), ${row.expiresAt.toISOString()}::timestamptz)` })
    .returning({ expiresAt: apiTokens.expiresAt })) as [{ expiresAt: Date }];
  await recordAudit(tx, { actor: principal.actor, action: 'api_user.token_issued', target: { type: 'api_user', id: row.id, label: row.username }, meta });
  return { token, expiresAt, apiUserId: row.id, rateLimitPerMinute: row.rateLimitPerMinute };
}
