// The seeder: checks setup before it writes, writes in one transaction, and writes rows the screens
// can show (tags always a JSON array, which the database now enforces), rendered by the real table.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { count, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { beforeAll, describe, expect, it, vi } from 'vitest';
// The list is a client component: outside Next.js its router hooks need stand-ins.
vi.mock('next/navigation', () => ({
  useRouter: () => ({ push() {}, replace() {}, refresh() {} }),
  usePathname: () => '/users',
  useSearchParams: () => new URLSearchParams(),
}));
import { ToastProvider } from '@/components/ui/toast';
import { UserList } from '@/components/users/user-list';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { isSetupComplete } from '@/lib/org/setup';
import { listParamsSchema, listUsers } from '@/lib/users/list';
import type { Db } from './client';
import { environments, organizations, roles, userEnvironments, users } from './schema';
import { NotSetUpError, seedContext, seedPglite, seedPostgres } from './seed';
import { insertUser, setUpOrganization, testDb } from './testing';

let db: Db;
const admin: Principal = { actor: { type: 'system' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
const tally = async () => ({
  environments: (await db.select({ n: count() }).from(environments))[0]!.n,
  users: (await db.select({ n: count() }).from(users))[0]!.n,
  memberships: (await db.select({ n: count() }).from(userEnvironments))[0]!.n,
});

/** What `npm run db:seed` does on each driver: everything in one transaction. */
async function seed(n: number, offset = 0) {
  if (process.env.DATABASE_URL) {
    const client = postgres(process.env.DATABASE_URL, { max: 2, onnotice: () => {} });
    try {
      await seedPostgres(client, seedContext, n, offset);
    } finally {
      await client.end();
    }
  } else {
    await db.transaction(async (tx) => seedPglite(tx, await seedContext(tx), n, offset));
  }
}

beforeAll(async () => {
  db = await testDb();
});

describe('seeding', () => {
  it('before setup writes nothing, even over rows an older seeder left; setup then succeeds', async () => {
    // What the old seeder left behind before it noticed setup was not done.
    await db.insert(environments).values([{ name: 'Production' }, { name: 'Sandbox' }]);
    const before = await tally();
    await expect(seed(25)).rejects.toBeInstanceOf(NotSetUpError);
    await expect(seed(25)).rejects.toThrow('Userdesk is not set up yet, and nothing was written.');
    expect(await tally()).toEqual(before);
    expect(await isSetupComplete(db)).toBe(false);

    await setUpOrganization(db);
    expect(await isSetupComplete(db)).toBe(true);
    expect((await db.select().from(environments)).map((e) => e.name).sort()).toEqual(['Production', 'Sandbox']);
    expect(await db.select().from(organizations)).toHaveLength(1);
  });

  it('after setup adds the users and the missing environment, all or nothing', async () => {
    await seed(300);
    expect(await tally()).toMatchObject({ environments: 3, users: 301 });
    // The same emails again: the load fails on the first duplicate and keeps none of the others.
    await expect(seed(300)).rejects.toThrow();
    expect(await tally()).toMatchObject({ environments: 3, users: 301 });
  });

  it('gives every user a JSON array of tags, and some users tags', async () => {
    const type = sql<string>`jsonb_typeof(${users.tags})`;
    expect(await db.select({ type, n: count() }).from(users).groupBy(type)).toEqual([{ type: 'array', n: 301 }]);
    const [tagged] = await db.select({ n: count() }).from(users).where(sql`jsonb_array_length(${users.tags}) > 0`);
    expect(tagged!.n).toBeGreaterThan(50);
  });

  it('renders every page of All Users with the seeded rows', async () => {
    const [production] = await db.select().from(environments).where(sql`${environments.name} = 'Production'`);
    let params = listParamsSchema.parse({});
    let rendered = 0;
    for (;;) {
      const page = await listUsers(db, admin, production!.id, params);
      const list = createElement(UserList, {
        variant: 'all',
        base: '/users',
        rows: page.users,
        total: { count: 301, exact: true },
        environmentId: production!.id,
        readAt: new Date().toISOString(),
        params: {},
        can: { ban: true, unlock: true, write: true },
        roles: [],
        environments: [],
      });
      const html = renderToStaticMarkup(createElement(ToastProvider, null, list));
      rendered += new Set(page.users.filter((u) => html.includes(`href="/users/${u.id}"`)).map((u) => u.id)).size;
      for (const u of page.users) for (const t of u.tags) expect(html).toContain(`${t.name}=${t.value}`);
      if (!page.next) break;
      params = listParamsSchema.parse({ after: page.next });
    }
    expect(rendered).toBe(301);
  });
});

describe('JSON shape checks (migration json_array_checks)', () => {
  it('refuse tags that are not an array, a profile that is not an object, required fields that are not an array', async () => {
    const user = await insertUser(db, { email: 'shape@example.test' });
    await expect(db.execute(sql`update users set tags = '{}'::jsonb where id = ${user.id}`)).rejects.toThrow();
    await expect(db.execute(sql`update users set tags = '"x"'::jsonb where id = ${user.id}`)).rejects.toThrow();
    await expect(db.execute(sql`update users set profile = '[]'::jsonb where id = ${user.id}`)).rejects.toThrow();
    await expect(db.execute(sql`update roles set required_fields = '{}'::jsonb where built_in`)).rejects.toThrow();
    await db.execute(sql`update users set tags = '[{"name":"A","value":"1"}]'::jsonb where id = ${user.id}`);
  });

  it('repair the rows an older seeder wrote before refusing them', async () => {
    const migration = readFileSync(path.join(process.cwd(), 'db/migrations/0004_json_array_checks.sql'), 'utf8');
    await db.execute(sql`alter table users drop constraint users_tags_is_array`);
    await db.execute(sql`alter table users drop constraint users_profile_is_object`);
    await db.execute(sql`alter table roles drop constraint roles_required_fields_is_array`);
    const empty = await insertUser(db, { email: 'empty-object@example.test' });
    const keyed = await insertUser(db, { email: 'keyed-object@example.test' });
    await db.execute(sql`update users set tags = '{}'::jsonb, profile = 'null'::jsonb where id = ${empty.id}`);
    await db.execute(sql`update users set tags = '{"Department":"Sales","Floor":3}'::jsonb where id = ${keyed.id}`);
    await db.execute(sql`update roles set required_fields = '{}'::jsonb where name = 'User'`);
    for (const statement of migration.split('--> statement-breakpoint')) await db.execute(sql.raw(statement));

    const [e] = await db.select().from(users).where(sql`${users.id} = ${empty.id}`);
    const [k] = await db.select().from(users).where(sql`${users.id} = ${keyed.id}`);
    expect(e).toMatchObject({ tags: [], profile: {} });
    expect(k!.tags).toEqual([{ name: 'Department', value: 'Sales' }, { name: 'Floor', value: '3' }]);
    expect((await db.select().from(roles).where(sql`${roles.name} = 'User'`))[0]!.requiredFields).toEqual([]);
    await expect(db.execute(sql`update users set tags = '{}'::jsonb where id = ${e!.id}`)).rejects.toThrow();
  });
});
