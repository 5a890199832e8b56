// Getting users back in: Unlock (keeps the password), Reset (a new password via an emailed link),
// Resend invitation, and the links themselves (set a password from an invitation or reset link,
// self-service "Forgot password?").
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db, Tx } from '@/db/client';
import { users } from '@/db/schema';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { isSelf, requirePermissionOf, type Principal } from '@/lib/auth/principal';
import { RESET_EMAILS_PER_ACCOUNT, RESET_REQUESTS_PER_IP, take } from '@/lib/auth/rate-limit';
import { limitSubject } from '@/lib/request';
import { consumeToken, findToken, issueToken } from '@/lib/auth/tokens';
import { verifyPassword } from '@/lib/auth/password';
import { AppError, fieldError } from '@/lib/errors';
import { enqueueMail, organizationName, portalUrl, type MailPriority } from '@/lib/mail/outbox';
import { invitationMail, lockedMail, passwordChangedMail, resetMail, unlockedMail } from '@/lib/mail/templates';
import { getSecuritySettings } from '@/lib/settings';
import { assertPasswordAllowed, SAME_PASSWORD, storePassword } from './password';
import { assertActiveAdministratorRemains, isActiveAdministrator, LAST_ADMINISTRATOR_RESET } from './admin-guard';
import { findChangeableUser, targetOf } from './scope';

/** `notice: 'bulk'` when unlocking by the thousand: the notices then wait behind reset links and lock notices. */
export async function unlockUser(tx: Tx, principal: Principal, userId: string, meta?: RequestMeta, notice: MailPriority = 'urgent') {
  requirePermissionOf(principal, 'users.unlock');
  const user = await findChangeableUser(tx, principal, userId);
  if (user.status !== 'locked') throw new AppError('conflict', `${user.email} is not locked.`);
  // Locked because the password expired: the same password would lock them again at the next sign-in,
  // so they are let in once, to choose a new one (sign-in does not lock a change already required).
  const mustChange = user.lockReason === 'password_expired' && !user.requirePasswordChange;
  await tx
    .update(users)
    .set({
      ...reactivated(),
      ...(mustChange ? { requirePasswordChange: true } : {}),
      version: sql`${users.version} + 1`,
      updatedAt: new Date(),
    })
    .where(eq(users.id, user.id));
  await recordAudit(tx, {
    actor: principal.actor,
    action: 'user.unlocked',
    target: targetOf(user),
    changes: {
      status: { before: 'locked', after: 'active' },
      lockReason: { before: user.lockReason, after: null },
      ...(mustChange ? { requirePasswordChange: { before: false, after: true } } : {}),
    },
    meta,
  });
  await enqueueMail(tx, { email: user.email, userId: user.id }, unlockedMail(await organizationName(tx), user.firstName, portalUrl('/login')), { priority: notice });
  return user;
}

/**
 * A manager bringing someone back (Unlock, Reset): active, unlocked, and a reactivation the inactivity
 * job counts from (lib/jobs/inactivity.ts), or it would inactivate at its next run a user idle for
 * longer than the setting, before they could sign in.
 */
const reactivated = () => ({ status: 'active' as const, lockReason: null, lockedAt: null, failedAttempts: 0, activatedAt: new Date() });

/**
 * The user must choose a new password through an emailed link; the old one stops working at once.
 * `priority` as for unlockUser: the links of a reset of "all N matching" (30,000 after an attack) wait
 * behind urgent mail, so a reset link someone asks for meanwhile is not queued behind thousands.
 */
export async function resetUser(tx: Tx, principal: Principal, userId: string, meta?: RequestMeta, priority: MailPriority = 'urgent') {
  requirePermissionOf(principal, 'users.unlock');
  const user = await findChangeableUser(tx, principal, userId);
  // It would sign them out with no password, waiting on an email (which, without SMTP, only an
  // Administrator can read in the outbox): people change their own password on their profile.
  if (isSelf(principal, user.id)) throw new AppError('forbidden', 'You cannot reset yourself: change your password on your profile instead.');
  if (user.status !== 'locked' && user.status !== 'active')
    throw new AppError('conflict', `${user.email} is ${user.status}: only active or locked users can be reset.`);
  // Checked (under the guard's lock) only for an active Administrator: nobody else's reset can take one away.
  const administrator = user.status === 'active' && (await isActiveAdministrator(tx, user.id));
  await tx
    .update(users)
    .set({
      // The inactivity job must not void the reset link before it can be used.
      ...reactivated(),
      passwordHash: null,
      requirePasswordChange: true,
      sessionVersion: sql`${users.sessionVersion} + 1`,
      version: sql`${users.version} + 1`,
      updatedAt: new Date(),
    })
    .where(eq(users.id, user.id));
  if (administrator) await assertActiveAdministratorRemains(tx, LAST_ADMINISTRATOR_RESET);
  await sendResetLink(tx, user, priority);
  await recordAudit(tx, {
    actor: principal.actor,
    action: 'user.reset',
    target: targetOf(user),
    // Only what changed: an active user stays active (their password is what goes).
    changes: {
      ...(user.status !== 'active' ? { status: { before: user.status, after: 'active' } } : {}),
      ...(!user.requirePasswordChange ? { requirePasswordChange: { before: false, after: true } } : {}),
    },
    detail: 'Password cleared; reset link emailed',
    meta,
  });
  return user;
}

export async function resendInvitation(tx: Tx, principal: Principal, userId: string, meta?: RequestMeta) {
  requirePermissionOf(principal, 'users.write');
  const user = await findChangeableUser(tx, principal, userId);
  if (user.status !== 'invited')
    throw new AppError(
      'conflict',
      user.status === 'banned'
        ? `${user.email} is banned: Validate them first${user.activatedAt ? '' : ', then resend the invitation'}.`
        : user.activatedAt
          ? `${user.email} has already accepted the invitation.`
          : `${user.email} is ${user.status}: only invited users are sent invitations.`,
    );
  await sendInvitation(tx, user);
  await recordAudit(tx, { actor: principal.actor, action: 'user.invitation_sent', target: targetOf(user), detail: 'Invitation resent; earlier links no longer work', meta });
  return user;
}

type Recipient = { id: string; email: string; firstName: string };

export async function sendInvitation(tx: Tx, user: Recipient) {
  const { invitationLifetimeDays } = await getSecuritySettings(tx);
  const lifetime = invitationLifetimeDays * 86_400_000;
  const token = await issueToken(tx, user.id, 'invitation', lifetime);
  const mail = invitationMail(await organizationName(tx), user.firstName, portalUrl(`/set-password?token=${token}`), lifetime);
  await enqueueMail(tx, { email: user.email, userId: user.id }, mail);
}

export async function sendResetLink(tx: Tx, user: Recipient, priority: MailPriority = 'urgent'): Promise<string> {
  const { resetLifetimeMinutes } = await getSecuritySettings(tx);
  const lifetime = resetLifetimeMinutes * 60_000;
  const token = await issueToken(tx, user.id, 'reset', lifetime);
  const url = portalUrl(`/set-password?token=${token}`);
  await enqueueMail(tx, { email: user.email, userId: user.id }, resetMail(await organizationName(tx), user.firstName, url, lifetime), { priority });
  return url;
}

export const INVALID_LINK = 'This link is invalid, has expired or has already been used. Ask for a new one.';

/** Sets the password from an invitation or reset link; activates an invited user. Returns who to sign in. */
export async function completePasswordLink(tx: Tx, token: string, password: string, meta?: RequestMeta) {
  // The user's row is locked before the link's, the order of every change that voids links (resend,
  // reset, email change, ban): the other way round, a link used while one of them ran deadlocked.
  const found = await findToken(tx, token);
  if (!found) throw new AppError('invalid', INVALID_LINK);
  // A link sets a new password, never the one held now: "Forgot password?" would otherwise renew a
  // password whose change is required, or which is about to expire, as it is. Compared before the row
  // lock (bcrypt is slow): a password changed meanwhile voids this link, so nothing stale is let through.
  const [held] = await tx.select({ hash: users.passwordHash }).from(users).where(eq(users.id, found.userId));
  const unchanged = held?.hash ? await verifyPassword(password, held.hash) : false;
  const [user] = await tx
    .select({ id: users.id, email: users.email, firstName: users.firstName, lastName: users.lastName, status: users.status })
    .from(users)
    .where(eq(users.id, found.userId))
    .for('update');
  // Used up only now, atomically: a change that voided it meanwhile leaves nothing to use.
  const link = await consumeToken(tx, token);
  if (!link || !user || (user.status !== 'invited' && user.status !== 'active')) throw new AppError('invalid', INVALID_LINK);
  await assertPasswordAllowed(tx, password, user, 'password');
  if (unchanged) throw fieldError('password', SAME_PASSWORD);
  const sessionVersion = await storePassword(tx, user.id, password);
  // Setting the password from a link signs the user in: that is a sign-in like any other, and ends the
  // run of wrong passwords as one does (else the first typo of the new one could lock the account).
  await tx.update(users).set({ lastSignInAt: new Date(), failedAttempts: 0 }).where(eq(users.id, user.id));
  if (user.status === 'invited')
    await tx.update(users).set({ status: 'active', activatedAt: new Date() }).where(eq(users.id, user.id));
  else await enqueueMail(tx, { email: user.email, userId: user.id }, passwordChangedMail(await organizationName(tx), user.firstName));
  await recordAudit(tx, {
    actor: { type: 'user', id: user.id, label: user.email },
    action: user.status === 'invited' ? 'user.activated' : 'user.password_changed',
    target: targetOf(user),
    detail: link.purpose === 'invitation' ? 'Password set from the invitation link' : 'Password set from a reset link',
    ...(user.status === 'invited' ? { changes: { status: { before: 'invited', after: 'active' } } } : {}),
    meta,
  });
  // And the sign-in it is, audited as every successful sign-in is (SPEC.md section 5).
  await recordAudit(tx, { actor: { type: 'user', id: user.id, label: user.email }, action: 'auth.sign_in', target: targetOf(user), detail: 'Signed in by setting a password from an emailed link', meta });
  return { id: user.id, email: user.email, name: `${user.firstName} ${user.lastName}`, sessionVersion };
}

/**
 * How long an answer to "Forgot password?" takes, at least. An address with an account costs a link,
 * a message and an audit event (about 12 ms more on PostgreSQL than one without): answered as soon as
 * done, the time alone would tell which addresses have accounts. Well above that work, so every answer
 * waits until this has passed.
 */
export const RESET_ANSWER_MS = 300;

/** "Forgot password?" as the form asks it: one transaction, answered no sooner than RESET_ANSWER_MS. */
export async function answerPasswordResetRequest(db: Db, email: string, meta: RequestMeta) {
  const started = performance.now();
  try {
    await db.transaction((tx) => requestPasswordReset(tx, email, meta));
  } finally {
    // Also when refused (rate limited): that answer, too, must not come sooner for one kind of address.
    const left = RESET_ANSWER_MS - (performance.now() - started);
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  }
}

/**
 * "Forgot password?": at most RESET_EMAILS_PER_ACCOUNT messages an hour to an account, each what makes
 * sense for it: an active account gets a reset link; an invited one (its invitation lost or expired) a
 * new invitation; a locked one a notice that only its account manager (or time) unlocks it. Banned,
 * inactive and unknown addresses get nothing. The caller says the same thing either way, so the form
 * does not reveal which addresses have accounts.
 */
export async function requestPasswordReset(tx: Tx, email: string, meta: RequestMeta) {
  if (!(await take(tx, `reset:${limitSubject(meta.ip)}`, RESET_REQUESTS_PER_IP)))
    throw new AppError('rate_limited', 'Too many reset requests from your network. Wait a few minutes and try again.');
  const [user] = await tx
    .select({ id: users.id, email: users.email, firstName: users.firstName, status: users.status, lockReason: users.lockReason })
    .from(users)
    .where(and(eq(sql`lower(${users.email})`, email.trim().toLowerCase()), inArray(users.status, ['active', 'invited', 'locked'])))
    .limit(1)
    // Locked, so an email change in progress is waited for: once it commits the old address no longer
    // matches and gets nothing, where a plain read would mail it a live link the change did not void.
    .for('update');
  if (!user) return;
  // Counted in one atomic statement (and under the row lock above), so a burst from many addresses
  // sends no more than the cap. Past it the caller hears what an unknown address hears; the log says why.
  if (!(await take(tx, `reset-account:${user.id}`, RESET_EMAILS_PER_ACCOUNT))) {
    await recordAudit(tx, {
      actor: { type: 'anonymous' },
      action: 'user.reset_request_limited',
      target: targetOf(user),
      detail: `Already ${RESET_EMAILS_PER_ACCOUNT.limit} reset links in the last hour`,
      meta,
    });
    return;
  }
  let detail: string | undefined;
  if (user.status === 'active') await sendResetLink(tx, user);
  else if (user.status === 'invited') {
    await sendInvitation(tx, user);
    detail = 'Invitation not yet accepted: a new one was sent; earlier links no longer work';
  } else {
    const { autoUnlockMinutes } = await getSecuritySettings(tx);
    await enqueueMail(tx, { email: user.email, userId: user.id }, lockedMail(await organizationName(tx), user.firstName, user.lockReason ?? 'failed_attempts', autoUnlockMinutes));
    detail = 'Account locked: no link sent; told how it gets unlocked';
  }
  await recordAudit(tx, { actor: { type: 'user', id: user.id, label: user.email }, action: 'user.reset_requested', target: targetOf(user), detail, meta });
}
