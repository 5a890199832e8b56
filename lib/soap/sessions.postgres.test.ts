// AuthenticationTokens and clocks: a token is checked by the database's clock (resolveSoapToken), so it
// must be timed by it too. PostgreSQL only: PGlite runs in this process and reads its (faked) clock.
import { eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it, vi } from 'vitest';
import type { Db } from '@/db/client';
import { environments, soapSessions } from '@/db/schema';
import { setUpOrganization, TEST_PASSWORD, testDb } from '@/db/testing';
import { hashPassword } from '@/lib/auth/password';
import { hashToken } from '@/lib/auth/tokens';
import { handleUsersRequest, USERS_NS } from './users-service';

const meta = { ip: '198.51.100.9', userAgent: 'soap-clock' };
let db: Db;
let context: string;

async function call(operation: string, inner: string) {
  const body = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${operation} xmlns="${USERS_NS}">${inner}</${operation}></soap:Body></soap:Envelope>`;
  const response = await handleUsersRequest(db, { body, soapAction: null, meta });
  return typeof response.body === 'string' ? response.body : new Response(response.body).text();
}

beforeAll(async () => {
  db = await testDb();
  const { environmentId } = await setUpOrganization(db, await hashPassword(TEST_PASSWORD));
  const [environment] = await db.select().from(environments).where(eq(environments.id, environmentId));
  context = environment!.contextIdentifier;
});

it('gives a token that lives its 60 minutes by the database clock, whatever the app server clock says', async () => {
  for (const offset of [-2, 2]) {
    // This app server's clock hours off the database's: timed by it, a token was born expired, or lived three hours.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + offset * 3_600_000 });
    const authenticated = await call('AuthenticateUser', `<AuthenticateUserRequest UserName="ada@example.test" Password="${TEST_PASSWORD}" />`).finally(() => vi.useRealTimers());
    const token = /AuthenticationToken="([^"]+)"/.exec(authenticated)?.[1];
    expect(token, authenticated).toBeDefined();
    const listed = await call('ListUsers', `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" />`);
    expect(listed, `clock ${offset} hours off`).toContain('<ListUsersResult Success="true">');
    const [lifetime] = await db
      .select({ minutes: sql<number>`round(extract(epoch from ${soapSessions.expiresAt} - now()) / 60)::int` })
      .from(soapSessions)
      .where(eq(soapSessions.tokenHash, hashToken(token!)));
    expect(lifetime!.minutes, `clock ${offset} hours off`).toBe(60);
  }
});
