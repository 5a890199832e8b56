// requireUser sends a user who must change their password to /change-password with the page they asked
// for (as proxy.ts passes it on) as the way back, and only ever a path on this site.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '@/db/client';
import { users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { RETURN_PATH_HEADER } from '@/lib/return-path';

const request = vi.hoisted(() => ({ session: null as { userId: string; sessionVersion: number } | null, headers: new Headers() }));
vi.mock('next-auth', async (original) => ({ ...(await original<object>()), getServerSession: async () => request.session }));
vi.mock('next/headers', () => ({ headers: async () => request.headers, cookies: async () => ({ get: () => undefined, set: () => {} }) }));
vi.mock('next/navigation', () => ({
  redirect: (to: string) => {
    throw new Error(`redirect ${to}`);
  },
  forbidden: () => {
    throw new Error('forbidden');
  },
}));

const { requireUser } = await import('./session');

let db: Db;
let forced: { id: string; sessionVersion: number };
beforeAll(async () => {
  db = await testDb();
  await setUpOrganization(db);
  forced = await insertUser(db, { email: 'quillfeather.forced@example.test', requirePasswordChange: true });
  request.session = { userId: forced.id, sessionVersion: forced.sessionVersion };
});

const redirectFor = async (returnPath: string | null) => {
  request.headers = new Headers(returnPath === null ? {} : { [RETURN_PATH_HEADER]: returnPath });
  return requireUser().then(
    () => 'no redirect',
    (error: Error) => error.message,
  );
};

describe('requireUser and a pending password change', () => {
  it('carries the page asked for as the way back', async () => {
    expect(await redirectFor('/users?status=locked')).toBe('redirect /change-password?next=%2Fusers%3Fstatus%3Dlocked');
    expect(await redirectFor(null)).toBe('redirect /change-password');
    expect(await redirectFor('/')).toBe('redirect /change-password');
  });

  it('never carries a way off the site, whatever the header holds', async () => {
    for (const hostile of ['/.//evil.example/phish', '//evil.example', 'https://evil.example/', '/\\evil.example', '/%2e//evil.example'])
      expect(await redirectFor(hostile)).toBe('redirect /change-password');
  });

  // Passwords expire after 90 days by default: one set in 2000 holds the session as requirePasswordChange does.
  it('an expired password holds the session the same way', async () => {
    await db.update(users).set({ requirePasswordChange: false, passwordChangedAt: new Date('2000-01-01') }).where(eq(users.id, forced.id));
    expect(await redirectFor('/audit?action=auth.sign_in')).toBe('redirect /change-password?next=%2Faudit%3Faction%3Dauth.sign_in');
  });
});
