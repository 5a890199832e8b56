// A link used in a browser where someone else is signed in: the page says it signs them out, and it
// must, for good: their session ends on the server too, not only the cookie here.
import { eq } from 'drizzle-orm';
import { encode } from 'next-auth/jwt';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '@/db/client';
import { endedSessions } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { issueToken } from '@/lib/auth/tokens';

process.env.NEXTAUTH_SECRET ??= 'set-password-test-secret-0123456789abcdef';
const jar = vi.hoisted(() => new Map<string, string>());
vi.mock('@/lib/auth/session', async (original) => ({ ...(await original<object>()), getCurrentUser: async () => null }));
vi.mock('next/headers', () => ({
  headers: async () => new Headers(),
  cookies: async () => ({ get: (name: string) => (jar.has(name) ? { name, value: jar.get(name) } : undefined), set: (name: string, value: string) => jar.set(name, value) }),
}));
vi.mock('next/cache', () => ({ revalidatePath: vi.fn() }));

const { setPasswordAction } = await import('./actions');

let db: Db;
beforeAll(async () => {
  db = await testDb();
  await setUpOrganization(db);
});

describe('set password from a link', () => {
  it("ends the session of whoever was signed in in this browser, not only replaces its cookie", async () => {
    const signedIn = await insertUser(db, { email: 'signed-in@example.test' });
    const invited = await insertUser(db, { email: 'invited@example.test', status: 'invited', passwordChangedAt: null });
    const token = await issueToken(db, invited.id, 'invitation', 86_400_000);
    jar.set(
      'next-auth.session-token',
      await encode({ token: { sub: signedIn.id, sv: signedIn.sessionVersion, sid: 'the-other-session' }, secret: process.env.NEXTAUTH_SECRET!, maxAge: 3600 }),
    );
    const data = new FormData();
    for (const [k, v] of Object.entries({ token, password: 'Quiet-Harbour-Lantern-58', confirmPassword: 'Quiet-Harbour-Lantern-58' })) data.append(k, v);
    // Set, and on to the portal as the invited user.
    await expect(setPasswordAction({ status: 'idle' }, data)).rejects.toThrow('NEXT_REDIRECT');
    expect(await db.select().from(endedSessions).where(eq(endedSessions.sessionId, 'the-other-session'))).toHaveLength(1);
  });

  it('a post that lost its token says to open the link again, not "Check the highlighted fields" with nothing highlighted', async () => {
    for (const token of [undefined, '']) {
      const data = new FormData();
      for (const [k, v] of Object.entries({ token, password: 'Quiet-Harbour-Lantern-58', confirmPassword: 'Other-Harbour-Lantern-58' })) if (v !== undefined) data.append(k, v);
      expect(await setPasswordAction({ status: 'idle' }, data)).toEqual({
        status: 'error',
        message: 'This page lost the link it was opened from: open the link in your email again.',
      });
    }
  });
});
