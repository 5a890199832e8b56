// Break-glass (`npm run admin:grant -- --email x`): an operator with database access makes a user an
// active Administrator when nobody can do it through the portal (the last Administrator locked out,
// forgot their password, left). Audited with the operator, not a portal user, as the actor.
import { eq, sql } from 'drizzle-orm';
import type { Tx } from '@/db/client';
import { roles, users } from '@/db/schema';
import { recordAudit, type Actor } from '@/lib/audit';
import { ADMINISTRATOR } from '@/lib/auth/permissions';
import { passwordExpiresAt } from '@/lib/auth/sign-in';
import { revokeTokens } from '@/lib/auth/tokens';
import { AppError } from '@/lib/errors';
import { getSecuritySettings } from '@/lib/settings';
import { sendResetLink } from './access';
import { targetOf } from './scope';

export type GrantResult = { email: string; before: { role: string; status: string }; passwordLink: string | null };

/**
 * Makes the user with this email an active Administrator: role Administrator, status active (a lock,
 * ban or inactivation is lifted, failed attempts cleared), every session of theirs ended. A user who
 * has no password (invited, or reset) is sent a reset link, whose URL is returned for the operator.
 */
export async function grantAdministrator(tx: Tx, email: string, operator: Actor): Promise<GrantResult> {
  const [user] = await tx
    .select({
      id: users.id,
      email: users.email,
      firstName: users.firstName,
      status: users.status,
      roleName: roles.name,
      hasPassword: sql<boolean>`${users.passwordHash} is not null`,
      passwordChangedAt: users.passwordChangedAt,
    })
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(eq(sql`lower(${users.email})`, email.trim().toLowerCase()))
    .for('update', { of: users });
  if (!user) throw new AppError('not_found', `No user has the email ${email}.`);
  const [administrator] = await tx.select({ id: roles.id }).from(roles).where(sql`${roles.builtIn} and ${roles.name} = ${ADMINISTRATOR}`);
  if (!administrator) throw new AppError('not_found', 'The built-in Administrator role is missing: run setup first.');

  // A password past its maximum age would lock them again at their next sign-in (an expired password is
  // what locked many a last Administrator out): they are let in once, to change it, as Unlock lets them.
  const expires = user.hasPassword ? passwordExpiresAt(user.passwordChangedAt, await getSecuritySettings(tx)) : null;
  const expired = expires !== null && expires.getTime() <= Date.now();
  await tx
    .update(users)
    .set({
      roleId: administrator.id,
      status: 'active',
      lockReason: null,
      lockedAt: null,
      banReason: null,
      failedAttempts: 0,
      // Active from now, even if they were already: the inactivity job counts from here, not from a sign-in long ago.
      activatedAt: new Date(),
      ...(expired ? { requirePasswordChange: true } : {}),
      sessionVersion: sql`${users.sessionVersion} + 1`,
      version: sql`${users.version} + 1`,
      updatedAt: new Date(),
    })
    .where(eq(users.id, user.id));
  let passwordLink: string | null = null;
  if (!user.hasPassword) passwordLink = await sendResetLink(tx, user);
  else await revokeTokens(tx, user.id);
  await recordAudit(tx, {
    actor: operator,
    action: 'user.administrator_granted',
    target: targetOf(user),
    changes: {
      ...(user.roleName !== ADMINISTRATOR ? { role: { before: user.roleName, after: ADMINISTRATOR } } : {}),
      ...(user.status !== 'active' ? { status: { before: user.status, after: 'active' } } : {}),
    },
    detail: `Break-glass grant by an operator (npm run admin:grant)${passwordLink ? '; password link emailed' : ''}${expired ? '; their expired password must be changed at sign-in' : ''}`,
  });
  return { email: user.email, before: { role: user.roleName, status: user.status }, passwordLink };
}
