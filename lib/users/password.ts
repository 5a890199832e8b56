// Changing a user's own password: checked against the current one and the organization's policy.
import { eq, sql } from 'drizzle-orm';
import type { Db, Queryable, Tx } from '@/db/client';
import { SECURITY_DEFAULTS, users } from '@/db/schema';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';
import { hashPassword } from '@/lib/auth/password';
import { revokeTokens } from '@/lib/auth/tokens';
import { enqueueMail, organizationName } from '@/lib/mail/outbox';
import { passwordChangedMail } from '@/lib/mail/templates';
import { checkPassword, type PasswordOwner } from '@/lib/auth/password-policy';
import { reverifyPassword, SIGN_IN_MESSAGES } from '@/lib/auth/sign-in';
import { AppError, fieldError } from '@/lib/errors';
import { getOrganization, getSecuritySettings } from '@/lib/settings';

export const PASSWORDS_DIFFER = 'The passwords do not match.';
export const SAME_PASSWORD = 'Choose a password different from the current one.';

/**
 * A new password typed twice differently: refused, with what the policy says of it too (on `field`),
 * so the form names every problem at once instead of one per try. Before setup the defaults apply.
 */
export async function refuseUnconfirmed(q: Queryable, password: string, owner: PasswordOwner | null, field: string): Promise<never> {
  const policy = (await getOrganization(q)) ? await getSecuritySettings(q) : SECURITY_DEFAULTS;
  const failures = owner === null ? [] : checkPassword(password, policy, owner);
  throw new AppError('invalid', 'Check the highlighted fields.', { ...(failures.length > 0 ? { [field]: failures } : {}), confirmPassword: [PASSWORDS_DIFFER] });
}

/** Policy failures as a field error on `field`; nothing when the password is acceptable. */
export async function assertPasswordAllowed(tx: Tx, password: string, owner: PasswordOwner, field = 'newPassword') {
  const failures = checkPassword(password, await getSecuritySettings(tx), owner);
  if (failures.length > 0) throw new AppError('invalid', 'Choose a stronger password.', { [field]: failures });
}

/**
 * Stores a new password and ends every session of the user; returns their new session version. Any
 * link still out (a reset asked for earlier) stops working: it must not override the password chosen now.
 */
export async function storePassword(tx: Tx, userId: string, password: string): Promise<number> {
  const [row] = await tx
    .update(users)
    .set({
      passwordHash: await hashPassword(password),
      passwordChangedAt: new Date(),
      requirePasswordChange: false,
      sessionVersion: sql`${users.sessionVersion} + 1`,
      version: sql`${users.version} + 1`,
      updatedAt: new Date(),
    })
    .where(eq(users.id, userId))
    .returning({ sessionVersion: users.sessionVersion });
  if (!row) throw new AppError('not_found', 'The user no longer exists.');
  await revokeTokens(tx, userId);
  return row.sessionVersion;
}

/** No password at all (as a Reset leaves it), the user's sessions and links ended; they set one through a link. */
export async function clearPassword(tx: Tx, userId: string): Promise<void> {
  const [row] = await tx
    .update(users)
    .set({ passwordHash: null, requirePasswordChange: true, sessionVersion: sql`${users.sessionVersion} + 1`, version: sql`${users.version} + 1`, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning({ id: users.id });
  if (!row) throw new AppError('not_found', 'The user no longer exists.');
  await revokeTokens(tx, userId);
}

/**
 * The current password is checked outside the change's transaction, so a wrong one is counted (and
 * may lock the account) even though the change itself is refused; see reverifyPassword.
 */
export async function changeOwnPassword(
  db: Db,
  userId: string,
  input: { currentPassword: string; newPassword: string },
  meta: RequestMeta,
  /** The version of the session asking (SessionUser.sessionVersion): one ended meanwhile changes nothing. */
  asking: number,
) {
  const [user] = await db
    .select({ email: users.email, firstName: users.firstName, lastName: users.lastName, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, userId));
  if (!user) throw new AppError('not_found', 'Your account no longer exists.');
  const refused = await reverifyPassword(db, { id: userId, ...user }, input.currentPassword, meta);
  if (refused === 'rate_limited') throw new AppError('rate_limited', SIGN_IN_MESSAGES.rate_limited);
  if (refused) throw fieldError('currentPassword', 'The current password is incorrect.');
  if (input.currentPassword === input.newPassword)
    throw fieldError('newPassword', SAME_PASSWORD);
  return db.transaction(async (tx) => {
    // Still the password just proven, on an account still active (not locked meanwhile by other guesses),
    // and a session still live: a role or email change made during the check ended it, and a new password
    // must not hand it a fresh cookie (renewSession).
    const [now] = await tx
      .select({ status: users.status, passwordHash: users.passwordHash, sessionVersion: users.sessionVersion })
      .from(users)
      .where(eq(users.id, userId))
      .for('update');
    if (now?.status !== 'active' || now.passwordHash !== user.passwordHash || now.sessionVersion !== asking)
      throw new AppError('conflict', 'Your account changed while your password was being checked. Sign in again.');
    await assertPasswordAllowed(tx, input.newPassword, user);
    const sessionVersion = await storePassword(tx, userId, input.newPassword);
    const actor: Actor = { type: 'user', id: userId, label: user.email };
    await recordAudit(tx, { actor, action: 'user.password_changed', target: { type: 'user', id: userId, label: user.email }, meta });
    // Told, as after a link: a session left open somewhere must not change the password unnoticed.
    await enqueueMail(tx, { email: user.email, userId }, passwordChangedMail(await organizationName(tx), user.firstName));
    return { sessionVersion };
  });
}
