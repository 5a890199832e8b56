// The last-Administrator rule through SOAP when two operations of different kinds race: DeleteUser (a ban)
// of one Administrator and a role change of the other. PostgreSQL only: the transactions must really
// overlap, and the forced orders need a second session holding a row lock.
import { and, eq, inArray } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { environments, roles, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { createApiUser } from '@/lib/api-users/manage';
import { PERMISSIONS } from '@/lib/auth/permissions';
import { handleUsersRequest, USERS_NS } from './users-service';

const meta = { ip: '198.51.100.8', userAgent: 'soap-race' };
const soap = (operation: string, inner: string) =>
  `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${operation} xmlns="${USERS_NS}">${inner}</${operation}></soap:Body></soap:Envelope>`;

let db: Db;
let side: postgres.Sql;
let request: (fields: string) => string;
let ada: string;
let bob: string;

async function call(operation: string, inner: string) {
  const { body } = await handleUsersRequest(db, { body: soap(operation, inner), soapAction: null, meta });
  return typeof body === 'string' ? body : new Response(body).text();
}
const ban = (email: string) => call('DeleteUser', request(`UserName="${email}"`));
const demote = (email: string) => call('UpdateUser', request(`UserName="${email}" Role="User"`));
const done = (xml: string) => /Result Success="true"/.test(xml);
const LAST = 'This would leave the organization without an active Administrator.';

async function bothAdministrators() {
  const [administrator] = await db.select({ id: roles.id }).from(roles).where(eq(roles.name, 'Administrator'));
  await db.update(users).set({ status: 'active', banReason: null, roleId: administrator!.id }).where(inArray(users.email, [ada, bob]));
}
async function activeAdministrators() {
  const [administrator] = await db.select({ id: roles.id }).from(roles).where(eq(roles.name, 'Administrator'));
  return db.select({ email: users.email }).from(users).where(and(eq(users.roleId, administrator!.id), eq(users.status, 'active')));
}

/** Runs `second` while another session holds the row of the user it changes, and `first` meanwhile to its end. */
async function inOrder(first: () => Promise<string>, second: () => Promise<string>, heldEmail: string) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holder = side.begin(async (tx) => {
    await tx`select 1 from users where lower(email) = ${heldEmail} for update`;
    locked();
    await held;
  });
  await isLocked;
  const later = second();
  const earlier = await first();
  release();
  await holder;
  return [earlier, await later] as const;
}

beforeAll(async () => {
  db = await testDb();
  side = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
  const { environmentId } = await setUpOrganization(db);
  ada = 'ada@example.test';
  bob = (await insertUser(db, { email: 'bob.admin@example.test', role: 'Administrator' })).email;
  // The key's creator is an Administrator who is locked: their keys keep working, and they are not an
  // active Administrator, so only Ada and Bob count for the rule.
  const carol = await insertUser(db, { email: 'carol.admin@example.test', role: 'Administrator', status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() });
  const person = { actor: { type: 'user' as const, id: carol.id, label: carol.email }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  const { key } = await db.transaction((tx) =>
    createApiUser(tx, person, { username: 'race-org', description: '', scope: 'organization', environmentIds: [], expiresAt: new Date(Date.now() + 86_400_000), rateLimitPerMinute: 10_000 }),
  );
  const token = /AuthenticationToken="([^"]+)"/.exec(await call('AuthenticateUser', `<AuthenticateUserRequest UserName="race-org" Password="${key}" />`))![1]!;
  const [production] = await db.select().from(environments).where(eq(environments.id, environmentId));
  request = (fields: string) => `<Request ContextIdentifier="${production!.contextIdentifier}" AuthenticationToken="${token}" ${fields} />`;
});

afterAll(async () => {
  await side.end();
});

it('of a ban and a demotion of the last two active Administrators at once, exactly one is done, whichever is which', async () => {
  for (const [banned, demoted] of [[bob, ada], [ada, bob], [bob, ada], [ada, bob]] as const) {
    await bothAdministrators();
    const results = await Promise.all([ban(banned), demote(demoted)]);
    expect(results.filter(done)).toHaveLength(1);
    expect(results.find((r) => !done(r))).toContain(LAST);
    expect(await activeAdministrators()).toHaveLength(1);
  }
});

it('whichever of the two comes second is refused: the ban after the demotion, the demotion after the ban', async () => {
  await bothAdministrators();
  const [demotion, lateBan] = await inOrder(() => demote(ada), () => ban(bob), bob);
  expect(done(demotion)).toBe(true);
  expect(lateBan).toContain(LAST);
  expect(await activeAdministrators()).toEqual([{ email: bob }]);

  await bothAdministrators();
  const [theBan, lateDemotion] = await inOrder(() => ban(bob), () => demote(ada), ada);
  expect(done(theBan)).toBe(true);
  expect(lateDemotion).toContain(LAST);
  expect(await activeAdministrators()).toEqual([{ email: ada }]);
});
