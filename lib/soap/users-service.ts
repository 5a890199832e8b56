// The AssureSign "Users" SOAP service (SPEC.md section 4): AuthenticateUser, ListUsers, CreateUser,
// UpdateUser and DeleteUser, answered from the same lib/ functions as the portal and the REST API, so
// permissions, environment scope, the password policy, the last-Administrator rule, audit and the
// outbox hold exactly as they do there. This module maps the wire format onto them and back.
import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { Db, Tx } from '@/db/client';
import { environments, roles, users, type UserTag } from '@/db/schema';
import { authenticate as authenticateApiCaller, authenticateAndCount, confirmCaller, issueApiToken, settleCaller } from '@/lib/api-users/authenticate';
import { parseCredential } from '@/lib/api-users/keys';
import type { RequestMeta } from '@/lib/audit';
import { hasPermission, type Permission } from '@/lib/auth/permissions';
import { principalOf, type Principal } from '@/lib/auth/principal';
import { retryAfter, SOAP_LIST_BATCHES_PER_CALLER, SOAP_REQUESTS_PER_PERSON, take } from '@/lib/auth/rate-limit';
import { loadSessionUser } from '@/lib/auth/session';
import { signIn, SIGN_IN_MESSAGES, inPasswordWarningWindow, passwordExpiresAt } from '@/lib/auth/sign-in';
import { retryOnDeadlock } from '@/lib/db-rows';
import { AppError, type FieldErrors } from '@/lib/errors';
import { portalUrl } from '@/lib/mail/outbox';
import { getSecuritySettings } from '@/lib/settings';
import { createUserFromFields, updateUserFromFields, type CreateUserFields, type UpdateUserFields } from '@/lib/users/fields';
import { listFilter } from '@/lib/users/list';
import { nameKey } from '@/lib/validation';
import { findChangeableUser, membershipsOf } from '@/lib/users/scope';
import { banUser } from '@/lib/users/update';
import { issueSoapToken, resolveSoapToken, SOAP_TOKEN_MINUTES } from './sessions';
import { REQUESTS } from './wsdl';
import { element, ENVELOPE_CLOSE, ENVELOPE_OPEN, envelope, escapeXml, namespaceLabel, parseEnvelope, SoapFault, type XmlNode } from './xml';

export const USERS_NS = 'https://www.assuresign.net/Services/DocumentNOW/Users';
export const OPERATIONS = ['AuthenticateUser', 'ListUsers', 'CreateUser', 'UpdateUser', 'DeleteUser'] as const;
type Operation = (typeof OPERATIONS)[number];

type Severity = 'Warning' | 'Error' | 'Fatal';
type UserException = { severity: Severity; message: string };

export type SoapResponse = { status: number; body: string | ReadableStream<Uint8Array> };

/** Our field names (lib/users/fields.ts) as the wire names them, for messages that name the field. */
const WIRE_NAMES: Record<string, string> = {
  email: 'UserName',
  firstName: 'FirstName',
  lastName: 'LastName',
  password: 'Password',
  roleId: 'Role',
  inactive: 'Inactive',
  locked: 'Locked',
  requirePasswordChange: 'RequirePasswordChange',
  sendCredentialsViaEmail: 'SendCredentialsViaEmail',
  autoGeneratePassword: 'AutoGeneratePassword',
  autoGenerateNewPassword: 'AutoGenerateNewPassword',
  tags: 'Tags',
  environmentIds: 'ContextIdentifier',
  reason: 'Reason',
};
/** The wire's name of a field; in UpdateUser the email is NewUserName (UserName names who is changed). */
const wireName = (field: string, operation: Operation) =>
  operation === 'UpdateUser' && field === 'email' ? 'NewUserName' : (WIRE_NAMES[field.split('.')[0]!] ?? field);

const error = (message: string, severity: Severity = 'Error'): UserException => ({ severity, message });

function exceptionsOf(e: AppError, operation: Operation): UserException[] {
  const fields = Object.entries(e.fieldErrors ?? {}).flatMap(([field, messages]) => messages.map((m) => error(`${wireName(field, operation)}: ${m}`)));
  return fields.length > 0 ? fields : [error(e.message, e.code === 'unauthenticated' ? 'Fatal' : 'Error')];
}

/** `<{Op}Response><{Op}Result Success=...>...<Exceptions/></{Op}Result></{Op}Response>` */
function result(operation: Operation, exceptions: UserException[], attributes: Record<string, string | boolean | null> = {}, children = ''): string {
  const success = exceptions.every((e) => e.severity === 'Warning');
  const list = exceptions.map((e) => element('UserException', { Severity: e.severity }, escapeXml(e.message)));
  return element(`${operation}Response`, { xmlns: USERS_NS }, element(`${operation}Result`, { Success: success, ...attributes }, children + element('Exceptions', {}, list)));
}

/** The names of an element's child elements (not its attributes or text). */
const elementNames = (node: XmlNode) => Object.keys(node).filter((key) => !key.startsWith('@_') && key !== '#text');

/**
 * The fields of each operation's request (shared/reference/assuresign-users-soap.md): those the WSDL
 * describes, so that the service reads what its description says and nothing else.
 */
const fieldsOf = (operation: Operation): readonly string[] => [...REQUESTS[operation].attributes, ...REQUESTS[operation].elements];

/**
 * The request's fields, whether sent as attributes of the request element or as child elements.
 * What is not a value is a field error rather than read as "not given" or as a default: a field the
 * operation does not have (a misspelt RequirePasswordchange, UpdateUser's AutoGeneratePassword, an
 * attribute in another namespace), one given twice (as an attribute and an element too), an empty
 * boolean, xsi:nil with a value. Only xsi:nil asks for nothing, so a nil field of any name is let through.
 */
class Fields {
  // Without a prototype: a field named constructor or toString (refused as unknown) must find no array of its own here.
  readonly errors: FieldErrors = Object.create(null) as FieldErrors;
  constructor(
    private readonly node: XmlNode,
    operation: Operation,
  ) {
    const known = fieldsOf(operation);
    for (const [key, value] of Object.entries(node)) {
      // XML Schema instance attributes (xsi:type, xsi:schemaLocation) describe the request; they are not fields.
      if (key.startsWith('@_xsi:')) continue;
      if (key === '#text') {
        if (typeof value === 'string' && value.trim() !== '') this.fail('Request', 'holds text: its fields are attributes or elements.');
        continue;
      }
      const name = key.startsWith('@_') ? key.slice(2) : key;
      if (known.includes(name) || (name === key && this.nil(name, value) === true)) continue;
      this.fail(name, `is not a field of ${operation} (its fields: ${known.join(', ')}).`);
    }
  }

  /** True for an element with xsi:nil="true"; a field error when it also has a value, or nil is neither true nor false. */
  private nil(name: string, value: unknown): boolean | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const el = value as XmlNode;
    const nil = el['@_xsi:nil'];
    if (nil === undefined) return false;
    const flag = typeof nil === 'string' ? nil.trim() : '';
    if (flag === 'false' || flag === '0') return false;
    if (flag !== 'true' && flag !== '1') return this.fail(name, 'has an xsi:nil that is neither true nor false.');
    if (elementNames(el).length > 0 || (typeof el['#text'] === 'string' && el['#text'] !== ''))
      return this.fail(name, 'is xsi:nil and has a value: send one or the other.');
    return true;
  }

  text(name: string): string | undefined {
    const attribute = this.node[`@_${name}`];
    const child = this.node[name];
    if (attribute !== undefined && child !== undefined) return this.fail(name, 'must appear once: it is given as an attribute and as an element.');
    if (typeof attribute === 'string') return attribute;
    if (typeof child === 'string') return child;
    if (child && typeof child === 'object') {
      const el = child as XmlNode;
      if (Array.isArray(child)) return this.fail(name, 'must appear once.');
      if (this.nil(name, el) !== false) return undefined;
      // Elements where text belongs would otherwise read as an empty value, i.e. as "not given".
      if (elementNames(el).length > 0) return this.fail(name, 'must be text, not elements.');
      return typeof el['#text'] === 'string' ? el['#text'] : '';
    }
    return undefined;
  }

  required(name: string): string {
    const value = this.text(name)?.trim();
    if (!value) this.fail(name, 'is required.');
    return value ?? '';
  }

  bool(name: string): boolean | undefined {
    const value = this.text(name)?.trim();
    if (value === undefined) return undefined;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    // Empty is no answer either way: left as it is, it would silently keep (or default) the value.
    return this.fail(name, value === '' ? 'must be true or false (to leave it as it is, leave it out or send xsi:nil="true").' : 'must be true or false.');
  }

  /**
   * The UserTag elements of Tags. Left out or nil, the tags stay as they are (undefined); an empty Tags
   * clears them. Anything else (text, other elements, a second Tags, a Tags attribute, a UserTag without
   * Name or Value or with anything else) is a field error: read as "no tags", or as a tag with an empty
   * value, it would silently clear what the user has.
   */
  tags(): UserTag[] | undefined {
    const only = 'must hold only UserTag elements (<UserTag Name="..." Value="..." />)';
    if (this.node['@_Tags'] !== undefined) return this.fail('Tags', `${only}, as an element, not an attribute.`);
    const container = this.node.Tags;
    if (container === undefined) return undefined;
    if (Array.isArray(container)) return this.fail('Tags', 'must appear once: put every UserTag in one Tags element.');
    if (typeof container === 'string') return container.trim() === '' ? [] : this.fail('Tags', `${only}, not text.`);
    if (typeof container !== 'object' || container === null) return this.fail('Tags', `${only}.`);
    const el = container as XmlNode;
    if (this.nil('Tags', el) !== false) return undefined;
    if (typeof el['#text'] === 'string' && el['#text'].trim() !== '') return this.fail('Tags', `${only}, not text.`);
    const others = elementNames(el).filter((n) => n !== 'UserTag');
    if (others.length > 0) return this.fail('Tags', `${only}, not ${others.map((n) => `<${n}>`).join(', ')}.`);
    const tags: UserTag[] = [];
    for (const item of (el.UserTag ?? []) as unknown[]) {
      const tag = (typeof item === 'object' && item !== null ? item : { '#text': item }) as XmlNode;
      const text = typeof tag['#text'] === 'string' ? tag['#text'].trim() : '';
      const extra = Object.keys(tag).filter((k) => !['@_Name', '@_Value', '#text'].includes(k) && !k.startsWith('@_xsi:'));
      if (text !== '' || extra.some((k) => !k.startsWith('@_'))) return this.fail('Tags', 'each UserTag carries its Name and Value as attributes, not as text or elements.');
      if (extra.length > 0) return this.fail('Tags', `each UserTag has a Name and a Value only, not ${extra.map((k) => k.slice(2)).join(', ')}.`);
      const { '@_Name': name, '@_Value': value } = tag;
      if (typeof name !== 'string' || typeof value !== 'string') return this.fail('Tags', 'each UserTag needs both Name and Value (Value="" for an empty value).');
      tags.push({ name, value });
    }
    return tags;
  }

  fail(name: string, message: string): undefined {
    (this.errors[name] ??= []).push(message);
    return undefined;
  }

  check() {
    const exceptions = Object.entries(this.errors).flatMap(([name, messages]) => messages.map((m) => error(`${name} ${m}`)));
    if (exceptions.length > 0) throw new Refusal(exceptions);
  }
}

/** Ends an operation with a result carrying these exceptions (Success="false"). */
class Refusal extends Error {
  constructor(readonly exceptions: UserException[]) {
    super(exceptions.map((e) => e.message).join(' '));
  }
}

/** The request element inside the operation: `Request`, or `{Op}Request` as AuthenticateUser sends it; nothing else. */
function requestOf(operation: Operation, content: XmlNode): Fields {
  const names = elementNames(content);
  if (names.length === 0) throw new SoapFault(`${operation} needs a Request element.`);
  // Each element as often as it appears (a repeated one is an array), and any text beside them.
  const held = names.flatMap((n) => ([] as unknown[]).concat(content[n]).map(() => `<${n}>`));
  if (typeof content['#text'] === 'string' && content['#text'].trim() !== '') held.push('text');
  const [name] = names as [string];
  if (held.length > 1 || (name !== 'Request' && name !== `${operation}Request`))
    throw new SoapFault(`${operation} must hold one Request element and nothing else; it holds ${held.join(', ')}.`);
  const node = content[name];
  // <Request /> is an element without fields; <Request>text</Request> one with text, refused by Fields.
  return new Fields(typeof node === 'object' && node !== null ? (node as XmlNode) : { '#text': node }, operation);
}

function operationOf({ operation: name, namespace }: { operation: string; namespace: string | undefined }, soapAction: string | null): Operation {
  if (namespace !== USERS_NS) throw new SoapFault(`The operation ${name} is in ${namespaceLabel(namespace)}: this service's operations are in ${USERS_NS}.`);
  if (!(OPERATIONS as readonly string[]).includes(name)) throw new SoapFault(`Unknown operation ${name}.`);
  const operation = name as Operation;
  const action = soapAction?.trim().replace(/^"(.*)"$/, '$1');
  if (action && action !== `${USERS_NS}/IUserService/${operation}`)
    throw new SoapFault(`The SOAPAction header (${action}) does not match the operation in the Body (${operation}).`);
  return operation;
}

const UNKNOWN_CONTEXT = 'The ContextIdentifier does not name an account you can use.';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The caller (by AuthenticationToken) and the environment (by ContextIdentifier) of a request, once
 * every field the operation read before is checked: no one is authenticated for a request refused.
 */
async function contextOf(db: Db, fields: Fields, permission: Permission) {
  const token = fields.text('AuthenticationToken')?.trim() ?? '';
  const contextIdentifier = fields.text('ContextIdentifier')?.trim() ?? '';
  // After reading these two, so that either given twice is named rather than read as missing.
  fields.check();
  const { principal, confirm, settle } = await principalOfToken(db, token);
  const [environment] = GUID.test(contextIdentifier)
    ? await db
        .select({ id: environments.id, name: environments.name })
        .from(environments)
        .where(and(eq(environments.contextIdentifier, contextIdentifier.toLowerCase()), isNull(environments.archivedAt)))
    : [];
  if (!environment || !(principal.allEnvironments || principal.environmentIds.includes(environment.id)))
    throw new Refusal([error(UNKNOWN_CONTEXT, 'Fatal')]);
  if (!hasPermission(principal, permission)) throw new Refusal([error('You do not have permission to do that.')]);
  return { principal, environment, confirm, settle };
}

const ENDED_TOKEN = 'The AuthenticationToken is missing, expired or no longer valid. Call AuthenticateUser again.';

/**
 * Who a token speaks for: a person (a token from AuthenticateUser with their password, re-checked
 * against their status and session version), or an API user (a token from AuthenticateUser with its
 * key: the REST API's own token, with its scope, revocation, expiry and per-key rate limit).
 */
async function principalOfToken(
  db: Db,
  token: string,
): Promise<{ principal: Principal; confirm: (tx: Tx) => Promise<Principal>; settle: (tx: Tx, used: Principal) => Promise<void> }> {
  const refused = (e: unknown): never => {
    if (e instanceof AppError) throw new Refusal([error(e.code === 'unauthenticated' ? ENDED_TOKEN : e.message, 'Fatal')]);
    throw e;
  };
  if (parseCredential(token)?.kind === 'token') {
    const { caller, retryAfter } = await authenticateAndCount(db, `Bearer ${token}`).catch(refused);
    if (retryAfter > 0) throw new Refusal([error(`Too many requests for this API user: try again in ${retryAfter} seconds.`)]);
    // A change re-reads the API user in its own transaction (confirmCaller): a revoke committed since counts.
    // And again as the change's last statement, its creator (and acts-as user) held until it commits (settleCaller).
    return { principal: caller.principal, confirm: (tx) => confirmCaller(tx, caller).catch(refused), settle: (tx, used) => settleCaller(tx, caller, used).catch(refused) };
  }
  const principalNow = async (q: Db | Tx, lock = false) => {
    const user = token ? await resolveSoapToken(q, token, lock) : null;
    if (!user) throw new Refusal([error(ENDED_TOKEN, 'Fatal')]);
    if (user.requirePasswordChange) throw new Refusal([error('Choose a new password in the portal before using this service.', 'Fatal')]);
    return principalOf(user);
  };
  const principal = await principalNow(db);
  // Every request counts against the person's budget, as an API user's against its key's.
  const budget = `soap-person:${principal.actor.type === 'user' ? principal.actor.id : ''}`;
  if (!(await take(db, budget, SOAP_REQUESTS_PER_PERSON)))
    throw new Refusal([error(`Too many requests for this account (at most ${SOAP_REQUESTS_PER_PERSON.limit} a minute): try again in ${Math.max(1, await retryAfter(db, budget, SOAP_REQUESTS_PER_PERSON))} seconds.`)]);
  // A change re-reads the person in its own transaction, as confirmCaller re-reads an API user: a ban,
  // lock or demotion committed since the token was checked is what the change is made with.
  // Held FOR SHARE from confirm on: nothing more to settle before the commit.
  return { principal, confirm: (tx) => principalNow(tx, true), settle: async () => {} };
}

/**
 * A change's (or a listing batch's) transaction, run again when PostgreSQL ends it as a deadlock, as the
 * portal's actions are (lib/action.ts): the caller is held FOR SHARE (confirm), so two changes of one
 * person's own row made by themselves at once, or of each other's rows, would each wait to upgrade it.
 */
const change = <T>(db: Db, work: (tx: Tx) => Promise<T>) => retryOnDeadlock(() => db.transaction(work));

/** A role by name, as people write it: case and runs of spaces ignored, as the portal's lists match names. */
async function roleByName(tx: Tx, name: string | undefined) {
  if (name === undefined) return undefined;
  const key = nameKey(name);
  if (!key) throw new Refusal([error('Role: name a role, or leave Role out to keep the current one.')]);
  const [role] = await tx
    .select({ id: roles.id, name: roles.name, allEnvironments: roles.allEnvironments, requiredFields: roles.requiredFields })
    .from(roles)
    .where(eq(sql`lower(${roles.name})`, key));
  if (!role) throw new Refusal([error(`Role: there is no role named "${name.trim()}".`)]);
  return role;
}

/** A user of the environment the principal may see, by UserName (email); never hints at others. */
async function userIdByName(tx: Tx, principal: Principal, environmentId: string, userName: string): Promise<string> {
  const [row] = await tx
    .select({ id: users.id })
    .from(users)
    .innerJoin(roles, eq(roles.id, users.roleId))
    .where(and(eq(sql`lower(${users.email})`, userName.toLowerCase()), listFilter(principal, environmentId, {})))
    .limit(1);
  if (!row) throw new Refusal([error(`UserName: there is no user ${userName} in this account.`)]);
  return row.id;
}

async function authenticate(db: Db, fields: Fields, meta: RequestMeta): Promise<string> {
  const userName = fields.required('UserName');
  const password = fields.text('Password') ?? '';
  // Refused as /login refuses it, before the attempt is counted against the account (and its IP).
  if (password === '') fields.fail('Password', 'is required.');
  fields.check();
  const urls = { ExpiredPasswordUrl: portalUrl('/forgot-password'), ChangePasswordUrl: portalUrl('/change-password') };
  // An integration signs in as its API user, with the key as the password (a key pasted with a stray
  // space or line break is still the key, never tried as that name's portal password).
  const key = password.trim();
  if (parseCredential(key)?.kind === 'key') return authenticateApiUser(db, userName, key, meta);
  const outcome = await signIn(db, userName, password, meta);
  if (!outcome.ok) return result('AuthenticateUser', [error(SIGN_IN_MESSAGES[outcome.reason])], urls);

  const user = await loadSessionUser(db, outcome.user.id, outcome.user.sessionVersion);
  if (!user) return result('AuthenticateUser', [error(SIGN_IN_MESSAGES.unavailable)], urls);
  if (user.requirePasswordChange)
    return result('AuthenticateUser', [error(`You must choose a new password before using this service: ${urls.ChangePasswordUrl}`)], urls);

  const exceptions: UserException[] = [];
  const settings = await getSecuritySettings(db);
  if (inPasswordWarningWindow(user.passwordChangedAt, settings)) {
    const expires = passwordExpiresAt(user.passwordChangedAt, settings)!;
    exceptions.push(error(`Your password expires on ${expires.toISOString().slice(0, 10)}. Change it at ${urls.ChangePasswordUrl}`, 'Warning'));
  }
  const { token } = await issueSoapToken(db, outcome.user);
  return result(
    'AuthenticateUser',
    exceptions,
    { AuthenticationToken: token, UserName: user.email, FirstName: user.firstName, LastName: user.lastName, ...urls },
    await accountsOf(db, principalOf(user)),
  );
}

async function authenticateApiUser(db: Db, userName: string, key: string, meta: RequestMeta): Promise<string> {
  try {
    const issued = await db.transaction((tx) => issueApiToken(tx, { apiUsername: userName, key, sessionLengthInMinutes: SOAP_TOKEN_MINUTES }, meta));
    const caller = await authenticateApiCaller(db, `Bearer ${issued.token}`);
    return result('AuthenticateUser', [], { AuthenticationToken: issued.token, UserName: caller.username, FirstName: '', LastName: '' }, await accountsOf(db, caller.principal));
  } catch (e) {
    if (e instanceof AppError) return result('AuthenticateUser', [error(e.message)]);
    throw e;
  }
}

/** The accounts (environments) a caller may use, oldest first: the first is the primary one. */
async function accountsOf(db: Db, principal: Principal): Promise<string> {
  const reach = principal.allEnvironments ? undefined : inArray(environments.id, principal.environmentIds.length ? [...principal.environmentIds] : [randomUUID()]);
  const accounts = await db
    .select({ contextIdentifier: environments.contextIdentifier, name: environments.name })
    .from(environments)
    .where(and(reach, isNull(environments.archivedAt)))
    .orderBy(asc(environments.createdAt), asc(environments.name));
  return element('Accounts', {}, accounts.map((a, i) => element('UserAccount', { ContextIdentifier: a.contextIdentifier, IsPrimary: i === 0, Name: a.name })));
}

const LIST_BATCH = 500;

/**
 * Every user of the environment the caller may see, streamed in keyset batches: memory stays flat.
 * The walk goes by id, which never changes. By email, a user renamed between two batches was listed
 * twice or not at all, and a sync client takes a user missing from the list for one removed.
 */
async function listAll(db: Db, fields: Fields): Promise<SoapResponse> {
  const { principal, environment, confirm } = await contextOf(db, fields, 'users.read');
  const batch = (q: Db | Tx, reader: Principal, after: string | null) =>
    q
      .select({
        id: users.id,
        email: users.email,
        firstName: users.firstName,
        lastName: users.lastName,
        role: roles.name,
        status: users.status,
        requirePasswordChange: users.requirePasswordChange,
        tags: users.tags,
      })
      .from(users)
      .innerJoin(roles, eq(roles.id, users.roleId))
      .where(and(listFilter(reader, environment.id, {}), after === null ? undefined : gt(users.id, after)))
      .orderBy(asc(users.id))
      .limit(LIST_BATCH);
  /**
   * A later batch, read only while the caller may still read this account: a slow reader can hold a
   * listing open for a long time, and a ban, a revoke or a demotion since it began must stop it there.
   */
  const readBatch = (after: string) =>
    change(db, async (tx) => {
      const reader = await confirm(tx);
      if (!hasPermission(reader, 'users.read') || !(reader.allEnvironments || reader.environmentIds.includes(environment.id)))
        throw new Refusal([error('You may no longer read the users of this account.', 'Fatal')]);
      return batch(tx, reader, after);
    });
  // Later batches are paced per caller (SOAP_LIST_BATCHES_PER_CALLER): over the budget, the stream waits.
  const pace = `soap-list:${principal.actor.type}:${'id' in principal.actor ? principal.actor.id : ''}`;
  const nextBatch = async (after: string) => {
    while (!(await take(db, pace, SOAP_LIST_BATCHES_PER_CALLER))) {
      const seconds = await retryAfter(db, pace, SOAP_LIST_BATCHES_PER_CALLER);
      await new Promise((resolve) => setTimeout(resolve, 1000 * Math.max(seconds, 0.1)));
    }
    return readBatch(after);
  };
  type Row = Awaited<ReturnType<typeof batch>>[number];
  const render = (u: Row) =>
    element(
      'User',
      {
        UserName: u.email,
        FirstName: u.firstName,
        LastName: u.lastName,
        Role: u.role,
        RequirePasswordChange: u.requirePasswordChange,
        // Banned users cannot sign in either: to a client of this dialect they are inactive.
        Inactive: u.status === 'inactive' || u.status === 'banned',
        Locked: u.status === 'locked',
      },
      u.tags.length ? element('Tags', {}, u.tags.map((t) => element('UserTag', { Name: t.name, Value: t.value }))) : '',
    );

  // The first batch is read before the answer starts, so a failure there is still a proper response.
  let rows: Row[] = await batch(db, principal, null);
  const encoder = new TextEncoder();
  const head = `${ENVELOPE_OPEN}<ListUsersResponse xmlns="${USERS_NS}"><ListUsersResult Success="true"><Users>`;
  const end = (exceptions: UserException[]) =>
    `</Users>${element('Exceptions', {}, exceptions.map((e) => element('UserException', { Severity: e.severity }, escapeXml(e.message))))}</ListUsersResult></ListUsersResponse>${ENVELOPE_CLOSE}`;
  let started = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(head + rows.map(render).join('')));
        return;
      }
      if (rows.length < LIST_BATCH) {
        controller.enqueue(encoder.encode(end([])));
        controller.close();
        return;
      }
      try {
        rows = await nextBatch(rows.at(-1)!.id);
      } catch (e) {
        if (!(e instanceof Refusal)) throw e;
        // Success="true" is already on the wire: the document still ends as the dialect's results do,
        // with a Fatal exception a client checks (as it is told to) before taking the list as whole.
        const incomplete = e.exceptions.map((x) => ({ ...x, message: `${x.message} This list is incomplete: the users after the last one listed were not sent.` }));
        controller.enqueue(encoder.encode(end(incomplete)));
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(rows.map(render).join('')));
    },
  });
  return { status: 200, body: stream };
}

async function create(db: Db, fields: Fields, meta: RequestMeta): Promise<string> {
  const input = {
    email: fields.required('UserName'),
    firstName: fields.required('FirstName'),
    lastName: fields.required('LastName'),
    role: fields.required('Role'),
    // Given empty, it is refused as empty (Password: Enter a password.), never read as "invite them".
    password: fields.text('Password'),
    requirePasswordChange: fields.bool('RequirePasswordChange'),
    inactive: fields.bool('Inactive'),
    sendCredentialsViaEmail: fields.bool('SendCredentialsViaEmail'),
    autoGeneratePassword: fields.bool('AutoGeneratePassword'),
    tags: fields.tags(),
  };
  const { environment, confirm, settle } = await contextOf(db, fields, 'users.write');
  await change(db, async (tx) => {
    const principal = await confirm(tx);
    const { role, ...rest } = input;
    const { id: roleId, name, requiredFields } = (await roleByName(tx, role))!;
    // The portal's Add asks for them; the AssureSign wire has no element to carry them.
    if (requiredFields.length > 0)
      throw new Refusal([
        error(`Role: the ${name} role asks for ${requiredFields.map((f) => f.label).join(', ')} when a user is added, which this service has no field for: add such users in the portal, by import or through the REST API.`),
      ]);
    const create: CreateUserFields = { ...rest, roleId, environmentIds: [environment.id], tags: rest.tags ?? [] };
    await createUserFromFields(tx, principal, create, meta);
    await settle(tx, principal);
  });
  return result('CreateUser', []);
}

async function update(db: Db, fields: Fields, meta: RequestMeta): Promise<string> {
  const userName = fields.required('UserName');
  const locked = fields.bool('Locked');
  const input = {
    // Given empty, these are refused as empty (the field is named), never read as "left as it is".
    email: fields.text('NewUserName'),
    firstName: fields.text('FirstName'),
    lastName: fields.text('LastName'),
    role: fields.text('Role'),
    password: fields.text('Password'),
    requirePasswordChange: fields.bool('RequirePasswordChange'),
    inactive: fields.bool('Inactive'),
    locked,
    sendCredentialsViaEmail: fields.bool('SendCredentialsViaEmail'),
    autoGenerateNewPassword: fields.bool('AutoGenerateNewPassword'),
    tags: fields.tags(),
  };
  const { environment, confirm, settle } = await contextOf(db, fields, 'users.read');
  await change(db, async (tx) => {
    const principal = await confirm(tx);
    const { role: roleName, ...rest } = input;
    const userId = await userIdByName(tx, principal, environment.id, userName);
    const role = await roleByName(tx, roleName);
    // The wire has no field for environments. A user in none (an Administrator: their role spans them
    // all) who moves to a role tied to environments joins the one the call is made in.
    const joins = role && !role.allEnvironments && (await membershipsOf(tx, userId)).length === 0;
    const changes: UpdateUserFields = { ...rest, roleId: role?.id, environmentIds: joins ? [environment.id] : undefined };
    await updateUserFromFields(tx, principal, userId, changes, meta);
    await settle(tx, principal);
  });
  return result('UpdateUser', []);
}

/** Userdesk never deletes a user: DeleteUser bans them (access withdrawn, history kept; Validate undoes it). */
async function remove(db: Db, fields: Fields, meta: RequestMeta): Promise<string> {
  const userName = fields.required('UserName');
  const { environment, confirm, settle } = await contextOf(db, fields, 'users.ban');
  await change(db, async (tx) => {
    const principal = await confirm(tx);
    const userId = await userIdByName(tx, principal, environment.id, userName);
    const user = await findChangeableUser(tx, principal, userId);
    await banUser(tx, principal, userId, { version: user.version, reason: 'Removed through the AssureSign DeleteUser operation' }, meta);
    await settle(tx, principal);
  });
  return result('DeleteUser', [error('Userdesk keeps every user: this user was banned (access withdrawn, history kept) instead of deleted.', 'Warning')]);
}

/** Answers one SOAP request. Faults for malformed requests; results with UserExceptions for refusals. */
export async function handleUsersRequest(db: Db, request: { body: string; soapAction: string | null; meta: RequestMeta }): Promise<SoapResponse> {
  let operation: Operation | undefined;
  try {
    const parsed = parseEnvelope(request.body);
    operation = operationOf(parsed, request.soapAction);
    const fields = requestOf(operation, parsed.content);
    switch (operation) {
      case 'AuthenticateUser':
        return { status: 200, body: envelope(await authenticate(db, fields, request.meta)) };
      case 'ListUsers':
        return await listAll(db, fields);
      case 'CreateUser':
        return { status: 200, body: envelope(await create(db, fields, request.meta)) };
      case 'UpdateUser':
        return { status: 200, body: envelope(await update(db, fields, request.meta)) };
      case 'DeleteUser':
        return { status: 200, body: envelope(await remove(db, fields, request.meta)) };
    }
  } catch (e) {
    if (e instanceof SoapFault) throw e;
    if (operation && e instanceof Refusal) return { status: 200, body: envelope(result(operation, e.exceptions)) };
    if (operation && e instanceof AppError) return { status: 200, body: envelope(result(operation, exceptionsOf(e, operation))) };
    const reference = randomUUID().slice(0, 8);
    console.error(`SOAP ${operation ?? 'request'} failed (reference ${reference})`, e);
    throw new SoapFault(`Something went wrong and nothing was saved (reference ${reference}).`, 'Server');
  }
}
