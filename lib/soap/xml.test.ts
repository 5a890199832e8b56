import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_ATTRIBUTES, MAX_MARKUP, MAX_REQUEST_BYTES, parseEnvelope, readSoapBody, SOAP_ENVELOPE_NS, SoapFault, type XmlNode } from './xml';

const USERS_NS = 'https://www.assuresign.net/Services/DocumentNOW/Users';
const SOAP_12_NS = 'http://www.w3.org/2003/05/soap-envelope';

const soap = (inner: string, operation = 'ListUsers', xmlns = ` xmlns="${USERS_NS}"`) =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP_ENVELOPE_NS}"><soap:Body><${operation}${xmlns}>${inner}</${operation}></soap:Body></soap:Envelope>`;

function refusal(body: string): SoapFault {
  try {
    parseEnvelope(body);
  } catch (e) {
    if (e instanceof SoapFault) return e;
    throw e;
  }
  throw new Error('the request was accepted');
}

const requestOf = (body: string) => parseEnvelope(body).content.Request as XmlNode;

describe('parseEnvelope: XML 1.0 well-formedness', () => {
  it('refuses characters XML does not allow, written or referenced, and names them', () => {
    const cases: [string, RegExp][] = [
      ['<Request LastName="a&#0;b" />', /&#0; refers to a character XML does not allow \(line 1\)/],
      ['<Request><LastName>a&#x1;b</LastName></Request>', /&#x1; refers to a character XML does not allow/],
      ['<Request LastName="&#xD800;" />', /&#xD800; refers to a character XML does not allow/],
      ['<Request LastName="&#xFFFE;" />', /&#xFFFE; refers to a character XML does not allow/],
      ['<Request LastName="&#1114112;" />', /&#1114112; refers to a character XML does not allow/],
      ['<Request LastName="a\uFFFEb" />', /it holds U\+FFFE, a character XML does not allow/],
      ['<Request>\n<LastName>a\uFFFFb</LastName></Request>', /it holds U\+FFFF, a character XML does not allow \(line 2\)/],
      ['<Request LastName="a\u0001b" />', /it holds U\+0001/],
      ['<Request LastName="\uD800" />', /it holds U\+D800/],
    ];
    for (const [inner, message] of cases) {
      const fault = refusal(soap(inner));
      expect(fault.code).toBe('Client');
      expect(fault.message).toMatch(/^The request is not well-formed XML: /);
      expect(fault.message).toMatch(message);
    }
  });

  it('refuses entities XML does not know, "<" in attribute values, "]]>" in text and "--" in comments', () => {
    const cases: [string, RegExp][] = [
      ['<Request LastName="&nbsp;" />', /&nbsp; is not a reference XML knows/],
      ['<Request><LastName>Caf&eacute;</LastName></Request>', /&eacute; is not a reference XML knows/],
      ['<Request LastName="&AMP;" />', /&AMP; is not a reference XML knows/],
      ['<Request LastName="a<b" />', /an attribute value holds "<"/],
      ['<Request><LastName>a]]>b</LastName></Request>', /"]]>" outside a CDATA section/],
      ['<Request><!-- a -- b --></Request>', /a comment holds "--"/],
      ['<Request><!-- a ---></Request>', /a comment holds "--"/],
    ];
    for (const [inner, message] of cases) expect(refusal(soap(inner)).message).toMatch(message);
  });

  it('decodes what XML allows: the five entities and character references, but nothing inside CDATA', () => {
    const request = requestOf(soap('<Request LastName="&lt;&#65;&#x1F600;&amp;&quot;&apos;&gt;"><FirstName><![CDATA[&#0; & &amp;]]></FirstName></Request>'));
    expect(request['@_LastName']).toBe('<A😀&"\'>');
    expect(request.FirstName).toBe('&#0; & &amp;');
  });

  it('refuses a second root element', () => {
    expect(refusal(`${soap('<Request />')}<extra />`).message).toMatch(/more than one root element/);
  });
});

describe('parseEnvelope: namespaces', () => {
  it('answers an Envelope outside the SOAP 1.1 namespace (SOAP 1.2, another, none) with a VersionMismatch fault', () => {
    const operation = `<ListUsers xmlns="${USERS_NS}"><Request /></ListUsers>`;
    for (const [open, close, namespace] of [
      [`<env:Envelope xmlns:env="${SOAP_12_NS}"><env:Body>`, '</env:Body></env:Envelope>', `the namespace ${SOAP_12_NS}`],
      ['<soap:Envelope xmlns:soap="urn:not-soap"><soap:Body>', '</soap:Body></soap:Envelope>', 'the namespace urn:not-soap'],
      ['<Envelope><Body>', '</Body></Envelope>', 'no namespace'],
    ]) {
      const fault = refusal(`${open}${operation}${close}`);
      expect(fault.code).toBe('VersionMismatch');
      expect(fault.message).toBe(`The Envelope is in ${namespace}: this service speaks SOAP 1.1, whose Envelope is in ${SOAP_ENVELOPE_NS}.`);
    }
  });

  it('finds the Body only in the SOAP namespace, and refuses prefixes nobody declared', () => {
    const envelope = (inner: string) => `<s:Envelope xmlns:s="${SOAP_ENVELOPE_NS}">${inner}</s:Envelope>`;
    expect(refusal(envelope('<Body><ListUsers /></Body>')).message).toBe('The request is not a SOAP 1.1 envelope with a Body.');
    expect(refusal(envelope('<s:Body /><s:Body />')).message).toBe('The request is not a SOAP 1.1 envelope with a Body.');
    expect(refusal(envelope('<s:Body><u:ListUsers /></s:Body>')).message).toMatch(/not well-formed XML: the prefix u of u:ListUsers is not declared/);
    expect(refusal('<s:Envelope><s:Body /></s:Envelope>').message).toMatch(/the prefix s of s:Envelope is not declared/);
  });

  it('gives the operation namespace, and its content by local name whatever the prefixes', () => {
    const parsed = parseEnvelope(
      `<S:Envelope xmlns:S="${SOAP_ENVELOPE_NS}"><S:Header /><S:Body><u:UpdateUser xmlns:u="${USERS_NS}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">` +
        '<u:Request UserName="a@example.test"><u:Inactive i:nil="true" /><u:Tags><u:UserTag Name="A" Value="1" /><UserTag Name="B" Value="2" /></u:Tags><u:__proto__ polluted="yes" /></u:Request>' +
        '</u:UpdateUser></S:Body></S:Envelope>',
    );
    expect(parsed.operation).toBe('UpdateUser');
    expect(parsed.namespace).toBe(USERS_NS);
    const request = parsed.content.Request as XmlNode;
    expect(request['@_UserName']).toBe('a@example.test');
    expect((request.Inactive as XmlNode)['@_xsi:nil']).toBe('true');
    expect(((request.Tags as XmlNode).UserTag as XmlNode[]).map((t) => t['@_Name'])).toEqual(['A', 'B']);
    // x:__proto__ is an element like any other, never the prototype of the Request read.
    expect(request['@_polluted']).toBeUndefined();
    expect(parseEnvelope(soap('<Request />', 'ListUsers', '')).namespace).toBeUndefined();
  });
});

describe('request size', () => {
  it('takes the largest real request: an UpdateUser with every field and 50 tags at their longest', () => {
    const long = (n: number) => 'x'.repeat(n);
    const nil = 'p2:nil="true" xmlns:p2="http://www.w3.org/2001/XMLSchema-instance"';
    const tags = Array.from({ length: 50 }, (_, i) => `<UserTag Name="${long(97)}${String(i).padStart(3, '0')}" Value="${long(500)}" />`).join('');
    const body = soap(
      `<Request ContextIdentifier="8d17c44a-458d-455b-b240-fc6dba5cf1db" AuthenticationToken="${long(43)}" UserName="${long(242)}@example.com" Password="${long(256)}">` +
        `<NewUserName>${long(242)}@example.org</NewUserName><FirstName>${long(100)}</FirstName><LastName>${long(100)}</LastName><Role>Account Manager</Role>` +
        `<RequirePasswordChange ${nil} /><Inactive ${nil} /><Locked ${nil} /><AutoGenerateNewPassword>false</AutoGenerateNewPassword>` +
        `<SendCredentialsViaEmail>true</SendCredentialsViaEmail><Tags>${tags}</Tags></Request>`,
      'UpdateUser',
    );
    expect(Buffer.byteLength(body)).toBeLessThan(MAX_REQUEST_BYTES * 0.6);
    expect(((requestOf(body).Tags as XmlNode).UserTag as XmlNode[]).length).toBe(50);
  });

  it(`refuses more than ${MAX_MARKUP} tags or ${MAX_ATTRIBUTES} attributes before parsing`, () => {
    expect(refusal(soap(`<Request>${'<a/>'.repeat(MAX_MARKUP)}</Request>`)).message).toBe(
      `The request holds more than ${MAX_MARKUP} tags and other markup; no request of this service needs so many.`,
    );
    expect(refusal(soap(`<Request>${'<!---->'.repeat(MAX_MARKUP)}</Request>`)).message).toMatch(/more than 1000 tags/);
    const attributes = Array.from({ length: MAX_ATTRIBUTES + 1 }, (_, i) => ` a${i}=""`).join('');
    expect(refusal(soap(`<Request${attributes} />`)).message).toBe(
      `The request holds more than ${MAX_ATTRIBUTES} attributes; no request of this service needs so many.`,
    );
  });

  it('reads a body up to 64 KiB and refuses a longer one with 413, declared or streamed', async () => {
    const post = (body: BodyInit, headers: Record<string, string> = {}) =>
      new Request('http://localhost/Services/DocumentNOW/Users', { method: 'POST', body, headers: { 'content-type': 'text/xml', ...headers }, duplex: 'half' } as RequestInit);
    expect(await readSoapBody(post('a'.repeat(MAX_REQUEST_BYTES)))).toHaveLength(MAX_REQUEST_BYTES);
    const declared = await readSoapBody(post('a'.repeat(MAX_REQUEST_BYTES + 1), { 'content-length': String(MAX_REQUEST_BYTES + 1) })).catch((e: unknown) => e);
    const streamed = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(16 * 1024).fill(0x61));
      },
    });
    const cut = await readSoapBody(post(streamed)).catch((e: unknown) => e);
    for (const fault of [declared, cut]) {
      expect(fault).toBeInstanceOf(SoapFault);
      expect(fault).toMatchObject({ code: 'Client', httpStatus: 413, message: 'The request body is larger than 64 KiB.' });
    }
  });
});

describe('readSoapBody: media type and encoding', () => {
  const post = (body: BodyInit, contentType?: string) =>
    new Request('http://localhost/Services/DocumentNOW/Users', { method: 'POST', body, headers: contentType ? { 'content-type': contentType } : {} });
  const refused = (request: Request) =>
    readSoapBody(request).then(
      () => null,
      (e: unknown) => e as SoapFault,
    );
  const envelope = (declaration = '<?xml version="1.0" encoding="utf-8"?>') => `${declaration}${soap('<Request LastName="Müller" />').replace(/^<\?xml[^>]*>/, '')}`;
  const utf16 = (text: string, order: 'le' | 'be') => {
    const le = Buffer.from(`\uFEFF${text}`, 'utf16le');
    return order === 'le' ? le : Buffer.from(le).swap16();
  };

  it('takes SOAP 1.1 media type only: SOAP 1.2, other XML types and what a cross-site form can send are refused with 415', async () => {
    const cases: [string | undefined, string, RegExp][] = [
      ['application/soap+xml; charset=utf-8', 'VersionMismatch', /sent as application\/soap\+xml, which is SOAP 1\.2: this service speaks SOAP 1\.1, sent as text\/xml/],
      ['application/xml', 'Client', /^The request is sent as application\/xml: SOAP 1\.1 requests are sent as text\/xml/],
      // What a web page can post to another site without asking (no CORS preflight).
      ['text/plain', 'Client', /sent as text\/plain/],
      ['application/x-www-form-urlencoded', 'Client', /sent as application\/x-www-form-urlencoded/],
      [undefined, 'Client', /sent as no Content-Type/],
    ];
    for (const [contentType, code, message] of cases) {
      // Bytes, not a string: fetch gives a string body text/plain by itself.
      const fault = await refused(post(Buffer.from(envelope()), contentType));
      expect(fault, contentType).toMatchObject({ code, httpStatus: 415 });
      expect(fault!.message).toMatch(message);
    }
    expect(await readSoapBody(post(envelope(), 'Text/XML; charset="UTF-8"'))).toContain('Müller');
    const gzipped = new Request('http://localhost/', { method: 'POST', body: gzipSync(envelope()), headers: { 'content-type': 'text/xml', 'content-encoding': 'gzip' } });
    expect(await refused(gzipped)).toMatchObject({ code: 'Client', httpStatus: 415, message: 'The request body is gzip-encoded: send it uncompressed (no Content-Encoding).' });
  });

  it('reads UTF-8 and UTF-16 (as the original service), by byte order mark, charset or XML declaration', async () => {
    expect(await readSoapBody(post(envelope(), 'text/xml'))).toContain('Müller');
    expect(await readSoapBody(post(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(envelope())]), 'text/xml'))).toMatch(/^<\?xml.*Müller/);
    for (const order of ['le', 'be'] as const) {
      const text = await readSoapBody(post(utf16(envelope('<?xml version="1.0" encoding="utf-16"?>'), order), 'text/xml; charset=utf-16'));
      expect(text, order).toMatch(/^<\?xml version="1\.0" encoding="utf-16"\?>.*Müller/);
      expect(parseEnvelope(text).operation).toBe('ListUsers');
    }
    expect(await readSoapBody(post(envelope('<?xml version="1.0" encoding="us-ascii"?>'), 'text/xml; charset=us-ascii'))).toContain('<Request');
  });

  it('refuses other encodings naming them, and a body whose charset, byte order mark and declaration disagree, rather than garble names', async () => {
    const latin1 = Buffer.from(envelope('<?xml version="1.0" encoding="ISO-8859-1"?>'), 'latin1');
    const cases: [Request, number, string | RegExp][] = [
      [post(latin1, 'text/xml'), 415, 'The request is in ISO-8859-1 (its XML declaration says so): this service reads UTF-8 or UTF-16 only. Send it in UTF-8.'],
      [post(envelope(), 'text/xml; charset=windows-1252'), 415, 'The request is in windows-1252 (its Content-Type says so): this service reads UTF-8 or UTF-16 only. Send it in UTF-8.'],
      [post(envelope('<?xml version="1.0" encoding="utf-16"?>'), 'text/xml'), 500, 'The request declares encoding="utf-16", but it is UTF-8 text.'],
      [post(utf16(envelope(), 'le'), 'text/xml; charset=utf-8'), 500, 'The Content-Type says charset=utf-8, but the body is UTF-16: send the charset the body is in.'],
      [post(Buffer.from(envelope(''), 'latin1'), 'text/xml'), 500, 'The request body is not UTF-8 text.'],
    ];
    for (const [request, status, message] of cases) {
      const fault = await refused(request);
      expect(fault).toBeInstanceOf(SoapFault);
      expect(fault).toMatchObject({ code: 'Client', httpStatus: status, message });
    }
  });
});

describe('parseEnvelope: what a SOAP message may not hold', () => {
  it('refuses processing instructions (SOAP 1.1, section 3) and declarations outside a DTD', () => {
    expect(refusal(soap('<?evil x?><Request />')).message).toMatch(/holds no processing instructions/);
    expect(refusal(`<?xml-stylesheet href="x"?>${soap('<Request />').replace(/^<\?xml[^>]*>/, '')}`).message).toMatch(/holds no processing instructions/);
    expect(refusal(soap('<!ELEMENT x ANY><Request />')).message).toMatch(/^The request is not well-formed XML: <!ELEMENT is a declaration, which only a DTD may hold/);
    expect(parseEnvelope(soap('<Request />')).operation).toBe('ListUsers');
  });

  it('reads xsi:nil under any prefix bound to XML Schema instance, and keeps attributes of other namespaces apart from the fields', () => {
    const request = requestOf(
      soap('<Request xmlns:a="urn:other" xmlns:i="http://www.w3.org/2001/XMLSchema-instance" UserName="u@example.test" a:FirstName="Mallory"><Inactive i:nil="true" /><Locked a:nil="true" /></Request>'),
    );
    expect(request['@_UserName']).toBe('u@example.test');
    expect(request['@_FirstName']).toBeUndefined();
    expect(request['@_a:FirstName']).toBe('Mallory');
    expect((request.Inactive as XmlNode)['@_xsi:nil']).toBe('true');
    expect((request.Locked as XmlNode)['@_xsi:nil']).toBeUndefined();
    expect(refusal(soap('<Request b:FirstName="x" />')).message).toMatch(/the prefix b of b:FirstName is not declared/);
  });
});

describe('parseEnvelope: headers', () => {
  it('a header entry marked mustUnderstand is a MustUnderstand fault (SOAP 1.1, 4.2.3): the service understands no header', () => {
    const withHeader = (entry: string) =>
      `<s:Envelope xmlns:s="${SOAP_ENVELOPE_NS}"><s:Header>${entry}</s:Header><s:Body><ListUsers xmlns="${USERS_NS}"><Request /></ListUsers></s:Body></s:Envelope>`;
    const fault = refusal(withHeader('<w:Security xmlns:w="urn:wsse" s:mustUnderstand="1"><w:Token>x</w:Token></w:Security>'));
    expect(fault.code).toBe('MustUnderstand');
    expect(fault.message).toMatch(/Security/);
    // Not marked, marked 0, or an attribute of that name in another namespace: read as before.
    for (const entry of ['<w:Trace xmlns:w="urn:x">1</w:Trace>', '<w:Trace xmlns:w="urn:x" s:mustUnderstand="0" />', '<w:Trace xmlns:w="urn:x" w:mustUnderstand="1" />'])
      expect(parseEnvelope(withHeader(entry)).operation, entry).toBe('ListUsers');
  });
});
