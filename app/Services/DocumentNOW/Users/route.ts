// The AssureSign-compatible "Users" SOAP 1.1 endpoint (lib/soap holds the service), and its WSDL.
import { db } from '@/db';
import { portalUrl } from '@/lib/mail/outbox';
import { metaFromHeaders } from '@/lib/request';
import { handleUsersRequest } from '@/lib/soap/users-service';
import { usersWsdl } from '@/lib/soap/wsdl';
import { faultEnvelope, readSoapBody, SoapFault } from '@/lib/soap/xml';

export const dynamic = 'force-dynamic';

const xml = (body: string | ReadableStream<Uint8Array>, status: number) =>
  new Response(body, { status, headers: { 'content-type': 'text/xml; charset=utf-8', 'cache-control': 'no-store' } });

export async function POST(request: Request) {
  try {
    const response = await handleUsersRequest(db, {
      body: await readSoapBody(request),
      soapAction: request.headers.get('soapaction'),
      meta: metaFromHeaders(request.headers),
    });
    return xml(response.body, response.status);
  } catch (e) {
    if (e instanceof SoapFault) return xml(faultEnvelope(e), e.httpStatus);
    throw e;
  }
}

/**
 * ?wsdl (any case, as .NET and Java tools ask for it): the service description. Its address is the
 * portal's public URL, never the request's Host header, which a caller writes.
 */
export function GET(request: Request) {
  const query = new URL(request.url).searchParams;
  if (![...query.keys()].some((key) => key.toLowerCase() === 'wsdl' || key.toLowerCase() === 'singlewsdl'))
    return new Response('This is a SOAP 1.1 endpoint: POST requests to it, or GET ?wsdl for its description.\n', {
      status: 405,
      headers: { allow: 'GET, POST', 'content-type': 'text/plain; charset=utf-8' },
    });
  return xml(usersWsdl(portalUrl('/Services/DocumentNOW/Users')), 200);
}
