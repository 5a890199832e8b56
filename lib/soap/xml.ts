// SOAP 1.1 envelopes for the AssureSign-compatible endpoints: reading a request safely (a size cap, no
// DTDs or entity declarations, XML 1.0's character rules, a bound on markup so that parsing stays cheap,
// the namespaces of Envelope, Body and operation) and writing responses and faults. The wire format is
// in shared/reference/assuresign-users-soap.md.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { BodyTooLarge, readBodyBytes } from '@/lib/request-body';

export const SOAP_ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

/**
 * Requests are read before anyone is authenticated, so they are kept to what a real one needs: an
 * UpdateUser with every field and 50 tags at their longest is about 33 KB in ASCII. The REST API takes
 * the same 64 KiB.
 */
export const MAX_REQUEST_BYTES = 64 * 1024;

/**
 * Markup (tags, end tags, comments, CDATA sections, processing instructions) and attribute values in
 * one request; that UpdateUser has 76 and 114. The parser's time follows these more than the bytes:
 * 16,000 empty elements fit in 64 KiB and took 100 ms of CPU, while the costliest 64 KiB requests
 * within these caps take 10 to 15 ms.
 */
export const MAX_MARKUP = 1_000;
export const MAX_ATTRIBUTES = 1_000;

/** A request the endpoint refuses before any operation runs; answered with a SOAP Fault. */
export class SoapFault extends Error {
  constructor(
    message: string,
    readonly code: 'Client' | 'Server' | 'VersionMismatch' | 'MustUnderstand' = 'Client',
    readonly httpStatus = 500,
  ) {
    super(message);
    this.name = 'SoapFault';
  }
}

/** A parsed element: attributes under '@_' keys, children by local name, text under '#text'. */
export type XmlNode = { [key: string]: unknown };

/** What SOAP 1.2 is sent as; a client sending it speaks the wrong version. */
const SOAP_12_MEDIA_TYPE = 'application/soap+xml';

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';
const UTF_16 = ['utf-16', 'utf-16le', 'utf-16be', 'unicode', 'unicodefffe'];

/** The encodings a client may name (charset, XML declaration): UTF-8 (ASCII is a part of it) and UTF-16, as the original service's. */
function familyOf(label: string): 'UTF-8' | 'UTF-16' | null {
  const name = label.trim().toLowerCase();
  if (['utf-8', 'utf8', 'us-ascii', 'ascii'].includes(name)) return 'UTF-8';
  return UTF_16.includes(name) ? 'UTF-16' : null;
}
const familyOfEncoding = (encoding: Encoding) => (encoding === 'utf-8' ? 'UTF-8' : 'UTF-16');

const unsupported = (label: string, where: string) =>
  new SoapFault(`The request is in ${label} (${where}): this service reads UTF-8 or UTF-16 only. Send it in UTF-8.`, 'Client', 415);

/** The encoding the bytes show: a byte order mark, or a UTF-16 "<" (XML 1.0, appendix F); null for UTF-8 and the like. */
function sniff(bytes: Buffer): Encoding | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0x3c && bytes[1] === 0x00)) return 'utf-16le';
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0x00 && bytes[1] === 0x3c)) return 'utf-16be';
  return null;
}

/**
 * The request body as text. SOAP 1.1 is sent as text/xml (SOAP 1.1, section 6.1.1), which a browser
 * cannot send to another site without asking first (CORS): so no web page can make its visitors'
 * browsers call AuthenticateUser for it, each from another address. The body is UTF-8 or UTF-16,
 * and its byte order mark, charset and XML declaration must agree: read in an encoding it is not
 * in, a name would be stored garbled. Past MAX_REQUEST_BYTES it is refused (HTTP 413) while it streams in.
 */
export async function readSoapBody(request: Request): Promise<string> {
  const contentType = request.headers.get('content-type') ?? '';
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (mediaType === SOAP_12_MEDIA_TYPE)
    throw new SoapFault(`The request is sent as ${SOAP_12_MEDIA_TYPE}, which is SOAP 1.2: this service speaks SOAP 1.1, sent as text/xml.`, 'VersionMismatch', 415);
  if (mediaType !== 'text/xml')
    throw new SoapFault(`The request is sent as ${mediaType || 'no Content-Type'}: SOAP 1.1 requests are sent as text/xml (Content-Type: text/xml; charset=utf-8).`, 'Client', 415);
  const coding = request.headers.get('content-encoding')?.trim().toLowerCase();
  if (coding && coding !== 'identity') throw new SoapFault(`The request body is ${coding}-encoded: send it uncompressed (no Content-Encoding).`, 'Client', 415);
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)?.[1];
  if (charset !== undefined && !familyOf(charset)) throw unsupported(charset, 'its Content-Type says so');

  const bytes = await readBodyBytes(request, MAX_REQUEST_BYTES).catch((e: unknown) => {
    throw e instanceof BodyTooLarge ? new SoapFault(e.message, 'Client', 413) : new SoapFault('The request body could not be read to its end.');
  });
  const shown = sniff(bytes);
  const encoding: Encoding = shown ?? (charset && familyOf(charset) === 'UTF-16' ? 'utf-16be' : 'utf-8');
  const family = familyOfEncoding(encoding);
  if (charset !== undefined && familyOf(charset) !== family)
    throw new SoapFault(`The Content-Type says charset=${charset}, but the body is ${family}: send the charset the body is in.`);
  // The XML declaration is ASCII in any encoding this reads, so the start of the body decoded leniently shows it.
  const declared = /^<\?xml\s[^>]*?\bencoding\s*=\s*(["'])(.*?)\1/.exec(new TextDecoder(encoding).decode(bytes.subarray(0, 512)))?.[2];
  if (declared !== undefined) {
    if (!familyOf(declared)) throw unsupported(declared, 'its XML declaration says so');
    if (familyOf(declared) !== family) throw new SoapFault(`The request declares encoding="${declared}", but it is ${family} text.`);
  }
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    throw new SoapFault(`The request body is not ${family} text.`);
  }
}

// XML 1.0's Char production: what a document may hold, literally or through a character reference.
const NOT_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const isXmlChar = (c: number) => c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
const REFERENCE = /&(?:#x([0-9A-Fa-f]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/y;
const REFERENCES = new RegExp(REFERENCE.source, 'g');
const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const codeOf = (hex: string | undefined, decimal: string | undefined) => (hex !== undefined ? parseInt(hex, 16) : parseInt(decimal!, 10));

/**
 * Decodes what checkLexically lets through and nothing else: XML's five entities and references to
 * characters XML allows (the parser's own decoder also knows HTML's entities, and drops bad references).
 */
const entityDecoder = {
  decode: (text: string) =>
    text.includes('&')
      ? text.replace(REFERENCES, (_, hex?: string, decimal?: string, name?: string) => (name ? XML_ENTITIES[name]! : String.fromCodePoint(codeOf(hex, decimal))))
      : text,
  reset() {},
  setExternalEntities() {},
  addInputEntities() {},
  setXmlVersion() {},
};

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Prefixes and xmlns declarations are kept so that namespaces can be resolved (parseEnvelope).
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  // A DOCTYPE, the one way to declare entities, is refused before parsing.
  processEntities: true,
  entityDecoder,
  trimValues: false,
  isArray: (name) => name.slice(name.indexOf(':') + 1) === 'UserTag',
});

const lineAt = (xml: string, at: number) => xml.slice(0, at).split('\n').length;
const notWellFormed = (problem: string, xml?: string, at?: number) =>
  new SoapFault(`The request is not well-formed XML: ${problem}${xml === undefined || at === undefined ? '' : ` (line ${lineAt(xml, at)})`}.`);

/** References in a text or an attribute value that starts at `offset` in `xml`. */
function checkReferences(text: string, xml: string, offset: number) {
  for (let at = text.indexOf('&'); at !== -1; at = text.indexOf('&', at + 1)) {
    REFERENCE.lastIndex = at;
    const reference = REFERENCE.exec(text);
    if (!reference) {
      const shown = /^&[^\s&<;]{0,16};?/.exec(text.slice(at, at + 20))![0];
      throw notWellFormed(`${shown} is not a reference XML knows (&amp; &lt; &gt; &quot; &apos; or a character's number; write & itself as &amp;)`, xml, offset + at);
    }
    const [written, hex, decimal, name] = reference;
    if (name === undefined && !isXmlChar(codeOf(hex, decimal))) throw notWellFormed(`${written.slice(0, 20)} refers to a character XML does not allow`, xml, offset + at);
  }
}

/** The end of a comment, CDATA section or processing instruction that opens before `from`. */
function closing(xml: string, end: string, from: number, what: string) {
  const at = xml.indexOf(end, from);
  if (at === -1) throw notWellFormed(`${what} is not closed`, xml, from);
  return at;
}

/**
 * What XML 1.0 forbids and fast-xml-parser lets through, found in one pass before any parsing:
 * characters outside XML's Char production, written or referenced (&#0; &#xFFFE;); entities other than
 * the five (there is no DTD to declare one); "<" in an attribute value; "]]>" in text; "--" in a
 * comment. The same pass counts markup and attributes (MAX_MARKUP, MAX_ATTRIBUTES).
 */
function checkLexically(xml: string) {
  const illegal = xml.search(NOT_XML_CHARS);
  if (illegal !== -1) {
    const code = xml.codePointAt(illegal)!.toString(16).toUpperCase().padStart(4, '0');
    throw notWellFormed(`it holds U+${code}, a character XML does not allow`, xml, illegal);
  }
  let markup = 0;
  let attributes = 0;
  for (let i = 0; i < xml.length; ) {
    const open = xml.indexOf('<', i);
    const text = xml.slice(i, open === -1 ? xml.length : open);
    if (text.includes(']]>')) throw notWellFormed('"]]>" outside a CDATA section', xml, i + text.indexOf(']]>'));
    checkReferences(text, xml, i);
    if (open === -1) break;
    if (++markup > MAX_MARKUP) throw new SoapFault(`The request holds more than ${MAX_MARKUP} tags and other markup; no request of this service needs so many.`);
    if (xml.startsWith('<!--', open)) {
      const end = closing(xml, '-->', open + 4, 'a comment');
      // With the first "-" of "-->": a comment may not end in "-" either.
      if (xml.slice(open + 4, end + 1).includes('--')) throw notWellFormed('a comment holds "--"', xml, open);
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', open)) {
      i = closing(xml, ']]>', open + 9, 'a CDATA section') + 3;
    } else if (xml.startsWith('<?', open)) {
      // SOAP 1.1, section 3: a SOAP message holds no processing instructions; the XML declaration is not one.
      if (open !== 0 || !/^<\?xml\s/.test(xml)) throw new SoapFault('A SOAP message holds no processing instructions (<?...?>) other than the XML declaration at its very start.');
      i = closing(xml, '?>', open + 2, 'the XML declaration') + 2;
    } else if (xml.startsWith('<!', open)) {
      // <!ELEMENT, <!ATTLIST, <!NOTATION: declarations, which only a DTD may hold (and DTDs are refused).
      throw notWellFormed(`${/^<![A-Za-z]*/.exec(xml.slice(open))![0]} is a declaration, which only a DTD may hold, and DTDs are not allowed`, xml, open);
    } else {
      // A tag: its quoted attribute values may hold ">", never "<".
      let j = open + 1;
      while (j < xml.length && xml[j] !== '>') {
        const quote = xml[j];
        if (quote !== '"' && quote !== "'") {
          j++;
          continue;
        }
        const end = closing(xml, quote, j + 1, 'an attribute value');
        if (++attributes > MAX_ATTRIBUTES) throw new SoapFault(`The request holds more than ${MAX_ATTRIBUTES} attributes; no request of this service needs so many.`);
        const value = xml.slice(j + 1, end);
        if (value.includes('<')) throw notWellFormed('an attribute value holds "<" (write it as &lt;)', xml, j);
        checkReferences(value, xml, j + 1);
        j = end + 1;
      }
      i = j + 1;
    }
  }
}

/** "the namespace …" or "no namespace", for messages. */
export const namespaceLabel = (namespace: string | undefined) => (namespace ? `the namespace ${namespace}` : 'no namespace');

/** An element's local name and namespace, from the declarations on it and its ancestors (nearest first). */
function expand(qname: string, scopes: XmlNode[]): { local: string; namespace: string | undefined } {
  const colon = qname.indexOf(':');
  const prefix = colon === -1 ? '' : qname.slice(0, colon);
  // Bound by the Namespaces in XML recommendation itself, never declared (xml:lang, xml:space).
  if (prefix === 'xml') return { local: qname.slice(colon + 1), namespace: XML_NS };
  const declaration = prefix ? `@_xmlns:${prefix}` : '@_xmlns';
  const scope = scopes.find((s) => typeof s[declaration] === 'string');
  if (prefix && !scope) throw notWellFormed(`the prefix ${prefix} of ${qname} is not declared`);
  return { local: qname.slice(colon + 1), namespace: (scope?.[declaration] as string | undefined) || undefined };
}

type Child = { local: string; namespace: string | undefined; node: XmlNode; repeated: boolean };

/** The child elements of a parsed element (or document), with their names resolved. */
function childrenOf(parent: XmlNode, ancestors: XmlNode[]): Child[] {
  return Object.keys(parent)
    .filter((key) => !key.startsWith('@_') && !key.startsWith('?') && key !== '#text')
    .map((qname) => {
      const value = parent[qname];
      const first = Array.isArray(value) ? (value as unknown[])[0] : value;
      const node = typeof first === 'object' && first !== null ? (first as XmlNode) : {};
      return { ...expand(qname, [node, parent, ...ancestors]), node, repeated: Array.isArray(value) };
    });
}

/** XML Schema's instance namespace: xsi:nil says "no value", as the vendor's clients send for a field left as it is. */
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
/** The namespace of the xml: prefix. */
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/**
 * The operation's content as the service reads it: elements by local name, no xmlns declarations.
 * Unprefixed attributes are the request's fields. XML Schema instance attributes are `@_xsi:nil`,
 * `@_xsi:type` and so on, whatever their prefix; an attribute in any other namespace keeps its prefix, so that
 * a:FirstName is never taken for FirstName (and is refused as a field the request does not have).
 */
function withLocalNames(value: unknown, ancestors: XmlNode[]): unknown {
  if (Array.isArray(value)) return value.map((item) => withLocalNames(item, ancestors));
  if (typeof value !== 'object' || value === null) return value;
  const scopes = [value as XmlNode, ...ancestors];
  // Without a prototype, x:__proto__ becomes an ordinary key, never the object's prototype.
  const node = Object.create(null) as XmlNode;
  for (const [key, child] of Object.entries(value)) {
    if (key === '@_xmlns' || key.startsWith('@_xmlns:')) continue;
    const colon = key.indexOf(':');
    if (key.startsWith('@_')) {
      if (colon === -1) {
        node[key] = child;
        continue;
      }
      const { local, namespace } = expand(key.slice(2), scopes);
      // xml:lang and xml:space say how to read the text: never a field.
      if (namespace === XML_NS) continue;
      // An xsi: prefix bound to another namespace is named by that namespace, so it never passes for xsi:nil.
      node[namespace === XSI_NS ? `@_xsi:${local}` : key.startsWith('@_xsi:') ? `@_{${namespace}}${local}` : key] = child;
      continue;
    }
    const name = key.slice(colon + 1);
    const local = withLocalNames(child, scopes);
    // Elements of one name under different prefixes are repeated elements.
    node[name] = name in node ? ([] as unknown[]).concat(node[name], local) : local;
  }
  return node;
}

const NOT_AN_ENVELOPE = 'The request is not a SOAP 1.1 envelope with a Body.';

/**
 * SOAP 1.1, section 4.2.3: a header entry marked mustUnderstand="1" must be refused by a service that
 * does not understand it, and this one understands none (authentication is the AuthenticationToken).
 * Ignored, a client's WS-Security or transaction header would look honoured when it was not.
 */
function checkHeaders(envelope: XmlNode) {
  for (const header of childrenOf(envelope, []).filter((c) => c.local === 'Header' && c.namespace === SOAP_ENVELOPE_NS))
    for (const entry of childrenOf(header.node, [envelope]))
      for (const [key, value] of Object.entries(entry.node)) {
        if (!key.startsWith('@_') || !key.includes(':') || key.startsWith('@_xmlns:') || (value !== '1' && value !== 'true')) continue;
        const attribute = expand(key.slice(2), [entry.node, header.node, envelope]);
        if (attribute.local === 'mustUnderstand' && attribute.namespace === SOAP_ENVELOPE_NS)
          throw new SoapFault(`The header ${entry.local} must be understood, and this service understands no header: send the request without it.`, 'MustUnderstand');
      }
}

/** The operation element inside the SOAP Body: its local name, its namespace and its content. */
export function parseEnvelope(body: string): { operation: string; namespace: string | undefined; content: XmlNode } {
  // A DTD is how XXE and entity-expansion ("billion laughs") attacks arrive: none is ever accepted.
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw new SoapFault('DTDs and entity declarations are not allowed.');
  checkLexically(body);
  const valid = XMLValidator.validate(body);
  if (valid !== true) throw new SoapFault(`The request is not well-formed XML: ${valid.err.msg} (line ${valid.err.line}).`);
  let doc: XmlNode;
  try {
    doc = parser.parse(body) as XmlNode;
  } catch (error) {
    // The parser's own refusals: nesting past its limit, an element named __proto__ or constructor.
    throw new SoapFault(`The request could not be read: ${error instanceof Error ? error.message.replace(/^\[SECURITY\]\s*/, '') : 'not XML'}.`);
  }
  const [envelope, ...others] = childrenOf(doc, []);
  if (others.length > 0 || envelope?.repeated) throw notWellFormed('it has more than one root element');
  if (envelope?.local !== 'Envelope') throw new SoapFault(NOT_AN_ENVELOPE);
  // SOAP 1.1, section 4.4.1: an Envelope in any other namespace (SOAP 1.2's, or none) is a version mismatch.
  if (envelope.namespace !== SOAP_ENVELOPE_NS)
    throw new SoapFault(`The Envelope is in ${namespaceLabel(envelope.namespace)}: this service speaks SOAP 1.1, whose Envelope is in ${SOAP_ENVELOPE_NS}.`, 'VersionMismatch');
  checkHeaders(envelope.node);
  const bodies = childrenOf(envelope.node, []).filter((c) => c.local === 'Body' && c.namespace === SOAP_ENVELOPE_NS);
  if (bodies.length !== 1 || bodies[0]!.repeated) throw new SoapFault(NOT_AN_ENVELOPE);
  const operations = childrenOf(bodies[0]!.node, [envelope.node]);
  if (operations.length !== 1 || operations[0]!.repeated) throw new SoapFault('The SOAP Body must hold exactly one operation.');
  const [operation] = operations as [Child];
  return { operation: operation.local, namespace: operation.namespace, content: withLocalNames(operation.node, [bodies[0]!.node, envelope.node]) as XmlNode };
}

export function escapeXml(value: string): string {
  return value
    // XML 1.0 cannot carry most control characters, even escaped: they are dropped from output.
    .replace(NOT_XML_CHARS, '')
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
