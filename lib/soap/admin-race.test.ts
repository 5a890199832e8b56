// The last-Administrator rule through SOAP when two different operations race: DeleteUser (a ban) of one
// Administrator and a role change of the other, at once. On PostgreSQL the two transactions really overlap.
import { and, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { environments, roles, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { createApiUser } from '@/lib/api-users/manage';
import { PERMISSIONS } from '@/lib/auth/permissions';
import { handleUsersRequest, USERS_NS } from './users-service';

const meta = { ip: '198.51.100.8', userAgent: 'soap-race' };
const soap = (operation: string, inner: string) =>
  `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${operation} xmlns="${USERS_NS}">${inner}</${operation}></soap:Body></soap:Envelope>`;

it('of a ban and a demotion of the last two active Administrators at once, exactly one is done', async () => {
  const db = await testDb();
  const { adminId, environmentId } = await setUpOrganization(db);
  const [production] = await db.select().from(environments).where(eq(environments.id, environmentId));
  const other = await insertUser(db, { email: 'bob.admin@example.test', role: 'Administrator' });
  const [ada] = await db.select().from(users).where(eq(users.id, adminId));
  const person = { actor: { type: 'user' as const, id: ada!.id, label: ada!.email }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  const { key } = await db.transaction((tx) =>
    createApiUser(tx, person, { username: 'race-org', description: '', scope: 'organization', environmentIds: [], expiresAt: new Date(Date.now() + 86_400_000), rateLimitPerMinute: 600 }),
  );
  const call = async (operation: string, inner: string) => {
    const { body } = await handleUsersRequest(db, { body: soap(operation, inner), soapAction: null, meta });
    return typeof body === 'string' ? body : new Response(body).text();
  };
  const signedIn = await call('AuthenticateUser', `<AuthenticateUserRequest UserName="race-org" Password="${key}" />`);
  const token = /AuthenticationToken="([^"]+)"/.exec(signedIn)![1]!;
  const request = (fields: string) => `<Request ContextIdentifier="${production!.contextIdentifier}" AuthenticationToken="${token}" ${fields} />`;

  const results = await Promise.all([call('DeleteUser', request(`UserName="${other.email}"`)), call('UpdateUser', request(`UserName="${ada!.email}" Role="User"`))]);
  expect(results.filter((r) => /Result Success="true"/.test(r))).toHaveLength(1);
  expect(results.find((r) => /Result Success="false"/.test(r))).toContain('This would leave the organization without an active Administrator.');
  const [administrator] = await db.select({ id: roles.id }).from(roles).where(eq(roles.name, 'Administrator'));
  const active = await db.select({ id: users.id }).from(users).where(and(eq(users.roleId, administrator!.id), eq(users.status, 'active')));
  expect(active).toHaveLength(1);
});
