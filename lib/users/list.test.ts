import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { environments, userEnvironments } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import type { Principal } from '@/lib/auth/principal';
import { PERMISSIONS } from '@/lib/auth/permissions';
import { countSeats, countUsers, listFilter, listParamsSchema, listUsers, PAGE_SIZE } from './list';

let db: Db;
let environmentId: string;
const admin: Principal = { actor: { type: 'system' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
const params = (raw: Record<string, string> = {}) => listParamsSchema.parse(raw);

beforeAll(async () => {
  db = await testDb();
  ({ environmentId } = await setUpOrganization(db));
  for (let i = 0; i < 120; i++)
    await insertUser(db, { email: `user${String(i).padStart(3, '0')}@example.test`, firstName: `First${i}`, lastName: `Last${String(i).padStart(3, '0')}`, environmentId, status: i % 10 === 0 ? 'locked' : 'active' });
  await insertUser(db, { email: 'francois@example.test', firstName: 'François', lastName: 'Müller-Lüdenscheidt', environmentId });
  await insertUser(db, { email: 'elsewhere@example.test', firstName: 'Else', lastName: 'Where' });
});

describe('listUsers', () => {
  it('pages through everyone by cursor, forwards and back, without repeats or gaps', async () => {
    const seen: string[] = [];
    let page = await listUsers(db, admin, environmentId, params());
    seen.push(...page.users.map((u) => u.id));
    expect(page.previous).toBeNull();
    while (page.next) {
      page = await listUsers(db, admin, environmentId, params({ after: page.next }));
      seen.push(...page.users.map((u) => u.id));
    }
    expect(seen).toHaveLength(122); // 120 + François + the Administrator; not the user outside the environment
    expect(new Set(seen).size).toBe(122);
    const back = await listUsers(db, admin, environmentId, params({ before: page.previous! }));
    expect(back.users.map((u) => u.id)).toEqual(seen.slice(seen.length - page.users.length - PAGE_SIZE, seen.length - page.users.length));
  });

  it('treats a cursor it could not have made as no cursor', async () => {
    const first = await listUsers(db, admin, environmentId, params());
    const forged = Buffer.from(JSON.stringify(['a', 'b', 'not-a-uuid'])).toString('base64url');
    for (const after of ['garbage', forged]) expect((await listUsers(db, admin, environmentId, params({ after }))).users).toEqual(first.users);
    const badTime = Buffer.from(JSON.stringify(['yesterday-ish', '00000000-0000-4000-8000-000000000000'])).toString('base64url');
    expect((await listUsers(db, admin, environmentId, params({ sort: 'lastSignIn', after: badTime }))).users.length).toBe(PAGE_SIZE);
  });

  it('sorts by email descending', async () => {
    const page = await listUsers(db, admin, environmentId, params({ sort: 'email', dir: 'desc' }));
    const emails = page.users.map((u) => u.email.toLowerCase());
    expect(emails).toEqual([...emails].sort().reverse());
  });

  it('finds substrings of names and emails, ignoring case and accents', async () => {
    for (const q of ['muller', 'MÜLLER', 'francois', 'lüdensch', 'ois@exam']) {
      const page = await listUsers(db, admin, environmentId, params({ q }));
      expect(page.users.map((u) => u.email), q).toEqual(['francois@example.test']);
    }
    // LIKE wildcards in the search are plain characters.
    expect((await listUsers(db, admin, environmentId, params({ q: '%' }))).users).toEqual([]);
  });

  it('filters by status, and counts exactly below the cap and by estimate above it', async () => {
    const filter = listFilter(admin, environmentId, params({ status: 'locked' }));
    expect(await countUsers(db, filter)).toEqual({ count: 12, exact: true });
    const estimate = await countUsers(db, listFilter(admin, environmentId, params()), 50);
    expect(estimate.exact).toBe(false);
    expect(estimate.count).toBeGreaterThan(50);
  });

  it('follows membership changes (users.environment_ids is kept by a trigger)', async () => {
    const user = await insertUser(db, { email: 'mover@example.test', lastName: 'Mover', environmentId });
    const [other] = await db.insert(environments).values({ name: 'Other' }).returning();
    const found = async (env: string) => (await listUsers(db, admin, env, params({ q: 'mover@' }))).users.map((u) => u.id);
    expect(await found(environmentId)).toEqual([user.id]);
    await db.update(userEnvironments).set({ environmentId: other!.id }).where(eq(userEnvironments.userId, user.id));
    expect(await found(environmentId)).toEqual([]);
    expect(await found(other!.id)).toEqual([user.id]);
    await db.delete(userEnvironments).where(eq(userEnvironments.userId, user.id));
    expect(await found(other!.id)).toEqual([]);
  });

  it('counts seats: active, locked and invited users, never banned or inactive ones', async () => {
    const before = (await countSeats(db)).count;
    await insertUser(db, { email: 'gone@example.test', status: 'banned', environmentId });
    await insertUser(db, { email: 'idle@example.test', status: 'inactive', environmentId });
    expect((await countSeats(db)).count).toBe(before);
    await insertUser(db, { email: 'new@example.test', status: 'invited', environmentId });
    expect(await countSeats(db)).toEqual({ count: before + 1, exact: true });
  });

  it('shows an Account Manager only their environments', async () => {
    const manager: Principal = { actor: { type: 'system' }, permissions: ['users.read'], allEnvironments: false, environmentIds: [] };
    expect((await listUsers(db, manager, environmentId, params())).users).toEqual([]);
  });
});
