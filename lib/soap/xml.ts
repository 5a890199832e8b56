// SOAP 1.1 envelopes for the AssureSign-compatible endpoints: reading a request safely (no DTDs, no
// entity declarations, a size cap) and writing responses and faults. The wire format is in
// shared/reference/assuresign-users-soap.md.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export const SOAP_ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

/** A request the endpoint refuses before any operation runs; answered with a SOAP Fault. */
export class SoapFault extends Error {
  constructor(
    message: string,
    readonly code: 'Client' | 'Server' = 'Client',
    readonly httpStatus = 500,
  ) {
    super(message);
    this.name = 'SoapFault';
  }
}

/** A parsed element: attributes under '@_' keys, children by local name, text under '#text'. */
export type XmlNode = { [key: string]: unknown };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  // Only the five XML entities and character references: a DOCTYPE (the one way to declare others)
  // is refused before parsing. htmlEntities turns on numeric references (&#38;).
  processEntities: true,
  htmlEntities: true,
  trimValues: false,
  isArray: (name) => name === 'UserTag',
});

/** The operation element inside the SOAP Body, by local name, with its parsed content. */
export function parseEnvelope(body: string): { operation: string; content: XmlNode } {
  // A DTD is how XXE and entity-expansion ("billion laughs") attacks arrive: none is ever accepted.
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw new SoapFault('DTDs and entity declarations are not allowed.');
  const valid = XMLValidator.validate(body);
  if (valid !== true) throw new SoapFault(`The request is not well-formed XML: ${valid.err.msg} (line ${valid.err.line}).`);
  let doc: XmlNode;
  try {
    doc = parser.parse(body) as XmlNode;
  } catch (error) {
    // The parser's own refusals: nesting past its limit, an element named __proto__ or constructor.
    throw new SoapFault(`The request could not be read: ${error instanceof Error ? error.message.replace(/^\[SECURITY\]\s*/, '') : 'not XML'}.`);
  }
  const envelope = doc.Envelope as XmlNode | undefined;
  const soapBody = envelope?.Body;
  if (!envelope || !soapBody || typeof soapBody !== 'object')
    throw new SoapFault('The request is not a SOAP 1.1 envelope with a Body.');
  const operations = Object.keys(soapBody).filter((k) => !k.startsWith('@_') && k !== '#text');
  if (operations.length !== 1) throw new SoapFault('The SOAP Body must hold exactly one operation.');
  const operation = operations[0]!;
  const content = (soapBody as XmlNode)[operation];
  return { operation, content: typeof content === 'object' && content !== null ? (content as XmlNode) : {} };
}

// XML 1.0 cannot carry most control characters, even escaped: they are dropped from output.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeXml(value: string): string {
  return value
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export type Attributes = Record<string, string | number | boolean | null | undefined>;

/** One element: attributes (null/undefined ones left out) and already-serialised children. */
export function element(name: string, attributes: Attributes = {}, children: string | string[] = ''): string {
  const attrs = Object.entries(attributes)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
  const inner = Array.isArray(children) ? children.join('') : children;
  return inner === '' ? `<${name}${attrs} />` : `<${name}${attrs}>${inner}</${name}>`;
}

export const ENVELOPE_OPEN = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP_ENVELOPE_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>`;
export const ENVELOPE_CLOSE = '</soap:Body></soap:Envelope>';

export const envelope = (body: string) => `${ENVELOPE_OPEN}${body}${ENVELOPE_CLOSE}`;

export function faultEnvelope(fault: SoapFault): string {
  return envelope(
    element('soap:Fault', {}, [element('faultcode', {}, `soap:${fault.code}`), element('faultstring', {}, escapeXml(fault.message))]),
  );
}
