// The WSDL of the AssureSign-compatible "Users" service (GET /Services/DocumentNOW/Users?wsdl), for
// clients that read the service description at run time (PHP's SoapClient, Python's zeep, a .NET or Java
// proxy regenerated against this server). Document/literal SOAP 1.1, in the vendor's wire form
// (shared/reference/assuresign-users-soap.md): text fields are attributes of the request element,
// booleans are elements that may be xsi:nil, Tags holds UserTag elements. REQUESTS says which field is
// which; the service reads exactly these fields (users-service.test.ts holds the two to each other).
import { escapeXml } from './xml';

const NS = 'https://www.assuresign.net/Services/DocumentNOW/Users';

type RequestShape = { element: string; attributes: readonly string[]; elements: readonly string[] };

const CALLER = ['ContextIdentifier', 'AuthenticationToken'];

/** Each operation's request element and its fields, booleans (and Tags) in the order the vendor's sample sends them. */
export const REQUESTS = {
  AuthenticateUser: { element: 'AuthenticateUserRequest', attributes: ['UserName', 'Password'], elements: [] },
  ListUsers: { element: 'Request', attributes: CALLER, elements: [] },
  CreateUser: {
    element: 'Request',
    attributes: [...CALLER, 'UserName', 'FirstName', 'LastName', 'Password', 'Role'],
    elements: ['RequirePasswordChange', 'Inactive', 'AutoGeneratePassword', 'SendCredentialsViaEmail', 'Tags'],
  },
  UpdateUser: {
    element: 'Request',
    attributes: [...CALLER, 'UserName', 'NewUserName', 'FirstName', 'LastName', 'Password', 'Role'],
    elements: ['RequirePasswordChange', 'Inactive', 'Locked', 'AutoGenerateNewPassword', 'SendCredentialsViaEmail', 'Tags'],
  },
  DeleteUser: { element: 'Request', attributes: [...CALLER, 'UserName'], elements: [] },
} as const satisfies Record<string, RequestShape>;

const attribute = (name: string, type = 'xs:string') => `<xs:attribute name="${name}" type="${type}" />`;

function requestType(operation: string, shape: RequestShape): string {
  const elements = shape.elements.map((name) =>
    name === 'Tags'
      ? '<xs:element name="Tags" type="tns:ArrayOfUserTag" minOccurs="0" nillable="true" />'
      : `<xs:element name="${name}" type="xs:boolean" minOccurs="0" nillable="true" />`,
  );
  return (
    `<xs:complexType name="${operation}Request"><xs:sequence>${elements.join('')}</xs:sequence>` +
    `${shape.attributes.map((name) => attribute(name)).join('')}</xs:complexType>`
  );
}

/** What each result carries beside Success and Exceptions. */
const RESULTS: Record<keyof typeof REQUESTS, { attributes: string[]; elements: string }> = {
  AuthenticateUser: {
    attributes: ['AuthenticationToken', 'UserName', 'FirstName', 'LastName', 'ExpiredPasswordUrl', 'ChangePasswordUrl'],
    elements: '<xs:element name="Accounts" type="tns:ArrayOfUserAccount" minOccurs="0" />',
  },
  ListUsers: { attributes: [], elements: '<xs:element name="Users" type="tns:ArrayOfUser" minOccurs="0" />' },
  CreateUser: { attributes: [], elements: '' },
  UpdateUser: { attributes: [], elements: '' },
  DeleteUser: { attributes: [], elements: '' },
};

const SHARED_TYPES = [
  '<xs:complexType name="UserTag">' + attribute('Name') + attribute('Value') + '</xs:complexType>',
  '<xs:complexType name="ArrayOfUserTag"><xs:sequence><xs:element name="UserTag" type="tns:UserTag" minOccurs="0" maxOccurs="unbounded" /></xs:sequence></xs:complexType>',
  '<xs:simpleType name="Severity"><xs:restriction base="xs:string"><xs:enumeration value="Warning" /><xs:enumeration value="Error" /><xs:enumeration value="Fatal" /></xs:restriction></xs:simpleType>',
  '<xs:complexType name="UserException"><xs:simpleContent><xs:extension base="xs:string"><xs:attribute name="Severity" type="tns:Severity" /></xs:extension></xs:simpleContent></xs:complexType>',
  '<xs:complexType name="ArrayOfUserException"><xs:sequence><xs:element name="UserException" type="tns:UserException" minOccurs="0" maxOccurs="unbounded" /></xs:sequence></xs:complexType>',
  '<xs:complexType name="UserAccount">' + attribute('ContextIdentifier') + attribute('IsPrimary', 'xs:boolean') + attribute('Name') + '</xs:complexType>',
  '<xs:complexType name="ArrayOfUserAccount"><xs:sequence><xs:element name="UserAccount" type="tns:UserAccount" minOccurs="0" maxOccurs="unbounded" /></xs:sequence></xs:complexType>',
  '<xs:complexType name="User"><xs:sequence><xs:element name="Tags" type="tns:ArrayOfUserTag" minOccurs="0" /></xs:sequence>' +
    ['UserName', 'FirstName', 'LastName', 'Role'].map((name) => attribute(name)).join('') +
    ['RequirePasswordChange', 'Inactive', 'Locked'].map((name) => attribute(name, 'xs:boolean')).join('') +
    '</xs:complexType>',
  '<xs:complexType name="ArrayOfUser"><xs:sequence><xs:element name="User" type="tns:User" minOccurs="0" maxOccurs="unbounded" /></xs:sequence></xs:complexType>',
];

/** The service description, with `location` (the endpoint's public URL) as the SOAP address. */
export function usersWsdl(location: string): string {
  const operations = Object.keys(REQUESTS) as (keyof typeof REQUESTS)[];
  const types = operations.flatMap((op) => {
    const request = REQUESTS[op];
    const result = RESULTS[op];
    return [
      requestType(op, request),
      `<xs:element name="${op}"><xs:complexType><xs:sequence><xs:element name="${request.element}" type="tns:${op}Request" /></xs:sequence></xs:complexType></xs:element>`,
      `<xs:complexType name="${op}Result"><xs:sequence>${result.elements}<xs:element name="Exceptions" type="tns:ArrayOfUserException" /></xs:sequence>` +
        `${attribute('Success', 'xs:boolean')}${result.attributes.map((name) => attribute(name)).join('')}</xs:complexType>`,
      `<xs:element name="${op}Response"><xs:complexType><xs:sequence><xs:element name="${op}Result" type="tns:${op}Result" /></xs:sequence></xs:complexType></xs:element>`,
    ];
  });
  const messages = operations.map(
    (op) =>
      `<wsdl:message name="IUserService_${op}_InputMessage"><wsdl:part name="parameters" element="tns:${op}" /></wsdl:message>` +
      `<wsdl:message name="IUserService_${op}_OutputMessage"><wsdl:part name="parameters" element="tns:${op}Response" /></wsdl:message>`,
  );
  const portOperations = operations.map(
    (op) =>
      `<wsdl:operation name="${op}"><wsdl:input message="tns:IUserService_${op}_InputMessage" /><wsdl:output message="tns:IUserService_${op}_OutputMessage" /></wsdl:operation>`,
  );
  const bindingOperations = operations.map(
    (op) =>
      `<wsdl:operation name="${op}"><soap:operation soapAction="${NS}/IUserService/${op}" style="document" />` +
      '<wsdl:input><soap:body use="literal" /></wsdl:input><wsdl:output><soap:body use="literal" /></wsdl:output></wsdl:operation>',
  );
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<wsdl:definitions name="UserService" targetNamespace="${NS}" xmlns:tns="${NS}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xs="http://www.w3.org/2001/XMLSchema">`,
    // DeleteUser bans: Userdesk never deletes a user (README, "The AssureSign-compatible SOAP service").
    '<wsdl:documentation>Userdesk, AssureSign-compatible Users service (SOAP 1.1, text/xml). DeleteUser bans the user: users are never deleted.</wsdl:documentation>',
    `<wsdl:types><xs:schema targetNamespace="${NS}" elementFormDefault="qualified">${[...SHARED_TYPES, ...types].join('')}</xs:schema></wsdl:types>`,
    ...messages,
    `<wsdl:portType name="IUserService">${portOperations.join('')}</wsdl:portType>`,
    `<wsdl:binding name="BasicHttpBinding_IUserService" type="tns:IUserService"><soap:binding transport="http://schemas.xmlsoap.org/soap/http" />${bindingOperations.join('')}</wsdl:binding>`,
    `<wsdl:service name="UserService"><wsdl:port name="BasicHttpBinding_IUserService" binding="tns:BasicHttpBinding_IUserService"><soap:address location="${escapeXml(location)}" /></wsdl:port></wsdl:service>`,
    '</wsdl:definitions>',
  ].join('\n');
}
