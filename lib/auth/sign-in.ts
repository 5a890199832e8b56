// Sign-in: password check, failed-attempt counting and lockout, automatic unlock, password expiry.
// Counting is one atomic statement in PostgreSQL, exact under concurrency and across app instances.
import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db, Queryable, Tx } from '@/db/client';
import { users, type SecuritySettings } from '@/db/schema';
import { recordAudit, recordAudits, SYSTEM, type RequestMeta } from '@/lib/audit';
import { rows } from '@/lib/db-rows';
import { enqueueMail, organizationName } from '@/lib/mail/outbox';
import { lockedMail, lockWithheldMail } from '@/lib/mail/templates';
import { AppError } from '@/lib/errors';
import { limitSubject } from '@/lib/request';
import { emailSchema, hasHiddenCharacters } from '@/lib/validation';
import { getSecuritySettings } from '@/lib/settings';
import { assertActiveAdministratorRemains, holdsAdministratorRole, LAST_ADMINISTRATOR } from '@/lib/users/admin-guard';
import { verifyPassword } from './password';
import { checkPassword } from './password-policy';
import { refund, SIGN_IN_PER_ACCOUNT, SIGN_IN_PER_IP, spend } from './rate-limit';

export type SignInFailure = 'invalid' | 'locked' | 'locked_for_now' | 'expired' | 'unavailable' | 'rate_limited';
export type SignInResult =
  | { ok: true; user: { id: string; email: string; name: string; sessionVersion: number }; mustChangePassword: boolean }
  | { ok: false; reason: SignInFailure };

export const SIGN_IN_MESSAGES: Record<SignInFailure, string> = {
  invalid: 'The email or password is incorrect.',
  locked: 'Your account is locked. Contact your account manager to unlock it.',
  // Automatic unlock is on: "contact your manager" alone would send them asking for what comes by itself.
  locked_for_now: 'Your account is locked after too many failed sign-in attempts. It unlocks by itself after a while: try again later, or contact your account manager.',
  expired: 'Your password has expired and your account is locked. Contact your account manager.',
  unavailable: 'Your account is not active. Contact your account manager.',
  rate_limited: 'Too many failed sign-in attempts from your network or for this account. Wait a few minutes and try again.',
};

/** The message for a failure code from the address (/login?error=...): only the codes above; "constructor" is not one. */
export const signInMessage = (code: string): string => (Object.hasOwn(SIGN_IN_MESSAGES, code) ? SIGN_IN_MESSAGES[code as SignInFailure] : SIGN_IN_MESSAGES.invalid);

const DAY = 86_400_000;

type Expiry = Pick<SecuritySettings, 'passwordMaxAgeDays' | 'passwordWarningDays'> & Partial<Pick<SecuritySettings, 'passwordMaxAgeShortenedAt' | 'passwordGraceFrom'>>;

/**
 * When the password expires. A maximum age shortened (or turned on) never expires a password at once:
 * one it leaves already past its age, or inside the warning window, gets the whole warning window
 * from the change, so its holder is asked to change it at sign-in before the lock. A password that had
 * already expired before the change (changed before `passwordGraceFrom`) gets no grace: tightening
 * the policy must not revive it.
 */
export function passwordExpiresAt(changedAt: Date | null, settings: Expiry) {
  if (!changedAt || settings.passwordMaxAgeDays <= 0) return null;
  const byAge = changedAt.getTime() + settings.passwordMaxAgeDays * DAY;
  const shortened = settings.passwordMaxAgeShortenedAt;
  const from = settings.passwordGraceFrom;
  const graced = shortened && changedAt < shortened && (!from || changedAt > from);
  const grace = graced ? shortened.getTime() + settings.passwordWarningDays * DAY : 0;
  return new Date(Math.max(byAge, grace));
}

/** True inside the warning window before the password expires: the user is asked to change it. */
export function inPasswordWarningWindow(changedAt: Date | null, settings: Expiry, now = new Date()) {
  const expires = passwordExpiresAt(changedAt, settings);
  return expires !== null && expires.getTime() - settings.passwordWarningDays * DAY <= now.getTime();
}

/**
 * What /change-password says above the form: why a change is asked for, or nothing when the user came
 * of their own accord (no change required, the password not in its warning window or never expiring).
 */
export function passwordChangeNotice(
  user: { requirePasswordChange: boolean; passwordChangedAt: Date | null },
  settings: Expiry,
  now = new Date(),
): string | null {
  const expires = passwordExpiresAt(user.passwordChangedAt, settings);
  const days = expires && Math.ceil((expires.getTime() - now.getTime()) / DAY);
  // Expired while signed in: the session is held to the change (lib/auth/session.ts), so no skipping it.
  if (days !== null && days <= 0) return 'Your password has expired. Choose a new one before you continue.';
  if (user.requirePasswordChange) return 'You must choose a new password before you continue.';
  if (!expires || !inPasswordWarningWindow(user.passwordChangedAt, settings, now)) return null;
  return `Your password expires ${days === 1 ? 'within a day' : `in ${days} days`}. Choose a new one now to keep access.`;
}

/** The per-account budget's key: the email as typed, folded as accounts are looked up, and hashed (no address kept in the table). */
const accountKey = (email: string) => `sign-in-account:${createHash('sha256').update(email.trim().toLowerCase()).digest('base64url')}`;

/**
 * The email as typed, for the audit log: an address as such, anything else (a password typed in the
 * Email box, text with control or direction characters) only by its length, so the log neither keeps
 * a password nor shows text that reads as something else.
 */
export function typedEmail(email: string): string {
  const text = email.trim();
  return emailSchema.safeParse(text).success && !hasHiddenCharacters(text) ? text : `(not an email address, ${[...text].length} characters)`;
}

/**
 * A refused attempt is audited once a minute per address and per account typed, not once per request:
 * each audit event takes the audit chain's lock, which a flood of refusals (they cost no bcrypt) would
 * otherwise hold for every change in the organization.
 */
async function recordRateLimited(db: Db, email: string, key: string, meta: RequestMeta) {
  if ((await spend(db, `audit:${key}`, { limit: 1, windowSeconds: 60 })).count > 1) return;
  await recordAudit(db, { actor: { type: 'anonymous' }, action: 'auth.sign_in_rate_limited', detail: `Email ${typedEmail(email)}`, meta });
}

export async function signIn(db: Db, email: string, password: string, meta: RequestMeta): Promise<SignInResult> {
  // Per-IP budget first, then the account's, each taken in one atomic statement before the password
  // check: of a burst of any size from one address, at most the limit reach bcrypt or count against the
  // accounts they name; of guesses at one account from any number of addresses, at most its limit. A
  // right password gives both units back below, so only failures spend the budgets.
  const ipKey = `sign-in:${limitSubject(meta.ip)}`;
  if ((await spend(db, ipKey, SIGN_IN_PER_IP)).count > SIGN_IN_PER_IP.limit) {
    await recordRateLimited(db, email, ipKey, meta);
    return { ok: false, reason: 'rate_limited' };
  }
  const perAccount = accountKey(email);
  if ((await spend(db, perAccount, SIGN_IN_PER_ACCOUNT)).count > SIGN_IN_PER_ACCOUNT.limit) {
    await recordRateLimited(db, email, perAccount, meta);
    return { ok: false, reason: 'rate_limited' };
  }
  const settings = await getSecuritySettings(db);
  const [user] = await db
    .select({
      id: users.id,
      email: users.email,
      firstName: users.firstName,
      lastName: users.lastName,
      status: users.status,
      lockReason: users.lockReason,
      lockedAt: users.lockedAt,
      passwordHash: users.passwordHash,
      passwordChangedAt: users.passwordChangedAt,
      requirePasswordChange: users.requirePasswordChange,
      activatedAt: users.activatedAt,
      sessionVersion: users.sessionVersion,
    })
    .from(users)
    .where(eq(sql`lower(${users.email})`, email.trim().toLowerCase()))
    .limit(1);

  const passwordOk = await verifyPassword(password, user?.passwordHash ?? null);
  if (passwordOk) await Promise.all([refund(db, ipKey), refund(db, perAccount)]);
  if (!user) {
    await recordUnknownEmail(db, email, settings, meta);
    return { ok: false, reason: 'invalid' };
  }
  const target = { type: 'user', id: user.id, label: user.email };
  const self = { type: 'user' as const, id: user.id, label: user.email };
  let status = user.status;

  if (status === 'locked' && user.lockReason === 'failed_attempts' && settings.autoUnlockMinutes > 0) {
    status = await autoUnlock(db, user.id, settings.autoUnlockMinutes);
  }

  if (!passwordOk) {
    await recordFailure(db, user, settings, meta);
    return { ok: false, reason: 'invalid' };
  }
  // The password is right: only now may the caller learn why they cannot come in.
  if (status === 'locked') {
    await recordAudit(db, { actor: self, action: 'auth.sign_in_refused', target, detail: 'Account is locked', meta });
    return { ok: false, reason: lockedReason(user.lockReason, settings) };
  }
  if (status !== 'active') {
    await recordAudit(db, { actor: self, action: 'auth.sign_in_refused', target, detail: `Account is ${status}`, meta });
    return { ok: false, reason: 'unavailable' };
  }

  let mustChangeNow = false;
  const expires = passwordExpiresAt(user.passwordChangedAt, settings);
  // A change required since the password expired (Unlock of an expired password, or the break-glass
  // grant, requires one and reactivates the account: activated after the expiry) is what expiry asks
  // for: the session can do nothing else, so the user is let in to make it instead of being locked
  // again. One required before it expired (a tightened policy the user never acted on) excuses nothing:
  // that stale password locks as any other would.
  const changeRequiredSince = user.requirePasswordChange && user.activatedAt !== null && expires !== null && user.activatedAt >= expires;
  if (expires && expires.getTime() <= Date.now() && !changeRequiredSince) {
    const outcome = await lockExpired(db, user, meta);
    if (outcome !== 'last_administrator') return { ok: false, reason: outcome === 'locked' ? 'expired' : 'unavailable' };
    // The last active Administrator is not locked out by age: they must choose a new password now.
    mustChangeNow = true;
  }
  // The policy may have been tightened since this password was chosen: the password is in hand only
  // now, so only now can it be checked, and a change is then required like any other.
  const breaksPolicy = !user.requirePasswordChange && checkPassword(password, settings, user).length > 0;
  const requireChange = mustChangeNow || breaksPolicy;

  // Conditional on what was read before bcrypt: a lock, ban or any session-ending change made while the
  // password was being checked wins, and this attempt neither records a success nor gets a session.
  const signedIn = await db.transaction(async (tx) => {
    const done = await tx
      .update(users)
      .set({ failedAttempts: 0, lastSignInAt: new Date(), ...(requireChange ? { requirePasswordChange: true } : {}) })
      .where(and(eq(users.id, user.id), eq(users.status, 'active'), eq(users.sessionVersion, user.sessionVersion)))
      .returning({ id: users.id });
    if (done.length === 0) return false;
    await recordAudit(tx, {
      actor: self,
      action: 'auth.sign_in',
      target,
      ...(mustChangeNow
        ? { detail: 'Password expired: the last active Administrator must change it now instead of being locked' }
        : breaksPolicy
          ? { detail: 'The password no longer meets the password policy: a change is required' }
          : {}),
      meta,
    });
    return true;
  });
  if (!signedIn) {
    const [now] = await db.select({ status: users.status, lockReason: users.lockReason }).from(users).where(eq(users.id, user.id));
    await recordAudit(db, { actor: self, action: 'auth.sign_in_refused', target, detail: `Account changed during sign-in (now ${now?.status ?? 'gone'})`, meta });
    if (now?.status === 'locked') return { ok: false, reason: lockedReason(now.lockReason, settings) };
    return { ok: false, reason: 'unavailable' };
  }
  return {
    ok: true,
    user: { id: user.id, email: user.email, name: `${user.firstName} ${user.lastName}`, sessionVersion: user.sessionVersion },
    mustChangePassword: requireChange || user.requirePasswordChange || inPasswordWarningWindow(user.passwordChangedAt, settings),
  };
}

/**
 * A signed-in user proving their password again (Change password): the same per-IP budget and
 * failed-attempt count as sign-in, so a session left open is no unlimited oracle for the password (a
 * wrong guess counts, and the lock at the threshold ends that session). Null when the password is right.
 */
export async function reverifyPassword(
  db: Db,
  user: { id: string; email: string; firstName: string; passwordHash: string | null },
  password: string,
  meta: RequestMeta,
): Promise<'invalid' | 'rate_limited' | null> {
  const ipKey = `sign-in:${limitSubject(meta.ip)}`;
  if ((await spend(db, ipKey, SIGN_IN_PER_IP)).count > SIGN_IN_PER_IP.limit) return 'rate_limited';
  const perAccount = accountKey(user.email);
  if ((await spend(db, perAccount, SIGN_IN_PER_ACCOUNT)).count > SIGN_IN_PER_ACCOUNT.limit) return 'rate_limited';
  if (await verifyPassword(password, user.passwordHash)) {
    await Promise.all([refund(db, ipKey), refund(db, perAccount)]);
    return null;
  }
  await recordFailure(db, user, await getSecuritySettings(db), meta, 'Wrong current password at Change password');
  return 'invalid';
}

/**
 * Locks an account whose password is past its maximum age, unless it belongs to the last active
 * Administrator (SPEC.md section 5): then nothing is written and the caller makes them change it.
 */
async function lockExpired(
  db: Db,
  user: { id: string; email: string; firstName: string; sessionVersion: number },
  meta: RequestMeta,
): Promise<'locked' | 'changed' | 'last_administrator'> {
  const target = { type: 'user', id: user.id, label: user.email };
  try {
    return await db.transaction(async (tx) => {
      const locked = await tx
        .update(users)
        .set({ status: 'locked', lockReason: 'password_expired', lockedAt: new Date(), sessionVersion: sql`${users.sessionVersion} + 1`, version: sql`${users.version} + 1` })
        .where(and(eq(users.id, user.id), eq(users.status, 'active'), eq(users.sessionVersion, user.sessionVersion)))
        .returning({ id: users.id });
      if (locked.length === 0) return 'changed' as const;
      // The guard (and its organization-wide lock) only when an Administrator was locked: nobody else counts.
      if (await holdsAdministratorRole(tx, user.id)) await assertActiveAdministratorRemains(tx);
      await recordAudit(tx, { actor: SYSTEM, action: 'user.locked', target, detail: 'Password expired', changes: { status: { before: 'active', after: 'locked' } }, meta });
      await enqueueMail(tx, { email: user.email, userId: user.id }, lockedMail(await organizationName(tx), user.firstName, 'password_expired'));
      return 'locked' as const;
    });
  } catch (error) {
    if (error instanceof AppError && error.message === LAST_ADMINISTRATOR) return 'last_administrator';
    throw error;
  }
}

/**
 * Counts one failed attempt. The row lock taken by the CTE serializes concurrent attempts; the same
 * statement locks the account when the count reaches the threshold, so exactly one attempt locks it.
 * Never the last active Administrator (SPEC.md section 5): anyone who knows their email could
 * otherwise leave the organization without one, for good. Their failures are still counted (the
 * per-IP limit still holds), the lock is withheld, audited, and they are told once, at the threshold.
 */
type Lockout = Pick<SecuritySettings, 'lockoutThreshold' | 'autoUnlockMinutes'>;

async function recordFailure(db: Db, user: { id: string; email: string; firstName: string }, settings: Lockout, meta: RequestMeta, what = 'Wrong password') {
  try {
    await countFailure(db, user, settings, meta, true, what);
  } catch (error) {
    if (!(error instanceof AppError && error.message === LAST_ADMINISTRATOR)) throw error;
    await countFailure(db, user, settings, meta, false, what);
  }
}

const lockedReason = (lockReason: string | null, settings: Lockout): SignInFailure =>
  lockReason === 'password_expired' ? 'expired' : lockReason === 'failed_attempts' && settings.autoUnlockMinutes > 0 ? 'locked_for_now' : 'locked';

/**
 * The one statement that counts a failed attempt (and locks at the threshold when `mayLock`). An account
 * without a password (reset, waiting on its emailed link) has none to guess, and is never locked: a
 * lock would kill that link, so anyone who knows the email could keep them out after every Reset.
 */
function countStatement(userId: string, threshold: number, mayLock: boolean) {
  const locks = sql`(${mayLock} and u.status = 'active' and u.password_hash is not null and u.failed_attempts + 1 >= ${threshold})`;
  return sql`with previous as (select id, status from users where id = ${userId} for update)
          update users u set
            failed_attempts = u.failed_attempts + 1,
            status = case when ${locks} then 'locked'::user_status else u.status end,
            lock_reason = case when ${locks} then 'failed_attempts'::lock_reason else u.lock_reason end,
            locked_at = case when ${locks} then now() else u.locked_at end,
            session_version = case when ${locks} then u.session_version + 1 else u.session_version end,
            -- A lock is a change of the user (their status): an edit or an If-Match made before it is stale.
            version = case when ${locks} then u.version + 1 else u.version end
          from previous where u.id = previous.id
          returning u.failed_attempts, previous.status as previous_status, u.status`;
}

const NO_USER = '00000000-0000-0000-0000-000000000000';

/**
 * An unknown email is answered after the same work as a wrong password for a real account (the
 * counting statement, on no row, and the audit event, in one transaction): answered sooner, the time
 * an answer takes would tell which emails have accounts (SPEC.md section 5).
 */
async function recordUnknownEmail(db: Db, email: string, settings: Lockout, meta: RequestMeta) {
  await db.transaction(async (tx) => {
    await rows(tx, countStatement(NO_USER, settings.lockoutThreshold, true));
    await recordAudit(tx, { actor: { type: 'anonymous' }, action: 'auth.sign_in_failed', detail: `Unknown email ${typedEmail(email)}`, meta });
  });
}

async function countFailure(db: Db, user: { id: string; email: string; firstName: string }, settings: Lockout, meta: RequestMeta, mayLock: boolean, what: string) {
  const threshold = settings.lockoutThreshold;
  const userId = user.id;
  const target = { type: 'user', id: user.id, label: user.email };
  await db.transaction(async (tx) => {
    const [row] = await rows<{ failed_attempts: number; previous_status: string; status: string }>(tx, countStatement(userId, threshold, mayLock));
    await recordAudit(tx, { actor: { type: 'anonymous' }, action: 'auth.sign_in_failed', target, detail: `${what} (attempt ${row?.failed_attempts ?? '?'})`, meta });
    if (row && row.previous_status === 'active' && row.status === 'locked') {
      // Throws (rolling this attempt back whole) when this would lock the last active Administrator. Taken
      // only for an Administrator: the guard's lock is the organization's, and the inactivity job or a
      // bulk change may hold it a while, which every lock of anyone by a burst of guesses would wait on.
      if (await holdsAdministratorRole(tx, userId)) await assertActiveAdministratorRemains(tx);
      await recordAudit(tx, {
        actor: SYSTEM,
        action: 'user.locked',
        target,
        detail: `Locked after ${row.failed_attempts} failed sign-in attempts`,
        changes: { status: { before: 'active', after: 'locked' } },
        meta,
      });
      await enqueueMail(tx, { email: user.email, userId }, lockedMail(await organizationName(tx), user.firstName, 'failed_attempts', settings.autoUnlockMinutes));
    }
    // Told when the run of failures reaches the threshold; also when it is already past one lowered meanwhile
    // (7 failures, the threshold lowered from 10 to 5: the count never equals it), once a run.
    if (!mayLock && row?.status === 'active' && row.failed_attempts >= threshold && (row.failed_attempts === threshold || !(await toldThisRun(tx, userId)))) {
      await recordAudit(tx, { actor: SYSTEM, action: 'user.lock_withheld', target, detail: `Not locked after ${row.failed_attempts} failed sign-in attempts: the last active Administrator`, meta });
      await enqueueMail(tx, { email: user.email, userId }, lockWithheldMail(await organizationName(tx), user.firstName, row.failed_attempts));
    }
  });
}

/** Whether the last Administrator was told of failed attempts since they last signed in (the run's start: a sign-in ends it). */
async function toldThisRun(tx: Tx, userId: string) {
  const found = await rows(
    tx,
    sql`select 1 from audit_events where target_id = ${userId} and action = 'user.lock_withheld'
          and at > coalesce((select last_sign_in_at from users where id = ${userId}), '-infinity') limit 1`,
  );
  return found.length > 0;
}

async function autoUnlock(db: Db, userId: string, minutes: number) {
  return db.transaction(async (tx) => {
    await liftExpiredLocks(tx, minutes, userId);
    const [current] = await tx.select({ status: users.status }).from(users).where(eq(users.id, userId));
    return current!.status;
  });
}

/**
 * Lifts the failed-attempt locks whose period (automatic unlock after `minutes`) has passed: one user's
 * at their sign-in, or everyone's (lib/jobs/schedule.ts, every minute, so the Locked Users lists show
 * who is still locked). The conditions make this a no-op for a lock not yet due or already lifted by
 * another caller, so each lift is audited once, whoever gets there first.
 */
export async function liftExpiredLocks(tx: Queryable, minutes: number, userId?: string): Promise<number> {
  if (minutes <= 0) return 0;
  const due = and(
    userId ? eq(users.id, userId) : undefined,
    eq(users.status, 'locked'),
    eq(users.lockReason, 'failed_attempts'),
    sql`${users.lockedAt} <= now() - make_interval(mins => ${minutes})`,
  );
  // Rows locked in id order first, as bulk changes (a bulk Unlock of the same users, say) lock theirs:
  // taken in the order the scan meets them, the two could wait on each other and one be ended.
  const lifted = await tx
    .update(users)
    .set({ status: 'active', lockReason: null, lockedAt: null, failedAttempts: 0, version: sql`${users.version} + 1` })
    .where(and(sql`${users.id} in (select ${users.id} from ${users} where ${due} order by ${users.id} for update)`, due))
    .returning({ id: users.id, email: users.email });
  await recordAudits(
    tx,
    lifted.map((u) => ({
      actor: SYSTEM,
      action: 'user.unlocked',
      target: { type: 'user', id: u.id, label: u.email },
      detail: 'Automatic unlock after the lockout period',
      changes: { status: { before: 'locked', after: 'active' } },
    })),
  );
  return lifted.length;
}
