// "Forgot password?" called as the browser posts it: the same words and, to the millisecond that an
// attacker could measure, the same time for an address with an account and one without.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '@/db/client';
import { outboxMessages } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';

let ip = 0;
vi.mock('@/lib/auth/session', async (original) => ({ ...(await original<object>()), getCurrentUser: async () => null }));
vi.mock('next/headers', () => ({ headers: async () => new Headers({ 'x-forwarded-for': `203.0.113.${++ip}` }) }));
vi.mock('next/cache', () => ({ revalidatePath: vi.fn() }));

const { forgotPasswordAction } = await import('./actions');

let db: Db;
beforeAll(async () => {
  db = await testDb();
  await setUpOrganization(db);
});

const ask = async (email: string) => {
  const data = new FormData();
  data.append('email', email);
  const started = performance.now();
  const state = await forgotPasswordAction({ status: 'idle' }, data);
  return { state, ms: performance.now() - started };
};

describe('forgot password', () => {
  it('answers an address with an account and one without alike, and no sooner than 300 ms', async () => {
    await insertUser(db, { email: 'known@example.test' });
    const known = await ask('known@example.test');
    const unknown = await ask('nobody@example.test');
    expect(unknown.state).toEqual(known.state);
    expect(known.state).toMatchObject({ status: 'success' });
    expect(await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, 'known@example.test'))).toHaveLength(1);
    // Before: about 5 ms for an unknown address and 17 ms for a known one (PostgreSQL).
    for (const { ms } of [known, unknown]) expect(ms).toBeGreaterThanOrEqual(295);
  });
});
