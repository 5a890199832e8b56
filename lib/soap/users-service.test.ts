import { and, eq, sql } from 'drizzle-orm';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, environments, roles, soapSessions, users } from '@/db/schema';
import { insertUser, setUpOrganization, TEST_PASSWORD, testDb } from '@/db/testing';
import { hashPassword } from '@/lib/auth/password';
import { handleUsersRequest, USERS_NS } from './users-service';
import { usersWsdl } from './wsdl';
import { escapeXml, SoapFault } from './xml';

let db: Db;
let environmentId: string;
let context: string;
let passwordHash: string;
const meta = { ip: '198.51.100.7', userAgent: 'soap-test' };

const responseParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', removeNSPrefix: true, isArray: (n) => ['User', 'UserException', 'UserAccount', 'UserTag'].includes(n) });

type Node = Record<string, unknown>;
type Result = Node & { Success: string; Exceptions: Node | string };

const soap = (operation: string, inner: string) =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${operation} xmlns="${USERS_NS}">${inner}</${operation}></soap:Body></soap:Envelope>`;

async function text(body: string | ReadableStream<Uint8Array>) {
  return typeof body === 'string' ? body : new Response(body).text();
}

async function call(operation: string, inner: string, soapAction: string | null = `${USERS_NS}/IUserService/${operation}`) {
  const response = await handleUsersRequest(db, { body: soap(operation, inner), soapAction, meta });
  const xml = await text(response.body);
  const parsed = responseParser.parse(xml) as Node;
  const body = (parsed.Envelope as Node).Body as Node;
  const result = (body[`${operation}Response`] as Node)[`${operation}Result`] as Result;
  const exceptions = typeof result.Exceptions === 'object' ? ((result.Exceptions as Node).UserException as Node[] | undefined) ?? [] : [];
  return { status: response.status, xml, result, exceptions: exceptions.map((e) => ({ severity: e.Severity, message: String(e['#text']) })) };
}

const authenticate = (userName: string, password: string) =>
  call('AuthenticateUser', `<AuthenticateUserRequest UserName="${escapeXml(userName)}" Password="${escapeXml(password)}" />`);

async function tokenFor(email: string) {
  const { result } = await authenticate(email, TEST_PASSWORD);
  expect(result.Success).toBe('true');
  return String(result.AuthenticationToken);
}

async function fault(body: string, soapAction: string | null = null) {
  return handleUsersRequest(db, { body, soapAction, meta }).then(
    () => null,
    (e: unknown) => e,
  ) as Promise<SoapFault | null>;
}

beforeAll(async () => {
  db = await testDb();
  passwordHash = await hashPassword(TEST_PASSWORD);
  ({ environmentId } = await setUpOrganization(db, passwordHash));
  const [env] = await db.select().from(environments).where(eq(environments.id, environmentId));
  context = env!.contextIdentifier;
});

describe('AuthenticateUser', () => {
  it('gives a token and the accounts of a user with the right password; only its hash is stored', async () => {
    const { result, exceptions } = await authenticate('ADA@example.test', TEST_PASSWORD);
    expect(exceptions).toEqual([]);
    expect(result).toMatchObject({ Success: 'true', UserName: 'ada@example.test', FirstName: 'Ada', LastName: 'Admin' });
    const accounts = ((result.Accounts as Node).UserAccount as Node[]);
    expect(accounts[0]).toMatchObject({ ContextIdentifier: context, IsPrimary: 'true', Name: 'Production' });
    const token = String(result.AuthenticationToken);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await db.select().from(soapSessions);
    expect(stored.some((s) => s.tokenHash === token)).toBe(false);
  });

  it('refuses a wrong password without saying whether the account exists, and counts the attempt', async () => {
    const user = await insertUser(db, { email: 'wrong-pass@example.test', passwordHash, environmentId });
    const wrong = await authenticate(user.email, 'not-the-password');
    const unknown = await authenticate('nobody@example.test', 'not-the-password');
    for (const r of [wrong, unknown]) {
      expect(r.result.Success).toBe('false');
      expect(r.result.AuthenticationToken).toBeUndefined();
      expect(r.exceptions).toEqual([{ severity: 'Error', message: 'The email or password is incorrect.' }]);
    }
    const [after] = await db.select().from(users).where(eq(users.id, user.id));
    expect(after!.failedAttempts).toBe(1);
  });

  it('refuses a missing or empty Password by name, and counts nothing against the account', async () => {
    const user = await insertUser(db, { email: 'no-pass-given@example.test', passwordHash, environmentId });
    for (const inner of [`<AuthenticateUserRequest UserName="${user.email}" />`, `<AuthenticateUserRequest UserName="${user.email}" Password="" />`]) {
      const { result, exceptions } = await call('AuthenticateUser', inner);
      expect(result.Success).toBe('false');
      expect(exceptions).toEqual([{ severity: 'Error', message: 'Password is required.' }]);
    }
    const [after] = await db.select().from(users).where(eq(users.id, user.id));
    expect(after!.failedAttempts).toBe(0);
    expect(await db.select().from(auditEvents).where(and(eq(auditEvents.targetId, user.id), eq(auditEvents.action, 'auth.sign_in_failed')))).toHaveLength(0);
  });

  it('refuses a user who must choose a new password first', async () => {
    const user = await insertUser(db, { email: 'must-change@example.test', passwordHash, requirePasswordChange: true, environmentId });
    const { result, exceptions } = await authenticate(user.email, TEST_PASSWORD);
    expect(result.Success).toBe('false');
    expect(result.AuthenticationToken).toBeUndefined();
    expect(exceptions[0]!.message).toContain('choose a new password');
  });
});

/** A ListUsers by `token` read one chunk at a time; `during` runs once the first batch has arrived. */
async function listWhile(token: string, during: () => Promise<unknown>) {
  const response = await handleUsersRequest(db, { body: soap('ListUsers', `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" />`), soapAction: null, meta });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let xml = decoder.decode((await reader.read()).value, { stream: true });
  await during();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) xml += decoder.decode(chunk.value, { stream: true });
  const result = ((responseParser.parse(xml) as Node).Envelope as Node).Body as Node;
  const listed = (((result.ListUsersResponse as Node).ListUsersResult as Node).Users as Node).User as Node[];
  const exceptions = (((result.ListUsersResponse as Node).ListUsersResult as Node).Exceptions as Node).UserException as Node[] | undefined;
  return { listed: listed.filter((u) => String(u.UserName).startsWith('bulk-')).length, exceptions: (exceptions ?? []).map((e) => ({ severity: e.Severity, message: String(e['#text']) })) };
}

describe('ListUsers', () => {
  it('lists the users of the account, every batch exactly once, escaped on the wire', async () => {
    const many = Array.from({ length: 1_203 }, (_, i) => ({
      email: `bulk-${String(i).padStart(4, '0')}@example.test`,
      firstName: 'Bulk',
      lastName: `<Row & "${i}">`,
    }));
    const [userRole] = await db.select().from(roles).where(eq(roles.name, 'User'));
    const inserted = await db.insert(users).values(many.map((u) => ({ ...u, roleId: userRole!.id, status: 'active' as const, tags: [{ name: 'ExternalUserId', value: u.email }] }))).returning({ id: users.id });
    const { userEnvironments } = await import('@/db/schema');
    await db.insert(userEnvironments).values(inserted.map((u) => ({ userId: u.id, environmentId })));
    const token = await tokenFor('ada@example.test');

    const { result } = await call('ListUsers', `<Request ContextIdentifier="${context.toUpperCase()}" AuthenticationToken="${token}" />`);
    expect(result.Success).toBe('true');
    const listed = ((result.Users as Node).User as Node[]);
    const bulk = listed.filter((u) => String(u.UserName).startsWith('bulk-'));
    expect(bulk).toHaveLength(1_203);
    expect(new Set(bulk.map((u) => u.UserName)).size).toBe(1_203);
    // Listed in id order (see listAll), not by name.
    const seventh = bulk.find((u) => u.UserName === 'bulk-0007@example.test');
    expect(seventh).toMatchObject({ LastName: '<Row & "7">', Role: 'User', Inactive: 'false', Locked: 'false' });
    expect(((seventh!.Tags as Node).UserTag as Node[])[0]).toEqual({ Name: 'ExternalUserId', Value: 'bulk-0007@example.test' });
    expect(listed.some((u) => u.UserName === 'ada@example.test')).toBe(true);
  });

  it('lists each user exactly once while users are renamed during the walk, as a sync client needs (a missing user reads as a removed one)', async () => {
    const token = await tokenFor('ada@example.test');
    const response = await handleUsersRequest(db, { body: soap('ListUsers', `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" />`), soapAction: null, meta });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let xml = '';
    const first = await reader.read();
    xml += decoder.decode(first.value, { stream: true });
    // Between batches: one user not listed yet takes a name at the start of the alphabet, one already listed one at its end.
    const listed = [...xml.matchAll(/UserName="(bulk-\d+@example\.test)"/g)].map((m) => m[1]!);
    const notYet = Array.from({ length: 1_203 }, (_, i) => `bulk-${String(i).padStart(4, '0')}@example.test`).filter((e) => !listed.includes(e));
    expect(listed.length).toBeGreaterThan(0);
    expect(notYet.length).toBeGreaterThan(0);
    const [before, after] = [notYet.at(-1)!, listed[0]!];
    await db.update(users).set({ email: `aaa-${before}` }).where(eq(users.email, before));
    await db.update(users).set({ email: `zzz-${after}` }).where(eq(users.email, after));
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) xml += decoder.decode(chunk.value, { stream: true });
    const names = [...xml.matchAll(/<User UserName="([^"]+)"/g)].map((m) => m[1]!);
    for (const email of [before, after]) expect(names.filter((n) => n.endsWith(email)), email).toHaveLength(1);
    expect(names.filter((n) => n.includes('bulk-'))).toHaveLength(1_203);
    expect(new Set(names).size).toBe(names.length);
    await db.update(users).set({ email: before }).where(eq(users.email, `aaa-${before}`));
    await db.update(users).set({ email: after }).where(eq(users.email, `zzz-${after}`));
  });

  it('stops a listing under way once its caller is banned: the rest is not sent, and the result says why, Fatal', async () => {
    const streamer = await insertUser(db, { email: 'soap-streamer@example.test', role: 'Account Manager', passwordHash, environmentId });
    const token = await tokenFor(streamer.email);
    const { listed, exceptions } = await listWhile(token, () =>
      db.update(users).set({ status: 'banned', banReason: 'Left', sessionVersion: sql`${users.sessionVersion} + 1` }).where(eq(users.id, streamer.id)),
    );
    expect(listed).toBeLessThan(1_203);
    expect(exceptions).toEqual([{ severity: 'Fatal', message: expect.stringMatching(/^The AuthenticationToken is missing, expired or no longer valid\. .*This list is incomplete/) }]);
  });

  it('stops a listing under way once the caller loses the account or the right to read its users', async () => {
    const demoted = await insertUser(db, { email: 'soap-demoted@example.test', role: 'Administrator', passwordHash });
    const token = await tokenFor(demoted.email);
    const [plain] = await db.select().from(roles).where(eq(roles.name, 'User'));
    // A role change ends sessions; the token's session is kept here to see the right itself re-checked.
    const { listed, exceptions } = await listWhile(token, () => db.update(users).set({ roleId: plain!.id }).where(eq(users.id, demoted.id)));
    expect(listed).toBeLessThan(1_203);
    expect(exceptions).toEqual([{ severity: 'Fatal', message: expect.stringMatching(/This list is incomplete/) }]);
  });

  it('paces a listing\'s later batches by a budget of its caller\'s own: each is charged, and over the budget the stream waits, then ends whole', async () => {
    const { rateLimits, userEnvironments } = await import('@/db/schema');
    const [userRole] = await db.select().from(roles).where(eq(roles.name, 'User'));
    const many = await db
      .insert(users)
      .values(Array.from({ length: 1001 }, (_, i) => ({ email: `paced${i}@example.test`, firstName: 'Pa', lastName: 'Ced', roleId: userRole!.id, status: 'invited' as const })))
      .returning({ id: users.id });
    await db.insert(userEnvironments).values(many.map((u) => ({ userId: u.id, environmentId })));
    const reader = await insertUser(db, { email: 'pace.reader@example.test', role: 'Account Manager', passwordHash, environmentId });
    const token = await tokenFor(reader.email);
    const key = `soap-list:user:${reader.id}`;
    // The budget spent to its last unit: the stream must wait for units to drain, then go on.
    await db.insert(rateLimits).values({ key, windowStart: new Date(), count: 600 });
    const started = Date.now();
    const { result, exceptions } = await call('ListUsers', `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" />`);
    expect(exceptions).toEqual([]);
    const listed = ((result.Users as Node).User as Node[]).filter((u) => String(u.UserName).startsWith('paced'));
    expect(listed).toHaveLength(1001);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    // Then, from an empty budget: the first batch is the request's, each later one (two more) is charged.
    await db.delete(rateLimits).where(eq(rateLimits.key, key));
    await call('ListUsers', `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" />`);
    const [row] = await db.select().from(rateLimits).where(eq(rateLimits.key, key));
    expect(row!.count).toBeGreaterThanOrEqual(2);
  });

  it('shows locked, inactive and banned users as such', async () => {
    await insertUser(db, { email: 'shown-locked@example.test', status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(), environmentId });
    await insertUser(db, { email: 'shown-banned@example.test', status: 'banned', banReason: 'x', environmentId });
    const token = await tokenFor('ada@example.test');
    const { result } = await call('ListUsers', `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" />`);
    const listed = ((result.Users as Node).User as Node[]);
    expect(listed.find((u) => u.UserName === 'shown-locked@example.test')).toMatchObject({ Locked: 'true', Inactive: 'false' });
    expect(listed.find((u) => u.UserName === 'shown-banned@example.test')).toMatchObject({ Locked: 'false', Inactive: 'true' });
  });

  it('refuses missing, forged and ended tokens, and accounts the caller cannot use, alike', async () => {
    const manager = await insertUser(db, { email: 'soap-manager@example.test', role: 'Account Manager', passwordHash, environmentId });
    const [sandbox] = await db.insert(environments).values({ name: 'SOAP Sandbox' }).returning();
    const managerToken = await tokenFor(manager.email);
    const cases = [
      `<Request ContextIdentifier="${context}" />`,
      `<Request ContextIdentifier="${context}" AuthenticationToken="${'A'.repeat(43)}" />`,
      `<Request ContextIdentifier="${context}" AuthenticationToken="' or 1=1 --" />`,
      `<Request ContextIdentifier="${sandbox!.contextIdentifier}" AuthenticationToken="${managerToken}" />`,
      `<Request ContextIdentifier="not-a-guid" AuthenticationToken="${managerToken}" />`,
      `<Request ContextIdentifier="${crypto.randomUUID()}" AuthenticationToken="${managerToken}" />`,
    ];
    for (const request of cases) {
      const { result, exceptions } = await call('ListUsers', request);
      expect(result.Success).toBe('false');
      expect(result.Users).toBeUndefined();
      expect(exceptions[0]!.severity).toBe('Fatal');
    }
    // A ban ends the token at its next use, as it ends portal sessions.
    const admin = (await db.select().from(users).where(eq(users.email, 'ada@example.test')))[0]!;
    const { sql } = await import('drizzle-orm');
    await db.update(users).set({ sessionVersion: sql`${users.sessionVersion} + 1` }).where(eq(users.id, manager.id));
    const ended = await call('ListUsers', `<Request ContextIdentifier="${context}" AuthenticationToken="${managerToken}" />`);
    expect(ended.result.Success).toBe('false');
    expect(admin.status).toBe('active');
  });

  it('refuses callers without permission to read users', async () => {
    const plain = await insertUser(db, { email: 'plain-soap@example.test', passwordHash, environmentId });
    const token = await tokenFor(plain.email);
    const { result, exceptions } = await call('ListUsers', `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" />`);
    expect(result.Success).toBe('false');
    expect(exceptions[0]!.message).toBe('You do not have permission to do that.');
  });
});

describe('hostile requests', () => {
  it('refuses DTDs and entities (XXE, billion laughs) before parsing', async () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>${soap('ListUsers', '<Request ContextIdentifier="&lol2;" />').replace('<?xml version="1.0" encoding="utf-8"?>', '')}`;
    const xxe = `<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${soap('AuthenticateUser', '<AuthenticateUserRequest UserName="&xxe;" Password="x" />').replace('<?xml version="1.0" encoding="utf-8"?>', '')}`;
    for (const body of [laughs, xxe]) {
      const e = await fault(body);
      expect(e).toBeInstanceOf(SoapFault);
      expect(e!.message).toBe('DTDs and entity declarations are not allowed.');
    }
  });

  it('answers malformed envelopes, unknown operations and a mismatched SOAPAction with a Client fault', async () => {
    const cases: [string, string | null, RegExp][] = [
      ['<soap:Envelope><soap:Body>', null, /not well-formed/],
      ['', null, /not well-formed|not a SOAP/],
      ['<a/>', null, /not a SOAP 1.1 envelope/],
      [soap('DropDatabase', '<Request />'), null, /Unknown operation DropDatabase/],
      [soap('ListUsers', '<Request />'), `"${USERS_NS}/IUserService/CreateUser"`, /does not match/],
      [soap('ListUsers', ''), null, /needs a Request element/],
      // The parser's own refusals are the client's fault too, not a server error.
      [soap('ListUsers', `${'<a>'.repeat(200)}${'</a>'.repeat(200)}`), null, /could not be read: Maximum nested tags exceeded/],
      // Deeper still, it holds more markup than any request of this service, and is refused before parsing.
      [soap('ListUsers', `${'<a>'.repeat(1000)}${'</a>'.repeat(1000)}`), null, /more than 1000 tags and other markup/],
      [soap('ListUsers', '<Request><__proto__>x</__proto__></Request>'), null, /could not be read: Invalid name: "__proto__"/],
      [soap('ListUsers', '<Request><constructor /></Request>'), null, /could not be read/],
    ];
    for (const [body, action, message] of cases) {
      const e = await fault(body, action);
      expect(e).toBeInstanceOf(SoapFault);
      expect(e!.code).toBe('Client');
      expect(e!.message).toMatch(message);
    }
  });

  it('refuses an operation outside the service namespace, and a request with a character XML does not allow', async () => {
    const cases: [string, RegExp][] = [
      [soap('ListUsers', '<Request />').replace(` xmlns="${USERS_NS}"`, ''), /^The operation ListUsers is in no namespace: this service's operations are in https:\/\/www\.assuresign\.net/],
      [soap('ListUsers', '<Request />').replace(USERS_NS, 'urn:other'), /^The operation ListUsers is in the namespace urn:other:/],
      [soap('AuthenticateUser', '<AuthenticateUserRequest UserName="ada&#0;@example.test" Password="x" />'), /&#0; refers to a character XML does not allow/],
      [soap('AuthenticateUser', '<AuthenticateUserRequest UserName="ada\uFFFF@example.test" Password="x" />'), /U\+FFFF, a character XML does not allow/],
    ];
    for (const [body, message] of cases) {
      const e = await fault(body);
      expect(e).toBeInstanceOf(SoapFault);
      expect(e!.code).toBe('Client');
      expect(e!.message).toMatch(message);
    }
    const version = await fault(soap('ListUsers', '<Request />').replace('http://schemas.xmlsoap.org/soap/envelope/', 'http://www.w3.org/2003/05/soap-envelope'));
    expect(version).toMatchObject({ code: 'VersionMismatch', httpStatus: 500 });
  });

  it('reads a request whatever prefixes it uses for the SOAP and service namespaces', async () => {
    const token = await tokenFor('ada@example.test');
    const body =
      `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><u:ListUsers xmlns:u="${USERS_NS}">` +
      `<u:Request ContextIdentifier="${context}" AuthenticationToken="${token}" /></u:ListUsers></s:Body></s:Envelope>`;
    const response = await handleUsersRequest(db, { body, soapAction: null, meta });
    expect(await text(response.body)).toContain('<ListUsersResult Success="true">');
  });

  it('accepts a quoted SOAPAction and decodes character references in values', async () => {
    const { result } = await call(
      'AuthenticateUser',
      `<AuthenticateUserRequest UserName="ada&#64;example.test" Password="${escapeXml(TEST_PASSWORD)}" />`,
      `"${USERS_NS}/IUserService/AuthenticateUser"`,
    );
    expect(result.Success).toBe('true');
  });
});

describe('the WSDL', () => {
  const wsdlParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', removeNSPrefix: true, isArray: (n) => ['complexType', 'element', 'attribute'].includes(n) });
  const schema = ((wsdlParser.parse(usersWsdl('http://localhost/')) as Node).definitions as Node).types as Node;
  const types = (schema.schema as Node).complexType as Node[];
  const typeNamed = (name: string) => types.find((t) => t.name === name)!;
  const attributesOf = (type: Node) => ((type.attribute as Node[] | undefined) ?? []).map((a) => String(a.name));
  const elementsOf = (type: Node) => (((type.sequence as Node | undefined)?.element as Node[] | undefined) ?? []).map((e) => String(e.name));
  const nil = 'xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

  /** A request as a client generated from the WSDL writes it: every attribute it declares, every element it declares, in its order. */
  function fromWsdl(operation: string, values: Record<string, string>) {
    const operationElement = ((schema.schema as Node).element as Node[]).find((e) => e.name === operation)!;
    const requestElement = ((operationElement.complexType as Node[])[0]!.sequence as Node).element as Node[];
    const type = typeNamed(`${operation}Request`);
    const attributes = attributesOf(type).map((name) => {
      expect(values, `${operation} ${name}`).toHaveProperty(name);
      return `${name}="${escapeXml(values[name]!)}"`;
    });
    const elements = elementsOf(type).map((name) => (name === 'Tags' ? '<Tags><UserTag Name="ExternalUserId" Value="wsdl" /></Tags>' : `<${name} ${nil} />`));
    return `<${String(requestElement[0]!.name)} ${attributes.join(' ')}>${elements.join('')}</${String(requestElement[0]!.name)}>`;
  }

  it('describes every field each operation reads, so that a request a client builds from it is read field for field', async () => {
    const auth = await call('AuthenticateUser', fromWsdl('AuthenticateUser', { UserName: 'ada@example.test', Password: TEST_PASSWORD }));
    expect(auth.exceptions).toEqual([]);
    const token = String(auth.result.AuthenticationToken);
    const caller = { ContextIdentifier: context, AuthenticationToken: token };
    const person = { FirstName: 'Wes', LastName: 'Dl', Password: 'Described-Precisely-42', Role: 'User' };

    const created = await call('CreateUser', fromWsdl('CreateUser', { ...caller, ...person, UserName: 'wsdl.client@example.test' }));
    expect(created.exceptions).toEqual([]);
    const updated = await call('UpdateUser', fromWsdl('UpdateUser', { ...caller, ...person, Password: 'Described-Again-Precisely-43', UserName: 'wsdl.client@example.test', NewUserName: 'wsdl.renamed@example.test' }));
    expect(updated.exceptions).toEqual([]);
    const listed = await call('ListUsers', fromWsdl('ListUsers', caller));
    expect(listed.exceptions).toEqual([]);
    const deleted = await call('DeleteUser', fromWsdl('DeleteUser', { ...caller, UserName: 'wsdl.renamed@example.test' }));
    expect(deleted.result.Success).toBe('true');
    expect((await db.select().from(users).where(eq(users.email, 'wsdl.renamed@example.test')))[0]).toMatchObject({ status: 'banned', tags: [{ name: 'ExternalUserId', value: 'wsdl' }] });

    // What the service answers is what the WSDL says it answers.
    const declared = (type: string) => attributesOf(typeNamed(type));
    // The response parser reads attributes and elements alike; <Exceptions /> reads as an empty string.
    const answered = (node: Node) => Object.keys(node).filter((k) => typeof node[k] === 'string' && !['#text', 'Exceptions', 'Tags'].includes(k));
    expect(declared('AuthenticateUserResult')).toEqual(expect.arrayContaining(answered(auth.result)));
    expect(answered(auth.result)).toContain('AuthenticationToken');
    expect(elementsOf(typeNamed('AuthenticateUserResult'))).toEqual(['Accounts', 'Exceptions']);
    const accounts = (auth.result.Accounts as Node).UserAccount as Node[];
    expect(declared('UserAccount')).toEqual(expect.arrayContaining(Object.keys(accounts[0]!)));
    const user = ((listed.result.Users as Node).User as Node[]).find((u) => u.UserName === 'wsdl.renamed@example.test')!;
    expect(declared('User')).toEqual(expect.arrayContaining(answered(user)));
    for (const operation of ['CreateUser', 'UpdateUser', 'DeleteUser', 'ListUsers']) expect(declared(`${operation}Result`)).toEqual(['Success']);
  });
});

describe('CreateUser, UpdateUser and DeleteUser', () => {
  let token: string;
  beforeAll(async () => {
    token = await tokenFor('ada@example.test');
  });
  const request = (fields: string, children = '') =>
    `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" ${fields}>${children}</Request>`;
  const userNamed = async (email: string) => (await db.select().from(users).where(eq(users.email, email)))[0];

  it('reads xml:lang as the XML recommendation binds it (no declaration needed, never a field), and an xsi: prefix bound elsewhere is no xsi:nil', async () => {
    const target = await insertUser(db, { email: 'namespaced.soap@example.test', passwordHash, environmentId });
    const renamed = await call('UpdateUser', request(`UserName="${target.email}" xml:lang="en"`, '<FirstName xml:space="preserve">Lang</FirstName>'));
    expect(renamed.exceptions).toEqual([]);
    expect(await userNamed(target.email)).toMatchObject({ firstName: 'Lang', status: 'active' });
    // <Inactive xsi:nil="true"/> with xsi bound to another namespace is an empty Inactive, refused, not "leave it as it is".
    const forged = await call('UpdateUser', request(`UserName="${target.email}" xmlns:xsi="urn:not-xml-schema"`, '<Inactive xsi:nil="true"/>'));
    expect(forged.result.Success).toBe('false');
    expect(JSON.stringify(forged.exceptions)).toContain('Inactive');
  });

  it('creates an invited user in the account of the ContextIdentifier, with tags, audited as the caller', async () => {
    const { result, exceptions } = await call(
      'CreateUser',
      request('UserName="new.soap@example.test" FirstName="Nia" LastName="New" Role="user"', '<Tags><UserTag Name="ExternalUserId" Value="77" /></Tags>'),
    );
    expect(exceptions).toEqual([]);
    expect(result.Success).toBe('true');
    const user = await userNamed('new.soap@example.test');
    expect(user).toMatchObject({ status: 'invited', firstName: 'Nia', tags: [{ name: 'ExternalUserId', value: '77' }], environmentIds: [environmentId] });
    const { auditEvents } = await import('@/db/schema');
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.targetId, user!.id));
    expect(event).toMatchObject({ action: 'user.created', actorLabel: 'ada@example.test', ip: meta.ip });
  });

  it('a person signed in as themselves cannot set their own password here, and is told so as a person (not as a key)', async () => {
    const { result, exceptions } = await call('UpdateUser', request('UserName="ada@example.test"', '<Password>Another-Sturdy-Passphrase-5</Password>'));
    expect(result.Success).toBe('false');
    expect(exceptions).toEqual([{ severity: 'Error', message: expect.stringMatching(/^You cannot set your own password here: change it in the portal/) }]);
    expect((await userNamed('ada@example.test'))!.passwordHash).toBe(passwordHash);
  });

  it('names the field of every bad value, and writes nothing', async () => {
    const cases: [string, string, RegExp][] = [
      ['UserName="bad1@example.test" FirstName="A" LastName="B" Role="Emperor"', '', /^Role: there is no role named "Emperor"/],
      ['UserName="bad2@example.test" FirstName="A" LastName="B" Role="User"', '<RequirePasswordChange>yes</RequirePasswordChange>', /^RequirePasswordChange must be true or false/],
      ['UserName="bad3@example.test" FirstName="A" LastName="B" Role="User" Password="short"', '', /^Password: /],
      ['UserName="not-an-email" FirstName="A" LastName="B" Role="User"', '', /^UserName: /],
      ['FirstName="A" LastName="B" Role="User"', '', /^UserName is required/],
    ];
    for (const [fields, children, message] of cases) {
      const { result, exceptions } = await call('CreateUser', request(fields, children));
      expect(result.Success).toBe('false');
      expect(exceptions.map((e) => e.message).join(' | ')).toMatch(message);
    }
    for (const email of ['bad1@example.test', 'bad2@example.test', 'bad3@example.test']) expect(await userNamed(email)).toBeUndefined();
  });

  it('unlocks with Locked=false, renames with NewUserName, and ignores nil fields', async () => {
    await insertUser(db, { email: 'locked.soap@example.test', status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(), failedAttempts: 10, environmentId });
    const nil = 'p2:nil="true" xmlns:p2="http://www.w3.org/2001/XMLSchema-instance"';
    const { exceptions } = await call(
      'UpdateUser',
      request('UserName="LOCKED.soap@example.test"', `<NewUserName>renamed.soap@example.test</NewUserName><Locked>false</Locked><Inactive ${nil} /><RequirePasswordChange ${nil} />`),
    );
    expect(exceptions).toEqual([]);
    const user = await userNamed('renamed.soap@example.test');
    expect(user).toMatchObject({ status: 'active', failedAttempts: 0, requirePasswordChange: false });
  });

  it('a change is made with the person as they are when it is made: a demotion committed after their token was checked refuses it', async () => {
    const manager = await insertUser(db, { email: 'demoted.soap@example.test', role: 'Account Manager', passwordHash, environmentId });
    const managerToken = await tokenFor(manager.email);
    const [userRole] = await db.select().from(roles).where(eq(roles.name, 'User'));
    // The demotion (which ends their sessions) commits between the token's check and the change's transaction:
    // another request, on this instance or another.
    const demoteFirst = async (work: Parameters<Db['transaction']>[0]) => {
      await db.update(users).set({ roleId: userRole!.id, sessionVersion: sql`${users.sessionVersion} + 1` }).where(eq(users.id, manager.id));
      return db.transaction(work);
    };
    const racing = Object.create(db, { transaction: { value: demoteFirst } }) as Db;
    const body = soap('CreateUser', `<Request ContextIdentifier="${context}" AuthenticationToken="${managerToken}" UserName="raced.soap@example.test" FirstName="Rae" LastName="Ced" Role="User" />`);
    const xml = await text((await handleUsersRequest(racing, { body, soapAction: null, meta })).body);
    expect(xml).toContain('<CreateUserResult Success="false">');
    expect(xml).toContain('The AuthenticationToken is missing, expired or no longer valid.');
    expect(await userNamed('raced.soap@example.test')).toBeUndefined();
  });

  // The state in between: the change has confirmed its caller, and another instance bans them before it
  // commits. The caller's row is held (FOR SHARE) for the change's transaction, so the ban waits for the
  // change to commit and then ends the token; it never lands in between, leaving a change made by
  // someone already banned. The embedded database has one connection: nothing runs beside it there.
  it.skipIf(process.env.VITEST_DB !== 'postgres')('a ban of the caller made while their change is written waits for it to commit (the caller is held FOR SHARE)', async () => {
    const manager = await insertUser(db, { email: 'held.soap@example.test', role: 'Account Manager', passwordHash, environmentId });
    const managerToken = await tokenFor(manager.email);
    const { default: postgres } = await import('postgres');
    const side = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    const tried: string[] = [];
    try {
      // A ban tried from another connection once the change's work is done, still inside its transaction.
      const banInside = (work: Parameters<Db['transaction']>[0]) =>
        db.transaction(async (tx) => {
          const result = await work(tx);
          const ban = side.begin(async (other) => {
            await other`set local lock_timeout = '300ms'`;
            await other`update users set status = 'banned', ban_reason = 'raced' where id = ${manager.id}`;
          });
          tried.push(await ban.then(() => 'banned', (e: { code?: string }) => (e.code === '55P03' ? 'waited' : `failed ${e.code}`)));
          return result;
        });
      const racing = Object.create(db, { transaction: { value: banInside } }) as Db;
      const body = soap('CreateUser', `<Request ContextIdentifier="${context}" AuthenticationToken="${managerToken}" UserName="held.created@example.test" FirstName="Hel" LastName="D" Role="User" />`);
      const xml = await text((await handleUsersRequest(racing, { body, soapAction: null, meta })).body);
      expect(xml).toContain('<CreateUserResult Success="true">');
      expect(tried).toEqual(['waited']);
      // Once the change has committed, the ban goes through, and the token is ended.
      await side`update users set status = 'banned', ban_reason = 'after' where id = ${manager.id}`;
      expect((await call('ListUsers', `<Request ContextIdentifier="${context}" AuthenticationToken="${managerToken}" />`)).result.Success).toBe('false');
    } finally {
      await side.end();
    }
  });

  // Each change holds its caller FOR SHARE, then locks the user it changes: two managers changing each
  // other at once can each wait on the other's hold, and PostgreSQL ends one as a deadlock. That change
  // is run again, as the portal's actions are, instead of answering a Server fault.
  it.skipIf(process.env.VITEST_DB !== 'postgres')('two people changing each other at once both succeed (a deadlock between them is retried, not a fault)', async () => {
    const a = await insertUser(db, { email: 'mutual.a@example.test', role: 'Account Manager', passwordHash, environmentId });
    const b = await insertUser(db, { email: 'mutual.b@example.test', role: 'Account Manager', passwordHash, environmentId });
    const [tokenA, tokenB] = [await tokenFor(a.email), await tokenFor(b.email)];
    const rename = (token: string, email: string, name: string) =>
      call('UpdateUser', `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" UserName="${email}" FirstName="${name}" />`);
    for (let round = 0; round < 6; round++) {
      const outcomes = await Promise.all([rename(tokenA, b.email, `Bee${round}`), rename(tokenB, a.email, `Ay${round}`)]);
      expect(outcomes.map((o) => [o.result.Success, o.exceptions])).toEqual([
        ['true', []],
        ['true', []],
      ]);
    }
    expect(await userNamed(a.email)).toMatchObject({ firstName: 'Ay5' });
    expect(await userNamed(b.email)).toMatchObject({ firstName: 'Bee5' });
  });

  it('a password a manager sets keeps RequirePasswordChange as it was when the field is left out or nil; false clears it, audited', async () => {
    const nil = 'p2:nil="true" xmlns:p2="http://www.w3.org/2001/XMLSchema-instance"';
    const held = await insertUser(db, { email: 'must.change.soap@example.test', passwordHash, requirePasswordChange: true, environmentId });
    const set = (email: string, children = '') => call('UpdateUser', request(`UserName="${email}" Password="Manager-Chosen-Passphrase-8"`, children));
    // The vendor's own sample sends it nil: the password the manager knows must still be changed by its holder.
    expect((await set(held.email, `<RequirePasswordChange ${nil} />`)).exceptions).toEqual([]);
    const after = await userNamed(held.email);
    expect(after).toMatchObject({ requirePasswordChange: true });
    expect(after!.passwordHash).not.toBe(passwordHash);
    expect((await set(held.email)).exceptions).toEqual([]);
    expect(await userNamed(held.email)).toMatchObject({ requirePasswordChange: true });

    expect((await set(held.email, '<RequirePasswordChange>false</RequirePasswordChange>')).exceptions).toEqual([]);
    expect(await userNamed(held.email)).toMatchObject({ requirePasswordChange: false });
    const { auditEvents } = await import('@/db/schema');
    const events = await db.select().from(auditEvents).where(eq(auditEvents.targetId, held.id));
    expect(events.filter((e) => e.action === 'user.updated').map((e) => e.changes)).toEqual([{ requirePasswordChange: { before: true, after: false } }]);

    // A user who was not held to a change is not held to one by a password left as it is.
    const free = await insertUser(db, { email: 'free.soap@example.test', passwordHash, environmentId });
    expect((await set(free.email)).exceptions).toEqual([]);
    expect(await userNamed(free.email)).toMatchObject({ requirePasswordChange: false });
  });

  it('UpdateUser with only Locked=false needs the unlock permission, as Unlock in the portal does, not users.write', async () => {
    await db.insert(roles).values({ name: 'Helpdesk', permissions: ['users.read', 'users.unlock'] });
    await insertUser(db, { email: 'helpdesk.soap@example.test', role: 'Helpdesk', passwordHash, environmentId });
    const locked = await insertUser(db, { email: 'locked.helpdesk@example.test', status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(), environmentId });
    const helpdesk = await tokenFor('helpdesk.soap@example.test');
    const as = (fields: string) => `<Request ContextIdentifier="${context}" AuthenticationToken="${helpdesk}" UserName="${locked.email}" ${fields} />`;
    const renamed = await call('UpdateUser', as('Locked="false" FirstName="Renamed"'));
    expect(renamed.result.Success).toBe('false');
    expect(await userNamed(locked.email)).toMatchObject({ status: 'locked', firstName: 'Test' });
    const unlocked = await call('UpdateUser', as('Locked="false"'));
    expect(unlocked.exceptions).toEqual([]);
    expect(await userNamed(locked.email)).toMatchObject({ status: 'active' });
  });

  it('Inactive=false on a banned user (listed as Inactive="true") is refused naming the field, never a silent success', async () => {
    const banned = await insertUser(db, { email: 'banned.reenable@example.test', status: 'banned', banReason: 'x', environmentId });
    const { result, exceptions } = await call('UpdateUser', request(`UserName="${banned.email}"`, '<Inactive>false</Inactive>'));
    expect(result.Success).toBe('false');
    expect(exceptions[0]!.message).toMatch(/^Inactive: .*banned/);
    expect(await userNamed(banned.email)).toMatchObject({ status: 'banned', version: banned.version });
  });

  it('names NewUserName, not UserName, when the new user name of an UpdateUser is refused', async () => {
    await insertUser(db, { email: 'rename.me@example.test', environmentId });
    for (const newName of ['not-an-email', 'ADA@example.test']) {
      const { result, exceptions } = await call('UpdateUser', request('UserName="rename.me@example.test"', `<NewUserName>${newName}</NewUserName>`));
      expect(result.Success).toBe('false');
      expect(exceptions[0]!.message, newName).toMatch(/^NewUserName: /);
    }
    expect(await userNamed('rename.me@example.test')).toBeDefined();
  });

  it('refuses SendCredentialsViaEmail to a user whose link could not set a password, naming the field, and writes nothing', async () => {
    const locked = await insertUser(db, { email: 'locked.creds.soap@example.test', status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date(), environmentId });
    const refused = await call('UpdateUser', request(`UserName="${locked.email}" FirstName="Changed"`, '<SendCredentialsViaEmail>true</SendCredentialsViaEmail>'));
    expect(refused.result.Success).toBe('false');
    expect(refused.exceptions).toEqual([{ severity: 'Error', message: `SendCredentialsViaEmail: ${locked.email} is locked, so the emailed link would not work: unlock them in the same request, or first.` }]);
    expect(await userNamed(locked.email)).toMatchObject({ status: 'locked', firstName: 'Test', version: locked.version });
    const { outboxMessages } = await import('@/db/schema');
    expect(await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, locked.email))).toEqual([]);
    const unlocked = await call('UpdateUser', request(`UserName="${locked.email}"`, '<Locked>false</Locked><SendCredentialsViaEmail>true</SendCredentialsViaEmail>'));
    expect(unlocked.exceptions).toEqual([]);
    expect((await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, locked.email))).map((m) => m.kind)).toContain('credentials');

    const created = await call('CreateUser', request('UserName="inactive.creds.soap@example.test" FirstName="I" LastName="C" Role="User" Password="Quite-Long-Passphrase-42"', '<Inactive>true</Inactive><SendCredentialsViaEmail>true</SendCredentialsViaEmail>'));
    expect(created.result.Success).toBe('false');
    expect(created.exceptions[0]!.message).toMatch(/^SendCredentialsViaEmail: inactive\.creds\.soap@example\.test would be inactive, so the emailed link would not work/);
    expect(await userNamed('inactive.creds.soap@example.test')).toBeUndefined();
  });

  it('RequirePasswordChange=true on an invited user is refused naming the field: the invitation sets their password and clears it', async () => {
    const invited = await insertUser(db, { email: 'invited.rpc.soap@example.test', status: 'invited', environmentId });
    const { result, exceptions } = await call('UpdateUser', request(`UserName="${invited.email}" FirstName="Changed"`, '<RequirePasswordChange>true</RequirePasswordChange>'));
    expect(result.Success).toBe('false');
    expect(exceptions).toEqual([{ severity: 'Error', message: `RequirePasswordChange: ${invited.email} has not accepted the invitation yet: they choose their password from it, so there is no password to require a change of.` }]);
    expect(await userNamed(invited.email)).toMatchObject({ requirePasswordChange: false, firstName: 'Test', version: invited.version });
    const kept = await call('UpdateUser', request(`UserName="${invited.email}"`, '<RequirePasswordChange>false</RequirePasswordChange>'));
    expect(kept.exceptions).toEqual([]);
  });

  it('refuses Tags that hold anything but UserTag elements, or come twice, instead of clearing every tag; nil leaves them, empty clears', async () => {
    const tags = [{ name: 'ExternalUserId', value: '42' }];
    const user = await insertUser(db, { email: 'tagged.soap@example.test', tags, environmentId });
    const update = (children: string) => call('UpdateUser', request(`UserName="${user.email}"`, `<FirstName>Changed</FirstName>${children}`));
    const only = 'Tags must hold only UserTag elements (<UserTag Name="..." Value="..." />)';
    const cases: [string, string][] = [
      ['<Tags>ExternalUserId=43</Tags>', `${only}, not text.`],
      ['<Tags><![CDATA[ExternalUserId=43]]></Tags>', `${only}, not text.`],
      ['<Tags>x<UserTag Name="a" Value="b" /></Tags>', `${only}, not text.`],
      ['<Tags><UserTag Name="a" Value="b" /></Tags><Tags><UserTag Name="c" Value="d" /></Tags>', 'Tags must appear once: put every UserTag in one Tags element.'],
      ['<Tags><Tag Name="a" Value="b" /></Tags>', `${only}, not <Tag>.`],
      ['<Tags><UserTag>ExternalUserId</UserTag></Tags>', 'Tags each UserTag carries its Name and Value as attributes, not as text or elements.'],
    ];
    for (const [children, message] of cases) {
      const { result, exceptions } = await update(children);
      expect(result.Success, children).toBe('false');
      expect(exceptions, children).toEqual([{ severity: 'Error', message }]);
    }
    const attribute = await call('UpdateUser', request(`UserName="${user.email}" Tags="ExternalUserId=43"`));
    expect(attribute.exceptions[0]!.message).toBe(`${only}, as an element, not an attribute.`);
    const nested = await call('UpdateUser', request(`UserName="${user.email}"`, '<FirstName><b>Changed</b></FirstName>'));
    expect(nested.exceptions).toEqual([{ severity: 'Error', message: 'FirstName must be text, not elements.' }]);
    expect(await userNamed(user.email)).toMatchObject({ firstName: 'Test', tags, version: user.version });
    const created = await call('CreateUser', request('UserName="tagtext.soap@example.test" FirstName="T" LastName="T" Role="User"', '<Tags>ExternalUserId=1</Tags>'));
    expect(created.result.Success).toBe('false');
    expect(await userNamed('tagtext.soap@example.test')).toBeUndefined();

    // nil: as every nil field, left as it is; laid out over lines: read; empty: no tags.
    const nil = 'p2:nil="true" xmlns:p2="http://www.w3.org/2001/XMLSchema-instance"';
    expect((await update(`<Tags ${nil} />`)).exceptions).toEqual([]);
    expect(await userNamed(user.email)).toMatchObject({ firstName: 'Changed', tags });
    expect((await update('<Tags>\n  <UserTag Name="Dept" Value="Ops" />\n</Tags>')).exceptions).toEqual([]);
    expect((await userNamed(user.email))!.tags).toEqual([{ name: 'Dept', value: 'Ops' }]);
    expect((await update('<Tags />')).exceptions).toEqual([]);
    expect((await userNamed(user.email))!.tags).toEqual([]);
  });

  it('does not find users outside what the caller may see', async () => {
    const manager = await insertUser(db, { email: 'soap-am@example.test', role: 'Account Manager', passwordHash, environmentId });
    const [other] = await db.insert(environments).values({ name: 'SOAP Elsewhere' }).returning();
    await insertUser(db, { email: 'elsewhere.soap@example.test', environmentId: other!.id });
    const managerToken = await tokenFor(manager.email);
    const { result, exceptions } = await call(
      'UpdateUser',
      `<Request ContextIdentifier="${context}" AuthenticationToken="${managerToken}" UserName="elsewhere.soap@example.test" FirstName="X" />`,
    );
    expect(result.Success).toBe('false');
    expect(exceptions[0]!.message).toBe('UserName: there is no user elsewhere.soap@example.test in this account.');
    expect((await userNamed('elsewhere.soap@example.test'))!.firstName).toBe('Test');
  });

  it('reads each field strictly: a field the operation lacks, one given twice, an empty boolean or a nil with a value is an Error naming it, and nothing is written', async () => {
    const user = await insertUser(db, { email: 'strict.soap@example.test', tags: [{ name: 'Dept', value: 'Ops' }], environmentId });
    const nil = 'xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
    const update = (fields: string, children = '') => call('UpdateUser', request(`UserName="${user.email}" ${fields}`, children));
    const cases: [string, string, string][] = [
      // UpdateUser's generator is AutoGenerateNewPassword: CreateUser's name, ignored, would generate nothing.
      ['', '<AutoGeneratePassword>true</AutoGeneratePassword>', 'AutoGeneratePassword is not a field of UpdateUser (its fields: '],
      ['RequirePasswordchange="true"', '', 'RequirePasswordchange is not a field of UpdateUser'],
      // An attribute in another namespace is not the field of that local name.
      ['xmlns:a="urn:other" a:FirstName="Mallory"', '', 'a:FirstName is not a field of UpdateUser'],
      ['FirstName="Attr"', '<FirstName>Element</FirstName>', 'FirstName must appear once: it is given as an attribute and as an element.'],
      // Named, not read as missing (which would answer that the account or token is unknown).
      ['', `<ContextIdentifier>${context}</ContextIdentifier>`, 'ContextIdentifier must appear once: it is given as an attribute and as an element.'],
      ['', '<Inactive></Inactive>', 'Inactive must be true or false (to leave it as it is, leave it out or send xsi:nil="true").'],
      ['Locked=""', '', 'Locked must be true or false (to leave it as it is'],
      ['', `<FirstName ${nil}>Nilled</FirstName>`, 'FirstName is xsi:nil and has a value: send one or the other.'],
      ['', `<Inactive xsi:nil="perhaps" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" />`, 'Inactive has an xsi:nil that is neither true nor false.'],
      // Empty is a value, refused as one: never read as "leave it as it is".
      ['NewUserName=""', '', 'NewUserName: Enter an email address.'],
      ['Password=""', '', 'Password: Enter a password.'],
      ['Role=" "', '', 'Role: name a role, or leave Role out to keep the current one.'],
      ['', '<Tags><UserTag Name="Dept" /></Tags>', 'Tags each UserTag needs both Name and Value (Value="" for an empty value).'],
      ['', '<Tags><UserTag Name="Dept" Vaule="Sales" /></Tags>', 'Tags each UserTag has a Name and a Value only, not Vaule.'],
      ['', '<Tags><UserTag Name="Dept"><Value>Sales</Value></UserTag></Tags>', 'Tags each UserTag carries its Name and Value as attributes, not as text or elements.'],
      ['', 'stray text', 'Request holds text: its fields are attributes or elements.'],
      // Names an object already has (Object.prototype's) are fields like any other: named, not a Server fault.
      ['constructor="x"', '', 'constructor is not a field of UpdateUser'],
      ['toString="x" valueOf="y"', '', 'toString is not a field of UpdateUser'],
    ];
    for (const [fields, children, message] of cases) {
      const { result, exceptions } = await update(`LastName="Changed" ${fields}`, children);
      expect(result.Success, `${fields} ${children}`).toBe('false');
      expect(exceptions.map((e) => e.message).join(' | '), `${fields} ${children}`).toContain(message);
    }
    expect(await userNamed(user.email)).toMatchObject({ lastName: 'User', tags: [{ name: 'Dept', value: 'Ops' }], version: user.version });

    // A nil field asks for nothing, whatever its name: a client generated from a fuller description may send one for every field.
    // xsi:type describes the request; it is not a field.
    const nils = await update('xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="UpdateUserRequest"', `<LastName>Changed</LastName><Title ${nil} /><Inactive xsi:nil="1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" />`);
    expect(nils.exceptions).toEqual([]);
    // Role names are matched as the portal matches them: case and runs of spaces aside.
    expect((await update('Role="  account   MANAGER "')).exceptions).toEqual([]);
    expect(await userNamed(user.email)).toMatchObject({ lastName: 'Changed', status: 'active' });

    // CreateUser: an empty Password is refused, not taken as "invite them"; AuthenticateUser refuses a field it lacks before any attempt counts.
    const created = await call('CreateUser', request('UserName="empty.password.soap@example.test" FirstName="E" LastName="P" Role="User" Password=""'));
    expect(created.exceptions).toEqual([{ severity: 'Error', message: 'Password: Enter a password.' }]);
    expect(await userNamed('empty.password.soap@example.test')).toBeUndefined();
    const signIn = await call('AuthenticateUser', `<AuthenticateUserRequest UserName="${user.email}" Password="wrong" ContextIdentifier="${context}" />`);
    expect(signIn.exceptions[0]!.message).toMatch(/^ContextIdentifier is not a field of AuthenticateUser \(its fields: UserName, Password\)/);
    expect(await userNamed(user.email)).toMatchObject({ failedAttempts: 0 });
  });

  it('holds the portal\'s rules on what a field may hold and what a change voids: hidden characters refused, a new email voids every link and tells the old address', async () => {
    const user = await insertUser(db, { email: 'links.soap@example.test', environmentId, passwordHash: 'x' });
    const { issueToken } = await import('@/lib/auth/tokens');
    const { outboxMessages, userTokens } = await import('@/db/schema');
    await db.transaction((tx) => issueToken(tx, user.id, 'reset', 3_600_000));
    for (const [fields, children, message] of [
      ['FirstName="Bob\u202Eevil"', '', /^FirstName: The first name contains invisible, control or broken characters/],
      ['LastName="Zero\u200Bwidth"', '', /^LastName: The last name contains invisible/],
      ['', '<Tags><UserTag Name="Dept" Value="Ops\u2066" /></Tags>', /^Tags: The tag value contains invisible/],
    ] as const) {
      const { result, exceptions } = await call('UpdateUser', request(`UserName="${user.email}" NewUserName="moved.soap@example.test" ${fields}`, children));
      expect(result.Success).toBe('false');
      expect(exceptions[0]!.message).toMatch(message);
    }
    expect(await userNamed(user.email)).toMatchObject({ version: user.version });
    expect((await db.select().from(userTokens).where(eq(userTokens.userId, user.id)))[0]!.consumedAt).toBeNull();

    const moved = await call('UpdateUser', request(`UserName="${user.email}" NewUserName="moved.soap@example.test"`));
    expect(moved.exceptions).toEqual([]);
    expect((await db.select().from(userTokens).where(eq(userTokens.userId, user.id))).every((t) => t.consumedAt !== null)).toBe(true);
    expect((await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, user.email))).map((m) => m.kind)).toContain('email_changed');
  });

  it('a second request element, or anything else beside it, is a Client fault', async () => {
    for (const inner of [`${request('')}${request('')}`, `${request('')}<ListUsersRequest />`, `${request('')}<Extra />`])
      expect(await fault(soap('ListUsers', inner))).toMatchObject({ code: 'Client', message: expect.stringMatching(/^ListUsers must hold one Request element and nothing else; it holds <Request>, </) });
  });

  it('CreateUser with a role that asks for profile fields says so on Role: the wire has no element for them', async () => {
    await db.insert(roles).values({ name: 'Contractor', permissions: [], requiredFields: [{ key: 'employeeId', label: 'Employee ID' }, { key: 'agency', label: 'Agency' }] });
    const { result, exceptions } = await call('CreateUser', request('UserName="contractor.soap@example.test" FirstName="C" LastName="T" Role="contractor"'));
    expect(result.Success).toBe('false');
    expect(exceptions).toEqual([
      { severity: 'Error', message: 'Role: the Contractor role asks for Employee ID, Agency when a user is added, which this service has no field for: add such users in the portal, by import or through the REST API.' },
    ]);
    expect(await userNamed('contractor.soap@example.test')).toBeUndefined();
  });

  it('answers DeleteUser with a ban that keeps the user and their history', async () => {
    await insertUser(db, { email: 'delete.soap@example.test', environmentId });
    const { result, exceptions } = await call('DeleteUser', request('UserName="delete.soap@example.test"'));
    expect(result.Success).toBe('true');
    expect(exceptions[0]).toMatchObject({ severity: 'Warning' });
    expect(await userNamed('delete.soap@example.test')).toMatchObject({ status: 'banned', banReason: 'Removed through the AssureSign DeleteUser operation' });
  });
  it('moves an Administrator to a role tied to environments into the account of the ContextIdentifier', async () => {
    const admin = await insertUser(db, { email: 'admin.to.manager@example.test', role: 'Administrator', passwordHash });
    const member = await insertUser(db, { email: 'user.to.manager@example.test', environmentId });
    const [elsewhere] = await db.insert(environments).values({ name: 'SOAP Promotions' }).returning();
    const { userEnvironments } = await import('@/db/schema');
    await db.insert(userEnvironments).values({ userId: member.id, environmentId: elsewhere!.id });

    for (const email of [admin.email, member.email]) {
      const { result, exceptions } = await call('UpdateUser', request(`UserName="${email}" Role="Account Manager"`));
      expect(exceptions).toEqual([]);
      expect(result.Success).toBe('true');
    }
    const memberships = async (userId: string) =>
      (await db.select().from(userEnvironments).where(eq(userEnvironments.userId, userId))).map((m) => m.environmentId).sort();
    expect(await memberships(admin.id)).toEqual([environmentId]);
    // A user who already belongs to environments keeps exactly those.
    expect(await memberships(member.id)).toEqual([environmentId, elsewhere!.id].sort());
    const [manager] = await db.select({ id: roles.id }).from(roles).where(eq(roles.name, 'Account Manager'));
    expect(await userNamed(admin.email)).toMatchObject({ roleId: manager!.id });
    const { auditEvents } = await import('@/db/schema');
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.targetId, admin.id));
    expect(event).toMatchObject({ action: 'user.role_changed', actorLabel: 'ada@example.test' });

    // The portal's scope still holds: an Account Manager cannot move an Administrator anywhere.
    // (Inactive, so the tests below still start from two active Administrators.)
    const other = await insertUser(db, { email: 'admin.kept@example.test', role: 'Administrator', status: 'inactive' });
    const managerToken = await tokenFor((await insertUser(db, { email: 'soap-demoter@example.test', role: 'Account Manager', passwordHash, environmentId })).email);
    const refused = await call('UpdateUser', `<Request ContextIdentifier="${context}" AuthenticationToken="${managerToken}" UserName="${other.email}" Role="Account Manager" />`);
    expect(refused.result.Success).toBe('false');
    expect(refused.exceptions[0]!.message).toMatch(/^You cannot change admin\.kept@example\.test/);
    expect(await memberships(other.id)).toEqual([]);
  });

  it('never leaves the organization without an active Administrator, even with two concurrent requests', async () => {
    await insertUser(db, { email: 'second.admin@example.test', role: 'Administrator', passwordHash });
    // Through an Organization key (nobody makes themselves inactive, so not as ada): both Administrators at once.
    // Its creator is a third Administrator, locked: not an active one, yet their keys work (a lock says nothing
    // about what they may do). Made by ada, the key would stop as soon as she is inactive, before the rule is met.
    const { createApiUser } = await import('@/lib/api-users/manage');
    const maker = await insertUser(db, { email: 'key.maker@example.test', role: 'Administrator', status: 'locked', lockReason: 'failed_attempts', lockedAt: new Date() });
    const person = { actor: { type: 'user' as const, id: maker.id, label: maker.email }, permissions: (await import('@/lib/auth/permissions')).PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const { key } = await db.transaction((tx) =>
      createApiUser(tx, person, { username: 'soap-org', description: '', scope: 'organization', environmentIds: [], expiresAt: new Date(Date.now() + 86_400_000), rateLimitPerMinute: 600 }),
    );
    const orgToken = String((await authenticate('soap-org', key)).result.AuthenticationToken);
    const inactivate = (email: string) =>
      call('UpdateUser', `<Request ContextIdentifier="${context}" AuthenticationToken="${orgToken}" UserName="${email}"><Inactive>true</Inactive></Request>`);
    const results = await Promise.all([inactivate('ada@example.test'), inactivate('second.admin@example.test')]);
    const succeeded = results.filter((r) => r.result.Success === 'true');
    expect(succeeded).toHaveLength(1);
    const refused = results.find((r) => r.result.Success === 'false')!;
    expect(refused.exceptions[0]!.message).toContain('without an active Administrator');
    const { and: both, inArray: within } = await import('drizzle-orm');
    const [{ id: adminRole }] = (await db.select({ id: roles.id }).from(roles).where(eq(roles.name, 'Administrator'))) as [{ id: string }];
    const active = await db.select().from(users).where(both(eq(users.roleId, adminRole), within(users.status, ['active'])));
    expect(active.length).toBeGreaterThanOrEqual(1);
  });

});

describe('integrations signing in as an API user', () => {
  // Keys stay within their creator: made by whichever Administrator the concurrency test above left
  // active (on PostgreSQL either may win that race), not by one it may have made inactive.
  const activeAdministrator = async () => {
    const { and: both, inArray: within } = await import('drizzle-orm');
    const [admin] = await db.select().from(users).where(both(within(users.email, ['ada@example.test', 'second.admin@example.test']), eq(users.status, 'active')));
    return admin;
  };

  it('get a token for the API user key, limited to its scope; revoking the API user ends it', async () => {
    const { createApiUser, revokeApiUser } = await import('@/lib/api-users/manage');
    const admin = await activeAdministrator();
    const person = { actor: { type: 'user' as const, id: admin!.id, label: admin!.email }, permissions: (await import('@/lib/auth/permissions')).PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const { id, key } = await db.transaction((tx) =>
      createApiUser(tx, person, { username: 'soap-erp', description: '', scope: 'environments', environmentIds: [environmentId], expiresAt: new Date(Date.now() + 86_400_000), rateLimitPerMinute: 600 }),
    );

    const wrong = await authenticate('soap-erp', key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A'));
    expect(wrong.result.Success).toBe('false');
    expect(wrong.result.AuthenticationToken).toBeUndefined();

    const { result } = await authenticate('SOAP-ERP', key);
    expect(result).toMatchObject({ Success: 'true', UserName: 'soap-erp' });
    const token = String(result.AuthenticationToken);
    expect(token.startsWith('udt_')).toBe(true);
    expect(((result.Accounts as Node).UserAccount as Node[]).map((a) => a.ContextIdentifier)).toEqual([context]);

    const listed = await call('ListUsers', `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" />`);
    expect(listed.result.Success).toBe('true');
    const [elsewhere] = await db.select().from(environments).where(eq(environments.name, 'SOAP Elsewhere'));
    const outside = await call('ListUsers', `<Request ContextIdentifier="${elsewhere!.contextIdentifier}" AuthenticationToken="${token}" />`);
    expect(outside.exceptions[0]).toMatchObject({ severity: 'Fatal', message: 'The ContextIdentifier does not name an account you can use.' });

    // Changes are audited with the API user as actor.
    const created = await call('CreateUser', `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" UserName="by.key@example.test" FirstName="K" LastName="Ey" Role="User" />`);
    expect(created.result.Success).toBe('true');
    const { auditEvents } = await import('@/db/schema');
    const [byKey] = await db.select().from(users).where(eq(users.email, 'by.key@example.test'));
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.targetId, byKey!.id));
    expect(event).toMatchObject({ actorType: 'api_user', actorLabel: 'soap-erp' });

    await db.transaction((tx) => revokeApiUser(tx, person, id));
    const revoked = await call('ListUsers', `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" />`);
    expect(revoked.result.Success).toBe('false');
    expect(revoked.exceptions[0]!.severity).toBe('Fatal');
  });

  it('stops a listing under way once its API user is revoked', async () => {
    const { createApiUser, revokeApiUser } = await import('@/lib/api-users/manage');
    const admin = await activeAdministrator();
    const person = { actor: { type: 'user' as const, id: admin!.id, label: admin!.email }, permissions: (await import('@/lib/auth/permissions')).PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const { id, key } = await db.transaction((tx) =>
      createApiUser(tx, person, { username: 'soap-streaming-key', description: '', scope: 'organization', environmentIds: [], expiresAt: new Date(Date.now() + 86_400_000), rateLimitPerMinute: 600 }),
    );
    const token = String((await authenticate('soap-streaming-key', key)).result.AuthenticationToken);
    const { listed, exceptions } = await listWhile(token, () => db.transaction((tx) => revokeApiUser(tx, person, id)));
    expect(listed).toBeLessThan(1_203);
    expect(exceptions).toEqual([{ severity: 'Fatal', message: expect.stringMatching(/This list is incomplete/) }]);
  });

  it('a concurrent burst of calls with an API user\'s token gets exactly its budget, the rest a clear refusal', async () => {
    const { createApiUser } = await import('@/lib/api-users/manage');
    const admin = await activeAdministrator();
    const person = { actor: { type: 'user' as const, id: admin!.id, label: admin!.email }, permissions: (await import('@/lib/auth/permissions')).PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const { key } = await db.transaction((tx) =>
      createApiUser(tx, person, { username: 'soap-burst', description: '', scope: 'environments', environmentIds: [environmentId], expiresAt: new Date(Date.now() + 86_400_000), rateLimitPerMinute: 4 }),
    );
    const token = String((await authenticate('soap-burst', key)).result.AuthenticationToken);
    const results = await Promise.all(Array.from({ length: 9 }, () => call('ListUsers', `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" />`)));
    // The exchange of the key for the token was the first of the 4.
    expect(results.filter((r) => r.result.Success === 'true')).toHaveLength(3);
    for (const refused of results.filter((r) => r.result.Success !== 'true')) expect(refused.exceptions[0]!.message).toMatch(/^Too many requests for this API user: try again in \d+ seconds\.$/);
  });

  it('a person\'s token has a budget too (600 requests a minute, across instances): a burst past it is refused, others are not held up', async () => {
    const { rateLimits } = await import('@/db/schema');
    const looper = await insertUser(db, { email: 'soap-looper@example.test', passwordHash, role: 'Account Manager', environmentId });
    const other = await insertUser(db, { email: 'soap-bystander@example.test', passwordHash, role: 'Account Manager', environmentId });
    const [token, otherToken] = [await tokenFor(looper.email), await tokenFor(other.email)];
    const list = (t: string) => call('ListUsers', `<Request ContextIdentifier="${context}" AuthenticationToken="${t}" />`);
    expect((await list(token)).result.Success).toBe('true');
    // 590 spent, as of a moment still to come (so none drains while the burst runs): of 20 at once, exactly 10 go through.
    await db.update(rateLimits).set({ count: 590, windowStart: new Date(Date.now() + 60_000) }).where(eq(rateLimits.key, `soap-person:${looper.id}`));
    const burst = await Promise.all(Array.from({ length: 20 }, () => list(token)));
    expect(burst.filter((r) => r.result.Success === 'true')).toHaveLength(10);
    for (const refused of burst.filter((r) => r.result.Success !== 'true'))
      expect(refused.exceptions[0]!.message).toMatch(/^Too many requests for this account \(at most 600 a minute\): try again in \d+ seconds\.$/);
    expect((await list(otherToken)).result.Success).toBe('true');
    // A new minute, a new budget.
    await db.update(rateLimits).set({ windowStart: new Date(Date.now() - 61_000) }).where(eq(rateLimits.key, `soap-person:${looper.id}`));
    expect((await list(token)).result.Success).toBe('true');
  });

  it('AuthenticateUser with a key counts against its budget, as the REST exchange does: a burst gets exactly that many tokens', async () => {
    const { createApiUser } = await import('@/lib/api-users/manage');
    const { apiTokens } = await import('@/db/schema');
    const admin = await activeAdministrator();
    const person = { actor: { type: 'user' as const, id: admin!.id, label: admin!.email }, permissions: (await import('@/lib/auth/permissions')).PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const { id, key } = await db.transaction((tx) =>
      createApiUser(tx, person, { username: 'soap-exchange', description: '', scope: 'environments', environmentIds: [environmentId], expiresAt: new Date(Date.now() + 86_400_000), rateLimitPerMinute: 3 }),
    );
    const results = await Promise.all(Array.from({ length: 7 }, () => authenticate('soap-exchange', key)));
    expect(results.filter((r) => r.result.Success === 'true')).toHaveLength(3);
    for (const refused of results.filter((r) => r.result.Success !== 'true')) {
      expect(refused.result.AuthenticationToken).toBeUndefined();
      expect(refused.exceptions[0]!.message).toMatch(/^This API user may make 3 requests a minute\. Try again in \d+ s\.$/);
    }
    expect(await db.select().from(apiTokens).where(eq(apiTokens.apiUserId, id))).toHaveLength(3);
  });

  it('a key that acts as a user cannot move that user\'s email address (a reset link sent there would be its portal sign-in); others\' it can', async () => {
    const { createApiUser } = await import('@/lib/api-users/manage');
    const { outboxMessages } = await import('@/db/schema');
    const admin = await activeAdministrator();
    const person = { actor: { type: 'user' as const, id: admin!.id, label: admin!.email }, permissions: (await import('@/lib/auth/permissions')).PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const manager = await insertUser(db, { email: 'acted.as@example.test', role: 'Account Manager', environmentId });
    const colleague = await insertUser(db, { email: 'acted.colleague@example.test', environmentId });
    const { key } = await db.transaction((tx) =>
      createApiUser(tx, person, { username: 'soap-as-manager', description: '', scope: 'user', userId: manager.id, environmentIds: [], expiresAt: new Date(Date.now() + 86_400_000), rateLimitPerMinute: 600 }),
    );
    const token = String((await authenticate('soap-as-manager', key)).result.AuthenticationToken);
    const update = (email: string, children: string) => call('UpdateUser', `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" UserName="${email}">${children}</Request>`);
    for (const children of ['<NewUserName>key.holder@example.test</NewUserName>', '<NewUserName>key.holder@example.test</NewUserName><SendCredentialsViaEmail>true</SendCredentialsViaEmail>']) {
      const { result, exceptions } = await update(manager.email, children);
      expect(result.Success, children).toBe('false');
      expect(exceptions, children).toEqual([{ severity: 'Error', message: expect.stringContaining('cannot change the email address of the user it acts as') }]);
    }
    expect(await db.select().from(users).where(eq(users.id, manager.id))).toMatchObject([{ email: manager.email, version: manager.version }]);
    expect(await db.select().from(outboxMessages).where(eq(outboxMessages.toAddress, 'key.holder@example.test'))).toEqual([]);
    expect((await update(manager.email, '<NewUserName>ACTED.AS@example.test</NewUserName><FirstName>Mia</FirstName>')).exceptions).toEqual([]);
    expect((await update(colleague.email, '<NewUserName>acted.moved@example.test</NewUserName>')).exceptions).toEqual([]);
  });

  it('cannot use an archived account', async () => {
    const [archived] = await db.insert(environments).values({ name: 'SOAP Archived', archivedAt: new Date() }).returning();
    // Whichever of the two Administrators the concurrency test above left active.
    const { and: both, inArray: within } = await import('drizzle-orm');
    const [admin] = await db.select().from(users).where(both(within(users.email, ['ada@example.test', 'second.admin@example.test']), eq(users.status, 'active')));
    const token = await tokenFor(admin!.email);
    const { result, exceptions } = await call('ListUsers', `<Request ContextIdentifier="${archived!.contextIdentifier}" AuthenticationToken="${token}" />`);
    expect(result.Success).toBe('false');
    expect(exceptions[0]!.message).toBe('The ContextIdentifier does not name an account you can use.');
  });
});
