// The current user, resolved once per request from the session and re-checked against the database:
// a lock, ban, inactivation, role change or password change (a new session version) ends the session.
import 'server-only';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { getServerSession } from 'next-auth';
import { decode, encode } from 'next-auth/jwt';
import { cookies, headers } from 'next/headers';
import { forbidden, redirect } from 'next/navigation';
import { cache } from 'react';
import { db } from '@/db';
import type { Queryable } from '@/db/client';
import { environments, roles, userEnvironments, users } from '@/db/schema';
import { changePasswordHref, RETURN_PATH_HEADER } from '@/lib/return-path';
import { getSecuritySettings } from '@/lib/settings';
import { authOptions, endSession, newSessionId, sessionStart } from './options';
import { hasPermission, isAdministrator, isPermission, type Permission } from './permissions';
import { passwordExpiresAt } from './sign-in';

export type SessionUser = {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  roleId: string;
  roleName: string;
  permissions: Permission[];
  allEnvironments: boolean;
  /** The environments the user belongs to (Administrators: see allEnvironments). */
  environmentIds: string[];
  requirePasswordChange: boolean;
  passwordChangedAt: Date | null;
  /** The session version the session was issued at (a ban, role or password change moves the user's on). */
  sessionVersion: number;
};

/**
 * The user of a session, or null when it has ended (not active, or a newer session version). With
 * `lock` (inside a transaction), the user's row and role's row are held FOR SHARE until it ends, so a
 * ban, role change or role edit made meanwhile waits for it: a change made with these rights commits
 * before they are taken away, never after.
 */
export async function loadSessionUser(q: Queryable, userId: string, sessionVersion: number, lock = false): Promise<SessionUser | null> {
  const query = q
    .select({
      id: users.id,
      email: users.email,
      firstName: users.firstName,
      lastName: users.lastName,
      status: users.status,
      sessionVersion: users.sessionVersion,
      requirePasswordChange: users.requirePasswordChange,
      passwordChangedAt: users.passwordChangedAt,
      roleId: roles.id,
      roleName: roles.name,
      permissions: roles.permissions,
      allEnvironments: roles.allEnvironments,
    })
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(eq(users.id, userId))
    .limit(1);
  const [row] = lock ? await query.for('share', { of: [users, roles] }) : await query;
  if (!row || row.status !== 'active' || row.sessionVersion !== sessionVersion) return null;
  const memberships = await q
    .select({ id: userEnvironments.environmentId })
    .from(userEnvironments)
    .where(eq(userEnvironments.userId, userId));
  const { status: _status, permissions, ...user } = row;
  // A password that expires while the session lasts holds it to a change, as sign-in would have refused it.
  const expires = user.requirePasswordChange ? null : passwordExpiresAt(user.passwordChangedAt, await getSecuritySettings(q));
  const requirePasswordChange = user.requirePasswordChange || (expires !== null && expires.getTime() <= Date.now());
  return { ...user, requirePasswordChange, permissions: permissions.filter(isPermission), environmentIds: memberships.map((m) => m.id) };
}

export const getCurrentUser = cache(async (): Promise<SessionUser | null> => {
  const session = await getServerSession(authOptions);
  if (!session?.userId) return null;
  return loadSessionUser(db, session.userId, session.sessionVersion);
});

/**
 * For pages: the signed-in user, or off to /login (or to /change-password when one is required, with
 * the page asked for, as proxy.ts passed it on, as the way back once the password is changed).
 */
export async function requireUser(options: { allowPendingPasswordChange?: boolean } = {}): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) redirect('/login');
  if (user.requirePasswordChange && !options.allowPendingPasswordChange) redirect(changePasswordHref((await headers()).get(RETURN_PATH_HEADER)));
  return user;
}

/** For pages: the signed-in user if an Administrator (isAdministrator); 403 otherwise. */
export async function requireAdministrator(): Promise<SessionUser> {
  const user = await requireUser();
  if (!isAdministrator(user)) forbidden();
  return user;
}

/** For pages: the signed-in user holding the permission; 403 otherwise. */
export async function requirePermission(permission: Permission): Promise<SessionUser> {
  const user = await requireUser();
  if (!hasPermission(user, permission)) forbidden();
  return user;
}

export type EnvironmentOption = { id: string; name: string; contextIdentifier: string; createdAt: Date };

/** The environments ("My Accounts") the user may see: all for Administrators, else their own; never archived ones. */
export const getVisibleEnvironments = cache(async (user: SessionUser): Promise<EnvironmentOption[]> => {
  const columns = { id: environments.id, name: environments.name, contextIdentifier: environments.contextIdentifier, createdAt: environments.createdAt };
  if (user.allEnvironments) return db.select(columns).from(environments).where(isNull(environments.archivedAt)).orderBy(asc(environments.name));
  return db
    .select(columns)
    .from(environments)
    .innerJoin(userEnvironments, and(eq(userEnvironments.environmentId, environments.id), eq(userEnvironments.userId, user.id)))
    .where(isNull(environments.archivedAt))
    .orderBy(asc(environments.name));
});

export const ENVIRONMENT_COOKIE = 'ud_env';

/**
 * The environment the user is working in: the remembered choice when still allowed, else their oldest
 * (for most, the organization's first, "Production"): a stable default that adding an environment
 * named "Acme" does not move.
 */
export async function getCurrentEnvironment(user: SessionUser): Promise<EnvironmentOption | null> {
  const visible = await getVisibleEnvironments(user);
  const chosen = (await cookies()).get(ENVIRONMENT_COOKIE)?.value;
  const oldest = visible.reduce<EnvironmentOption | null>((first, e) => (!first || e.createdAt < first.createdAt ? e : first), null);
  return visible.find((e) => e.id === chosen) ?? oldest;
}

/**
 * Re-issues this browser's session at the user's new session version, after a change that ends all
 * of the user's sessions (their own password change): the other sessions end, this one carries on.
 * The session the browser held before ends for good, as signing out would end it: at a link used
 * where someone else was signed in, theirs, which a copy of its cookie would otherwise keep alive.
 */
export async function renewSession(q: Queryable, user: { id: string; email: string; name: string }, sessionVersion: number) {
  const secure = (process.env.NEXTAUTH_URL ?? '').startsWith('https:');
  const name = `${secure ? '__Secure-' : ''}next-auth.session-token`;
  const maxAge = authOptions.session!.maxAge!;
  const jar = await cookies();
  const held = jar.get(name)?.value;
  const previous = held ? await decode({ token: held, secret: authOptions.secret! }).catch(() => null) : null;
  await endSession(previous?.sid, previous?.exp, q);
  const token = await encode({
    // A new session: the password was just proven (or set from a link), so its lifetime starts now.
    token: { sub: user.id, sv: sessionVersion, sid: newSessionId(), at: sessionStart(), email: user.email, name: user.name },
    secret: authOptions.secret!,
    maxAge,
  });
  jar.set(name, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure,
    maxAge,
  });
}
