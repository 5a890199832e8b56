// next-auth configuration: Credentials sign-in over lib/auth/sign-in, JWT sessions that carry the
// user's id and session version; lib/auth/session re-checks both against the database on every request.
import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { db } from '@/db';
import { metaFromHeaders } from '@/lib/request';
import { safeRedirectUrl } from '@/lib/safe-path';
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
  }
}

export const authOptions: NextAuthOptions = {
  secret: process.env.NEXTAUTH_SECRET,
  session: { strategy: 'jwt', maxAge: 12 * 60 * 60 },
  pages: { signIn: '/login', error: '/login' },
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
  callbacks: {
    // callbackUrl is the caller's to choose: the same rule as every redirect, a path on this site.
    redirect({ url, baseUrl }) {
      return safeRedirectUrl(url, baseUrl);
    },
    jwt({ token, user }) {
      if (user) {
        token.sub = user.id;
        token.sv = user.sessionVersion;
      }
      return token;
    },
    session({ session, token }) {
      session.userId = token.sub ?? '';
      session.sessionVersion = token.sv ?? 0;
      return session;
    },
  },
};
