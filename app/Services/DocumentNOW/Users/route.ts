// The AssureSign-compatible "Users" SOAP 1.1 endpoint (lib/soap holds the service).
import { db } from '@/db';
import { metaFromHeaders } from '@/lib/request';
import { handleUsersRequest } from '@/lib/soap/users-service';
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
