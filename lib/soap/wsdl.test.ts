import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { OPERATIONS, USERS_NS } from './users-service';
import { usersWsdl } from './wsdl';

type Node = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', removeNSPrefix: true, isArray: (name) => ['operation', 'message', 'complexType', 'element', 'attribute'].includes(name) });

describe('usersWsdl', () => {
  const wsdl = usersWsdl('https://portal.example.test/Services/DocumentNOW/Users?a=1&b="2"');
  const definitions = (parser.parse(wsdl) as Node).definitions as Node;

  it('is a well-formed WSDL of the service namespace, at the address it is given', () => {
    expect(XMLValidator.validate(wsdl)).toBe(true);
    expect(definitions.targetNamespace).toBe(USERS_NS);
    const port = ((definitions.service as Node).port as Node).address as Node;
    expect(port.location).toBe('https://portal.example.test/Services/DocumentNOW/Users?a=1&b="2"');
  });

  it('binds every operation the service answers, document/literal SOAP 1.1, with the SOAPAction it checks', () => {
    const binding = definitions.binding as Node;
    expect((binding.binding as Node).transport).toBe('http://schemas.xmlsoap.org/soap/http');
    const operations = binding.operation as Node[];
    expect(operations.map((o) => o.name)).toEqual([...OPERATIONS]);
    for (const operation of operations) {
      const soap = (operation.operation as Node[])[0]!;
      expect(soap).toMatchObject({ soapAction: `${USERS_NS}/IUserService/${String(operation.name)}`, style: 'document' });
      expect(((operation.input as Node).body as Node).use).toBe('literal');
    }
    expect(((definitions.portType as Node).operation as Node[]).map((o) => o.name)).toEqual([...OPERATIONS]);
  });
});
