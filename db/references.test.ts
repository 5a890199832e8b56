// The references checked by triggers instead of foreign keys (migration 0028): each refuses what a
// foreign key would, with its error code, and (on PostgreSQL) a delete racing an insert that names the
// deleted row leaves no orphan, whichever comes first.
import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from './client';
import { insertUser, setUpOrganization, testDb } from './testing';
import { sqlState } from '@/lib/import/testing/copy-probe';
import { rows } from '@/lib/db-rows';

let db: Db;
let userId: string;
let environmentId: string;
let roleId: string;

beforeAll(async () => {
  db = await testDb();
  ({ environmentId } = await setUpOrganization(db));
  userId = (await insertUser(db, { email: 'refs@example.test', environmentId })).id;
  [{ id: roleId }] = (await rows<{ id: string }>(db, sql`select id from roles where name = 'User'`)) as [{ id: string }];
});

const failure = (statement: SQL) =>
  db.execute(statement).then(
    () => 'written',
    (error: unknown) => sqlState(error),
  );

const count = async (statement: SQL) => Number((await rows<{ n: number }>(db, statement))[0]!.n);

describe('a reference to nothing is refused as a foreign key would refuse it (23503)', () => {
  it.each([
    ['a membership of no user', () => sql`insert into user_environments values (${randomUUID()}, ${environmentId})`],
    ['a membership of no environment', () => sql`insert into user_environments values (${userId}, ${randomUUID()})`],
    ['a membership moved to no user', () => sql`update user_environments set user_id = ${randomUUID()} where user_id = ${userId}`],
    ['a membership moved to no environment', () => sql`update user_environments set environment_id = ${randomUUID()} where user_id = ${userId}`],
    ['a link for no user', () => sql`insert into user_tokens (user_id, purpose, token_hash, expires_at) values (${randomUUID()}, 'invitation', 'h', now())`],
    [
      'an email for no user',
      () => sql`insert into outbox_messages (kind, to_address, subject, text, html, priority, user_id) values ('invitation', 'a@example.test', 's', 't', 'h', 1, ${randomUUID()})`,
    ],
    ['a user of no role', () => sql`insert into users (email, first_name, last_name, role_id) values ('norole@example.test', 'No', 'Role', ${randomUUID()})`],
    ['a user moved to no role', () => sql`update users set role_id = ${randomUUID()} where id = ${userId}`],
  ])('%s', async (_, statement) => {
    expect(await failure(statement())).toBe('23503');
  });

  it('one bad row among many refuses them all', async () => {
    const good = Array.from({ length: 50 }, () => sql`(${userId}, 'invitation', ${randomUUID()}, now())`);
    const values = sql.join([...good, sql`(${randomUUID()}, 'invitation', 'h2', now())`], sql`, `);
    expect(await failure(sql`insert into user_tokens (user_id, purpose, token_hash, expires_at) values ${values}`)).toBe('23503');
    expect(await count(sql`select count(*)::int as n from user_tokens where user_id = ${userId}`)).toBe(0);
  });

  it('an email for no one in particular (no user) is written', async () => {
    expect(await failure(sql`insert into outbox_messages (kind, to_address, subject, text, html, priority) values ('invitation', 'b@example.test', 's', 't', 'h', 1)`)).toBe('written');
  });
});

describe('what others name stays', () => {
  it('a user is never deleted, nor given another id', async () => {
    expect(await failure(sql`delete from users where id = ${userId}`)).toBe('23001');
    expect(await failure(sql`update users set id = ${randomUUID()} where id = ${userId}`)).toBe('23001');
    expect(await count(sql`select count(*)::int as n from users where id = ${userId}`)).toBe(1);
  });

  it('an environment with members, or a role with users, cannot be deleted; unused ones can', async () => {
    expect(await failure(sql`delete from environments where id = ${environmentId}`)).toBe('23503');
    expect(await failure(sql`delete from roles where id = ${roleId}`)).toBe('23503');
    const [spare] = await rows<{ id: string }>(db, sql`insert into environments (name) values ('Spare') returning id`);
    expect(await failure(sql`delete from environments where id = ${spare!.id}`)).toBe('written');
    const [role] = await rows<{ id: string }>(db, sql`insert into roles (name) values ('Spare role') returning id`);
    expect(await failure(sql`delete from roles where id = ${role!.id}`)).toBe('written');
  });
});

describe.runIf(process.env.VITEST_DB === 'postgres')('a delete racing an insert that names its row', () => {
  // The insert's transaction, held open after its statement, while the delete runs; then released.
  async function race(first: 'insert' | 'delete', insert: (parent: string) => SQL, parent: () => Promise<string>, table: 'environments' | 'roles') {
    const id = await parent();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const ready = new Promise<void>((resolve) => (started = resolve));
    const [one, two] = first === 'insert' ? [insert(id), sql`delete from ${sql.identifier(table)} where id = ${id}`] : [sql`delete from ${sql.identifier(table)} where id = ${id}`, insert(id)];
    const holder = db
      .transaction(async (tx) => {
        await tx.execute(one);
        started();
        await held;
      })
      .then(
        () => 'written',
        (error: unknown) => sqlState(error),
      );
    await ready;
    const second = failure(two);
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    return [await holder, await second];
  }

  const newEnvironment = async () => (await rows<{ id: string }>(db, sql`insert into environments (name) values (${`Race ${randomUUID()}`}) returning id`))[0]!.id;
  const newRole = async () => (await rows<{ id: string }>(db, sql`insert into roles (name) values (${`Race ${randomUUID()}`}) returning id`))[0]!.id;
  const membership = (id: string) => sql`insert into user_environments values (${userId}, ${id})`;
  const holder = (id: string) => sql`insert into users (email, first_name, last_name, role_id) values (${`${randomUUID()}@example.test`}, 'Race', 'Holder', ${id})`;

  it.each([
    ['an environment', 'insert', membership, newEnvironment, 'environments'],
    ['an environment', 'delete', membership, newEnvironment, 'environments'],
    ['a role', 'insert', holder, newRole, 'roles'],
    ['a role', 'delete', holder, newRole, 'roles'],
  ] as const)('%s: the %s first wins and the other fails', async (_, first, insert, parent, table) => {
    expect(await race(first, insert, parent, table)).toEqual(['written', '23503']);
  });
});
