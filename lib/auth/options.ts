// next-auth configuration: Credentials sign-in over lib/auth/sign-in, JWT sessions that carry the
// user's id, session version and a random session id; every read of the session re-checks them against
// the database (the user still active at that version, the session not signed out).
import { randomBytes } from 'node:crypto';
import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { and, eq, notExists, sql } from 'drizzle-orm';
import { db } from '@/db';
import type { Queryable } from '@/db/client';
import { endedSessions, users } from '@/db/schema';
import { metaFromHeaders } from '@/lib/request';
import { safeRedirectUrl } from '@/lib/safe-path';
import { recordEndedSession } from './ended-sessions';
import { signIn } from './sign-in';

declare module 'next-auth' {
  interface Session {
    userId: string;
    sessionVersion: number;
  }
  interface User {
    sessionVersion: number;
    mustChangePassword: boolean;
  }
}
declare module 'next-auth/jwt' {
  interface JWT {
    sv?: number;
    /** This session's own id: signing out records it as ended (endedSessions). */
    sid?: string;
    /** When this session began (seconds): it ends SESSION_HOURS later, however often its cookie is renewed. */
    at?: number;
  }
}

/** A new session's id: 128 random bits. */
export const newSessionId = () => randomBytes(16).toString('base64url');

const SESSION_SECONDS = 12 * 60 * 60;

/** Now, as a session's start (JWT `at`, in seconds). */
export const sessionStart = () => Math.floor(Date.now() / 1000);

/**
 * Whether a session begun at `at` is still within its lifetime. next-auth hands back the cookie with a
 * fresh expiry at every read of /api/auth/session, so its expiry alone would let a copy of it (a stolen
 * one too) live for good by being read now and then, and its holder would never sign in again.
 */
export const withinLifetime = (at: unknown) => typeof at === 'number' && Number.isFinite(at) && at + SESSION_SECONDS > Date.now() / 1000;

/** Thrown by the jwt callback for a session that has ended: next-auth then answers with no session and clears the cookie. */
export const SESSION_ENDED = 'Session ended: the user is no longer active, or their session version changed.';

/**
 * Whether a session still holds: its user active at the token's session version (the check pages make
 * again in lib/auth/session.ts loadSessionUser), and the session not signed out. A token without a
 * session id (made before sessions had one) is ended.
 */
export async function sessionStillValid(userId: string | undefined, sessionVersion: number | undefined, sessionId: string | undefined): Promise<boolean> {
  if (!userId || sessionVersion === undefined || !sessionId || !/^[0-9a-f-]{36}$/i.test(userId)) return false;
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(
      and(
        eq(users.id, userId),
        eq(users.status, 'active'),
        eq(users.sessionVersion, sessionVersion),
        notExists(db.select({ one: sql`1` }).from(endedSessions).where(eq(endedSessions.sessionId, sessionId))),
      ),
    )
    .limit(1);
  return row !== undefined;
}

/** Signing out: the session's id is recorded as ended until the token would have expired, so no copy of its cookie works again. */
export async function endSession(sessionId: string | undefined, expiresAtSeconds: unknown, q: Queryable = db) {
  if (!sessionId) return;
  const maxAgeMs = (authOptions.session?.maxAge ?? 0) * 1000;
  const expiresAt = typeof expiresAtSeconds === 'number' && Number.isFinite(expiresAtSeconds) ? new Date(expiresAtSeconds * 1000) : new Date(Date.now() + maxAgeMs);
  await recordEndedSession(q, sessionId, expiresAt);
}

export const authOptions: NextAuthOptions = {
  secret: process.env.NEXTAUTH_SECRET,
  session: { strategy: 'jwt', maxAge: SESSION_SECONDS },
  pages: { signIn: '/login', error: '/login' },
  // An ended session is routine, not an error worth a stack trace in the log.
  logger: {
    error(code, metadata) {
      if (code === 'JWT_SESSION_ERROR' && (metadata as { message?: string } | undefined)?.message === SESSION_ENDED) return;
      console.error(`[next-auth][error][${code}]`, metadata);
    },
    warn(code) {
      console.warn(`[next-auth][warn][${code}]`);
    },
    debug() {},
  },
  providers: [
    CredentialsProvider({
      name: 'Email and password',
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      async authorize(credentials, req) {
        const email = credentials?.email ?? '';
        const password = credentials?.password ?? '';
        if (!email || !password) throw new Error('invalid');
        const h = (req.headers ?? {}) as Record<string, string | undefined>;
        const result = await signIn(db, email, password, metaFromHeaders({ get: (n) => h[n] })).catch((error: unknown) => {
          console.error('Sign-in failed unexpectedly:', error);
          return { ok: false as const, reason: 'invalid' as const };
        });
        // The reason travels to the login form as the error code; it only ever names a state the
        // caller has proven the password for (see sign-in.ts).
        if (!result.ok) throw new Error(result.reason);
        return { ...result.user, mustChangePassword: result.mustChangePassword };
      },
    }),
  ],
  events: {
    // POST /api/auth/signout (after its CSRF check) with the session's own, verified token.
    async signOut({ token }) {
      await endSession(token?.sid, token?.exp);
    },
  },
  callbacks: {
    // callbackUrl is the caller's to choose: the same rule as every redirect, a path on this site.
    redirect({ url, baseUrl }) {
      return safeRedirectUrl(url, baseUrl);
    },
    // Runs on every read of the session (getServerSession, /api/auth/session): a ban, lock,
    // inactivation or session-ending change makes it throw, so the endpoint returns no user and next-auth
    // clears the cookie instead of re-issuing it.
    async jwt({ token, user }) {
      if (user) {
        token.sub = user.id;
        token.sv = user.sessionVersion;
        token.sid = newSessionId();
        token.at = sessionStart();
        return token;
      }
      if (!withinLifetime(token.at) || !(await sessionStillValid(token.sub, token.sv, token.sid))) throw new Error(SESSION_ENDED);
      return token;
    },
    session({ session, token }) {
      session.userId = token.sub ?? '';
      session.sessionVersion = token.sv ?? 0;
      return session;
    },
  },
};
