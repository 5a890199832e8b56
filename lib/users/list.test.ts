import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { environments, userEnvironments, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import type { Principal } from '@/lib/auth/principal';
import { PERMISSIONS } from '@/lib/auth/permissions';
import { rows } from '@/lib/db-rows';
import { countSeats, countUsers, listFilter, listParamsSchema, listUsers, PAGE_SIZE, readListParams, SEARCH_STEPS, type SearchStep } from './list';

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

describe('readListParams', () => {
  it('reads All Users and its CSV export alike: a repeated key by its first value, and never the Locked Users order', () => {
    const url = new URL('http://x/users/export?status=active&status=banned&tag=a%3D1&tag=b&idle=30&idle=1&sort=lockedAt&q=');
    const fromPage = readListParams({ status: ['active', 'banned'], tag: ['a=1', 'b'], idle: ['30', '1'], sort: 'lockedAt', q: '' });
    expect(readListParams(url.searchParams)).toEqual(fromPage);
    expect(fromPage).toMatchObject({ status: 'active', tag: 'a=1', idle: 30, sort: 'name', q: undefined });
  });
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

  it('keeps characters that fold into LIKE wildcards (full-width ％ ＿ ＼) plain: they find only what holds them', async () => {
    const [wild] = await db.insert(environments).values({ name: 'Wildcards' }).returning();
    await insertUser(db, { email: 'percent@example.test', firstName: 'Hundred', lastName: 'Per％cent', environmentId: wild!.id });
    await insertUser(db, { email: 'plain@example.test', firstName: 'Plain', lastName: 'Percent', environmentId: wild!.id });
    const emails = async (q: string) => (await listUsers(db, admin, wild!.id, params({ q }))).users.map((u) => u.email);
    for (const q of ['％', 'r％c', '%c', 'per%cent']) expect(await emails(q), q).toEqual(['percent@example.test']);
    for (const q of ['＿', 'r＿c', 'ain＼@', '∖']) expect(await emails(q), q).toEqual([]);
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
    await db.insert(userEnvironments).values([
      { userId: user.id, environmentId },
      { userId: user.id, environmentId: other!.id },
    ]);
    expect(await found(environmentId)).toEqual([user.id]);
    expect(await found(other!.id)).toEqual([user.id]);
    const [row] = await db.select({ ids: users.environmentIds }).from(users).where(eq(users.id, user.id));
    expect(row!.ids).toEqual([environmentId, other!.id].sort());
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

describe("reach through another environment (the filter tests roles without joining them)", () => {
  let otherId: string;
  beforeAll(async () => {
    [{ id: otherId }] = (await db.insert(environments).values({ name: 'Reach' }).returning({ id: environments.id })) as [{ id: string }];
    const both = await insertUser(db, { email: 'both@reach.test', firstName: 'Reachable', lastName: 'Both', environmentId });
    await db.insert(userEnvironments).values({ userId: both.id, environmentId: otherId });
    await insertUser(db, { email: 'only@reach.test', firstName: 'Reachable', lastName: 'Only', environmentId: otherId });
  });

  it('names to a manager only the environments they work in, and counts the others (as the API Users tab does)', async () => {
    const manager: Principal = { actor: { type: 'system' }, permissions: ['users.read'], allEnvironments: false, environmentIds: [otherId] };
    const shown = async (principal: Principal) =>
      (await listUsers(db, principal, otherId, params({ q: 'reach' }))).users.map((u) => [u.email, u.environments, u.otherEnvironments]).sort();
    expect(await shown(manager)).toEqual([['both@reach.test', ['Reach'], 1], ['only@reach.test', ['Reach'], 0]]);
    const [production] = await db.select({ name: environments.name }).from(environments).where(eq(environments.id, environmentId));
    expect(await shown(admin)).toEqual([['both@reach.test', [production!.name, 'Reach'].sort(), 0], ['only@reach.test', ['Reach'], 0]]);
  });

  it('shows a manager of another environment its shared members and everyone whose role spans all, by every strategy', async () => {
    const manager = (): Principal => ({ actor: { type: 'system' }, permissions: ['users.read'], allEnvironments: false, environmentIds: [otherId] });
    const all = await listUsers(db, manager(), environmentId, params());
    expect(all.users.map((u) => u.email).sort()).toEqual(['ada@example.test', 'both@reach.test']);
    // Seen is not changeable: an Administrator (more permissions, every environment), nor a user who is
    // also in an environment the manager does not manage. Their rows offer no action.
    expect(all.users.map((u) => [u.email, u.changeable]).sort()).toEqual([['ada@example.test', false], ['both@reach.test', false]]);
    const both = (await listUsers(db, { ...manager(), environmentIds: [otherId, environmentId] }, environmentId, params({ q: 'reach' }))).users;
    expect(both.map((u) => [u.email, u.changeable])).toEqual([['both@reach.test', true]]);
    expect(await countUsers(db, listFilter(manager(), environmentId, {}))).toEqual({ count: 2, exact: true });
    for (const steps of [[{ kind: 'collect', limit: null }], [{ kind: 'walk', limit: null }], [{ kind: 'walk', limit: 5 }, { kind: 'collect', limit: 3 }]] as SearchStep[][])
      for (const q of ['reach', 'example.test', 'ada'])
        expect((await listUsers(db, manager(), environmentId, params({ q }), steps)).users.map((u) => u.email), `${q} ${JSON.stringify(steps)}`).toEqual(
          [q === 'reach' ? 'both@reach.test' : 'ada@example.test'],
        );
  });

  it('reads users alone: no join in the plan of any list filter', async () => {
    const principals: Principal[] = [admin, { actor: { type: 'system' }, permissions: ['users.read'], allEnvironments: false, environmentIds: [otherId] }];
    for (const principal of principals) {
      const filter = listFilter(principal, environmentId, { q: 'reach', status: 'active', role: undefined });
      const [plan] = await rows<{ 'QUERY PLAN': unknown }>(db, sql`explain (format json) select 1 from ${users} where ${filter}`);
      const text = JSON.stringify(plan!['QUERY PLAN']);
      expect(text).not.toMatch(/"Node Type":"(Nested Loop|Hash Join|Merge Join)"/);
    }
  });
});

describe('searches without trigrams', () => {
  it('never read the trigram index: pg_trgm would read all of it to return every row', async () => {
    const planOf = (q: string) =>
      db.transaction(async (tx) => {
        // Nothing but a bitmap index scan would do, so the planner shows whether it may use that index.
        for (const off of ['enable_seqscan', 'enable_indexscan', 'enable_indexonlyscan']) await tx.execute(sql.raw(`set local ${off} = off`));
        const [plan] = await rows<{ 'QUERY PLAN': unknown }>(tx, sql`explain (format json) select 1 from ${users} where ${listFilter(admin, environmentId, { q })} limit 1001`);
        return JSON.stringify(plan!['QUERY PLAN']);
      });
    for (const q of ['a', 'a.b', 'é-z', 'zé', 'z ']) expect(await planOf(q), q).not.toContain('users_search_trgm_idx');
    for (const q of ['zel', 'ze', '31']) expect(await planOf(q), q).toContain('users_search_trgm_idx');
    // And they still find what they should.
    expect((await listUsers(db, admin, environmentId, params({ q: 'ÜL' }))).users.map((u) => u.email)).toEqual(['francois@example.test']);
    expect(await countUsers(db, listFilter(admin, environmentId, { q: 'ül' }))).toEqual({ count: 1, exact: true });
  });
});

describe('the tag filter', () => {
  it('may use an index: a lookup by an integration\'s own id (ExternalUserId=4711) need not read every user', async () => {
    const planOf = (tag: string) =>
      db.transaction(async (tx) => {
        for (const off of ['enable_seqscan', 'enable_indexscan', 'enable_indexonlyscan']) await tx.execute(sql.raw(`set local ${off} = off`));
        const [plan] = await rows<{ 'QUERY PLAN': unknown }>(tx, sql`explain (format json) select 1 from ${users} where ${listFilter(admin, environmentId, { tag })} limit 51`);
        return JSON.stringify(plan!['QUERY PLAN']);
      });
    for (const tag of ['ExternalUserId=4711', 'ExternalUserId']) expect(await planOf(tag), tag).toContain('users_tags_idx');
  });
});

describe('search strategies', () => {
  const bunch = 110; // Zellers: last in name order, more hits than the small budgets below allow
  beforeAll(async () => {
    for (let i = 0; i < bunch; i++)
      await insertUser(db, { email: `z${String(i).padStart(3, '0')}@bunch.test`, firstName: `Zed${i % 7}`, lastName: i % 2 ? 'Zeller' : 'zeller', environmentId, status: i % 9 === 0 ? 'locked' : 'active' });
  });

  type Page = Awaited<ReturnType<typeof listUsers>>;
  /** Every page forwards, then every page back from the last, as [ids, next, previous] per page. */
  async function walkPages(raw: Record<string, string>, steps?: readonly SearchStep[]) {
    const pages: Page[] = [];
    let page = await listUsers(db, admin, environmentId, params(raw), steps);
    pages.push(page);
    while (page.next) pages.push((page = await listUsers(db, admin, environmentId, params({ ...raw, after: page.next }), steps)));
    while (page.previous) pages.push((page = await listUsers(db, admin, environmentId, params({ ...raw, before: page.previous }), steps)));
    return pages.map((p) => [p.users.map((u) => u.id), p.next, p.previous]);
  }

  const COLLECT: SearchStep[] = [{ kind: 'collect', limit: null }];
  const WALK: SearchStep[] = [{ kind: 'walk', limit: null }];
  const SMALL: SearchStep[] = [
    { kind: 'collect', limit: 3 },
    { kind: 'walk', limit: 80 },
    { kind: 'collect', limit: 100 },
  ];

  it('collects a two-character search wherever the pair stands: opening a word, after any character, beyond ASCII', async () => {
    // Each of these holds "ze" once, after: the start of the text, a letter, a digit, a dot, an apostrophe,
    // a hyphen, a plus, an at sign, and letters beyond ASCII (trigrams pg_trgm stores hashed).
    const holders = [
      ['Zenon', 'Pair', 'p1@pairs.test'],
      ['Pia', 'Lazer', 'p2@pairs.test'],
      ['Pia', 'Pair', 'p3.4ze@pairs.test'],
      ['Pia', 'Pair', 'p4.ze@pairs.test'],
      ['Pia', "O'Zeal", 'p5@pairs.test'],
      ['Pia', 'Ann-Zefa', 'p6@pairs.test'],
      ['Pia', 'Pair', 'p7+ze@pairs.test'],
      ['Pia', 'Pair', 'p8@zepairs.test'],
      ['Ωze', 'Pair', 'p9@pairs.test'],
      ['Пиа', 'Жzeлов', 'p10@pairs.test'],
    ];
    for (const [firstName, lastName, email] of holders) await insertUser(db, { email: email!, firstName: firstName!, lastName: lastName!, environmentId });
    await insertUser(db, { email: 'z-e@pairs.test', firstName: 'Zoë', lastName: 'Ez-Enope', environmentId }); // no "ze" in it ("z-e"; "ë" folds to "e")
    const emails = (page: Awaited<ReturnType<typeof listUsers>>) => page.users.map((u) => u.email).filter((e) => e.endsWith('pairs.test')).sort();
    const expected = holders.map(([, , email]) => email).sort();
    for (const q of ['ze', 'ZE', 'Ze'])
      for (const steps of [COLLECT, WALK, SEARCH_STEPS.slice(1)]) {
        const page = await listUsers(db, admin, environmentId, params({ q, sort: 'email' }), steps);
        expect(emails(page), JSON.stringify({ q, steps })).toEqual(expected);
        if (steps === COLLECT) expect(page.strategy).toBe('collect');
      }
    expect(await countUsers(db, listFilter(admin, environmentId, { q: 'ze' }))).toEqual({ count: expected.length + bunch, exact: true }); // and every Zed Zeller
  });

  it('walks Locked Users in lock order without a search, page for page as the planner would', async () => {
    for (const dir of ['asc', 'desc']) {
      const raw = { sort: 'lockedAt', status: 'locked', dir };
      const expected = await walkPages(raw, []);
      expect(expected.flatMap(([ids]) => ids).length).toBeGreaterThan(0);
      for (const steps of [SEARCH_STEPS, SMALL, WALK]) expect(await walkPages(raw, steps), JSON.stringify({ raw, steps })).toEqual(expected);
    }
    expect((await listUsers(db, admin, environmentId, params({ sort: 'lockedAt', status: 'locked' }))).strategy).toBe('walk');
    expect((await listUsers(db, admin, environmentId, params({ sort: 'name', status: 'locked' }))).strategy).toBe('planner');
  });

  it('answers narrow searches by collecting, spread-out broad ones by walking, bunched ones by collecting within the budget', async () => {
    const strategy = async (q: string, steps: readonly SearchStep[], sort = 'name') => (await listUsers(db, admin, environmentId, params({ q, sort }), steps)).strategy;
    expect(await strategy('francois', SMALL)).toBe('collect'); // 1 hit
    expect(await strategy('example', SMALL)).toBe('walk'); // everyone: a page within the first rows
    expect(await strategy('zeller', [...SMALL.slice(0, 2), { kind: 'collect', limit: 200 }])).toBe('collect');
    expect(await strategy('zeller', SMALL)).toBe('planner'); // more hits than any budget, none near the start
    expect(await strategy('zeller', SEARCH_STEPS)).toBe('walk'); // a table this small is read by the first walk
    expect(await strategy('zeller', SEARCH_STEPS.slice(1))).toBe('collect');
    expect(await strategy('ze', SEARCH_STEPS.slice(1))).toBe('collect'); // two letters: collected through the trigrams they can make
    expect(await strategy('ze', [{ kind: 'collect', limit: 100 }, SEARCH_STEPS.at(-1)!])).toBe('walk'); // more hits than that budget
    expect(await strategy('a.', SEARCH_STEPS.slice(1))).toBe('walk'); // no trigram in it: the index cannot collect
    expect(await strategy('zeller', [{ kind: 'collect', limit: 10 }, SEARCH_STEPS.at(-1)!])).toBe('walk'); // beyond every budget, it walks on
    expect((await listUsers(db, admin, environmentId, params({ q: 'zeller', sort: 'name', dir: 'desc' }), SMALL)).strategy).toBe('walk'); // at the start of descending order
  });

  it('never sends PostgreSQL a value it refuses, whatever the URL holds', async () => {
    const cursor = (values: unknown) => Buffer.from(JSON.stringify(values)).toString('base64url');
    const uuid = '00000000-0000-4000-8000-000000000000';
    const hostile = [
      ['lastSignIn', cursor(['1', uuid])],
      ['lastSignIn', cursor(['2024-02-30', uuid])],
      ['lastSignIn', cursor(['2024-02-30 00:00:00+00', uuid])],
      ['lastSignIn', cursor(['+275760-09-13T00:00:00.000Z', uuid])],
      ['lastSignIn', cursor(['275760-09-13 00:00:00+00', uuid])],
      ['lastSignIn', cursor(['2026-01-01 00:00:00+00\u0000', uuid])],
      ['lastSignIn', cursor([null, uuid])],
      ['lastSignIn', cursor(['2026-01-01 00:00:00+00', `${uuid}\u0000`])],
      ['name', cursor(['a\u0000', 'b', uuid])],
      ['name', cursor(['a', '\ud800', uuid])],
      ['name', cursor(['a', 'b', 'not-a-uuid'])],
      ['name', cursor(['a', 'b'])],
      ['name', cursor({ 0: 'a' })],
      ['email', cursor([1, uuid])],
      ['email', '\u0000'],
      ['email', '%%%'],
      ['email', 'W10'], // "[]"
    ] as const;
    const first = await listUsers(db, admin, environmentId, params({ sort: 'name' }));
    for (const [sort, value] of hostile)
      for (const key of ['after', 'before']) {
        const page = await listUsers(db, admin, environmentId, params({ sort, [key]: value, q: 'e' }));
        expect(page.users.length, `${sort} ${key}=${value}`).toBeGreaterThan(0);
        expect(page.previous, 'a refused cursor is the first page').toBeNull();
      }
    expect(first.users.length).toBe(PAGE_SIZE);
    // A NUL in the search becomes a space (PostgreSQL refuses NUL in text).
    expect((await listUsers(db, admin, environmentId, params({ q: '\u0000francois\u0000' }))).users.map((u) => u.email)).toEqual(['francois@example.test']);
    expect(params({ q: '\u0000' }).q).toBeUndefined();
  });

  it('gives the same pages and cursors whichever way it finds them, sampled or not', async () => {
    const sampled = async () => Number((await rows<{ n: number }>(db, sql`select reltuples as n from pg_class where oid = 'users'::regclass`))[0]!.n) > 0;
    const strategies = new Set<string>();
    for (const analyzed of [false, true]) {
      // Analyzed, the table is sampled: a collect may be skipped, or the walk turned into a read of the table.
      if (analyzed) await db.execute(sql`analyze users`);
      if (!analyzed && (await sampled())) continue;
      for (const q of analyzed ? ['zeller', 'e', 'francois', 'nobody-at-all', '1@', 'ze'] : ['zeller', 'first1', 'ast0', 'e', 'francois', 'nobody-at-all', 'Z', '1@', 'ze'])
        for (const sort of ['name', 'email', 'lastSignIn'])
          for (const dir of ['asc', 'desc']) {
            const raw = { q, sort, dir };
            const expected = await walkPages(raw, []); // the planner's own choice
            expect(expected.flatMap(([ids]) => ids).length, JSON.stringify(raw)).toBeGreaterThanOrEqual(q === 'nobody-at-all' ? 0 : 1);
            for (const steps of analyzed ? [WALK, SMALL, SEARCH_STEPS.slice(1)] : [COLLECT, WALK, SMALL, SEARCH_STEPS]) expect(await walkPages(raw, steps), JSON.stringify({ raw, steps, analyzed })).toEqual(expected);
            strategies.add((await listUsers(db, admin, environmentId, params(raw), SEARCH_STEPS.slice(1))).strategy);
          }
    }
    expect([...strategies].sort()).toEqual(['collect', 'scan', 'walk']);
  });

  it('skips a collect, or reads the table instead of walking, when a sample of the table says another way is cheaper', async () => {
    const run = (q: string, limit: number, dir = 'asc') => listUsers(db, admin, environmentId, params({ q, dir }), [{ kind: 'collect', limit }, { kind: 'walk', limit: null }]);
    // Never analyzed, the table is not sampled: the collect runs (and succeeds within this budget).
    if ((await rows<{ n: number }>(db, sql`select reltuples as n from pg_class where oid = 'users'::regclass`))[0]!.n <= 0)
      expect(await run('ze', 500)).toMatchObject({ strategy: 'collect', skipped: false });
    await db.execute(sql`analyze users`); // the sample scales by the analyzed row count
    // A table this small is sampled whole. Walking a few hundred entries beats fetching 120 hits, and
    // 110 hits are past a budget of 50 whatever their length.
    expect(await run('ze', 500, 'desc')).toMatchObject({ strategy: 'walk', skipped: true });
    expect(await run('zell', 50, 'desc')).toMatchObject({ strategy: 'walk', skipped: true });
    expect(await run('zeller', 50, 'desc')).toMatchObject({ strategy: 'walk', skipped: true });
    // Every Zeller is last in name order: the walk to them would read the whole index, so the table is read.
    expect(await run('zeller', 50)).toMatchObject({ strategy: 'scan', skipped: true });
    // One hit: fetching it beats walking to it.
    expect(await run('francois', 50)).toMatchObject({ strategy: 'collect', skipped: false });
    // Whichever way, the same page.
    const collected = await listUsers(db, admin, environmentId, params({ q: 'ze' }), [{ kind: 'collect', limit: null }]);
    expect((await run('ze', 500)).users.map((u) => u.id)).toEqual(collected.users.map((u) => u.id));
  });
});
