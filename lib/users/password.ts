// Changing a user's own password: checked against the current one and the organization's policy.
import { eq, sql } from 'drizzle-orm';
import type { Tx } from '@/db/client';
import { users } from '@/db/schema';
import { recordAudit, type Actor, type RequestMeta } from '@/lib/audit';
import { hashPassword, verifyPassword } from '@/lib/auth/password';
import { checkPassword } from '@/lib/auth/password-policy';
import { AppError, fieldError } from '@/lib/errors';
import { getSecuritySettings } from '@/lib/settings';

/** Policy failures as a field error on `field`; nothing when the password is acceptable. */
export async function assertPasswordAllowed(tx: Tx, password: string, email: string, field = 'newPassword') {
  const failures = checkPassword(password, await getSecuritySettings(tx), { email });
  if (failures.length > 0) throw new AppError('invalid', 'Choose a stronger password.', { [field]: failures });
}

/** Stores a new password and ends every session of the user; returns their new session version. */
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
  return row.sessionVersion;
}

export async function changeOwnPassword(
  tx: Tx,
  userId: string,
  input: { currentPassword: string; newPassword: string },
  meta: RequestMeta,
) {
  const [user] = await tx
    .select({ email: users.email, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.id, userId))
    .for('update');
  if (!user) throw new AppError('not_found', 'Your account no longer exists.');
  if (!(await verifyPassword(input.currentPassword, user.passwordHash)))
    throw fieldError('currentPassword', 'The current password is incorrect.');
  if (input.currentPassword === input.newPassword)
    throw fieldError('newPassword', 'Choose a password different from the current one.');
  await assertPasswordAllowed(tx, input.newPassword, user.email);
  const sessionVersion = await storePassword(tx, userId, input.newPassword);
  const actor: Actor = { type: 'user', id: userId, label: user.email };
  await recordAudit(tx, { actor, action: 'user.password_changed', target: { type: 'user', id: userId, label: user.email }, meta });
  return { sessionVersion };
}
