// The AssureSign-compatible SOAP endpoint on the wire, against the running server.
import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { ACCOUNTS, PASSWORD } from './accounts';

const NS = 'https://www.assuresign.net/Services/DocumentNOW/Users';
const ENDPOINT = '/Services/DocumentNOW/Users';

const envelope = (operation: string, inner: string) =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${operation} xmlns="${NS}">${inner}</${operation}></soap:Body></soap:Envelope>`;

const headers = (operation: string) => ({ 'content-type': 'text/xml; charset=utf-8', soapaction: `"${NS}/IUserService/${operation}"` });
const attr = (xml: string, name: string) => xml.match(new RegExp(`${name}="([^"]*)"`))?.[1];

test('an integration authenticates, lists, creates and updates users over SOAP', async ({ request }) => {
  const manager = ACCOUNTS.manager;
  const auth = await request.post(ENDPOINT, {
    headers: headers('AuthenticateUser'),
    data: envelope('AuthenticateUser', `<AuthenticateUserRequest UserName="${manager.email}" Password="${PASSWORD}" />`),
  });
  expect(auth.status()).toBe(200);
  expect(auth.headers()['content-type']).toContain('text/xml');
  const authXml = await auth.text();
  expect(authXml).toContain('<AuthenticateUserResult Success="true"');
  const token = attr(authXml, 'AuthenticationToken')!;
  const context = authXml.match(/<UserAccount ContextIdentifier="([^"]+)" IsPrimary="true" Name="Production"/)?.[1];
  expect(context).toBeTruthy();

  const email = `soap-${randomUUID().slice(0, 8)}@acme.test`;
  const created = await request.post(ENDPOINT, {
    headers: headers('CreateUser'),
    data: envelope(
      'CreateUser',
      `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" UserName="${email}" FirstName="Sol" LastName="Soap" Role="User"><Tags><UserTag Name="ExternalUserId" Value="42" /></Tags></Request>`,
    ),
  });
  expect(await created.text()).toContain('<CreateUserResult Success="true"><Exceptions /></CreateUserResult>');

  const updated = await request.post(ENDPOINT, {
    headers: headers('UpdateUser'),
    data: envelope('UpdateUser', `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" UserName="${email}"><LastName>Soapworth</LastName></Request>`),
  });
  expect(await updated.text()).toContain('<UpdateUserResult Success="true">');

  const list = await request.post(ENDPOINT, {
    headers: headers('ListUsers'),
    data: envelope('ListUsers', `<Request ContextIdentifier="${context}" AuthenticationToken="${token}" />`),
  });
  const listXml = await list.text();
  expect(listXml).toContain('<ListUsersResult Success="true">');
  expect(listXml).toContain(`<User UserName="${email}" FirstName="Sol" LastName="Soapworth" Role="User"`);
  expect(listXml).toContain('<UserTag Name="ExternalUserId" Value="42" />');
  // A manager of Production does not see Sandbox's users.
  expect(listXml).not.toContain(ACCOUNTS.sandboxOnly.email);
});

test('hostile SOAP requests get faults, never a crash', async ({ request }) => {
  const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`;
  const dtd = await request.post(ENDPOINT, { headers: headers('ListUsers'), data: xxe });
  expect(dtd.status()).toBe(500);
  const dtdXml = await dtd.text();
  expect(dtdXml).toContain('<faultcode>soap:Client</faultcode>');
  expect(dtdXml).not.toContain('root:');

  const big = await request.post(ENDPOINT, { headers: headers('ListUsers'), data: envelope('ListUsers', `<Request x="${'a'.repeat(1_100_000)}" />`) });
  expect(big.status()).toBe(413);

  const garbage = await request.post(ENDPOINT, { headers: headers('ListUsers'), data: Buffer.from([0xff, 0xfe, 0x00, 0x3c]) });
  expect(garbage.status()).toBe(500);
  expect(await garbage.text()).toContain('soap:Fault');

  // What a web page could make its visitors' browsers send cross-site (no CORS preflight): refused before any sign-in.
  const form = await request.post(ENDPOINT, {
    headers: { 'content-type': 'text/plain' },
    data: envelope('AuthenticateUser', `<AuthenticateUserRequest UserName="${ACCOUNTS.manager.email}" Password="${PASSWORD}" />`),
  });
  expect(form.status()).toBe(415);
  expect(await form.text()).toContain('SOAP 1.1 requests are sent as text/xml');

  const get = await request.get(ENDPOINT);
  expect(get.status()).toBe(405);
});

test('GET ?wsdl describes the service at this server, with the SOAPAction of each operation; its address never comes from the Host header', async ({ request, baseURL }) => {
  const wsdl = await request.get(`${ENDPOINT}?wsdl`, { headers: { host: 'attacker.example' } });
  expect(wsdl.status()).toBe(200);
  expect(wsdl.headers()['content-type']).toContain('text/xml');
  const text = await wsdl.text();
  expect(text).toContain(`<soap:address location="${baseURL}${ENDPOINT}" />`);
  expect(text).not.toContain('attacker.example');
  for (const operation of ['AuthenticateUser', 'ListUsers', 'CreateUser', 'UpdateUser', 'DeleteUser'])
    expect(text).toContain(`<soap:operation soapAction="${NS}/IUserService/${operation}" style="document" />`);
  // As .NET's svcutil and Java's wsimport ask for it.
  expect((await request.get(`${ENDPOINT}?WSDL`)).status()).toBe(200);
  expect((await request.get(`${ENDPOINT}?singleWsdl`)).status()).toBe(200);
});
