// The AssureSign-compatible "Users" SOAP 1.1 endpoint (lib/soap holds the service).
import { db } from '@/db';
import { metaFromHeaders } from '@/lib/request';
import { BodyTooLarge, readTextBody } from '@/lib/request-body';
import { handleUsersRequest } from '@/lib/soap/users-service';
import { faultEnvelope, SoapFault } from '@/lib/soap/xml';

export const dynamic = 'force-dynamic';

/** No legitimate Users request comes near this; larger bodies are refused while they stream in. */
const MAX_BODY_BYTES = 1024 * 1024;

const xml = (body: string | ReadableStream<Uint8Array>, status: number) =>
  new Response(body, { status, headers: { 'content-type': 'text/xml; charset=utf-8', 'cache-control': 'no-store' } });

export async function POST(request: Request) {
  try {
    const body = await readTextBody(request, MAX_BODY_BYTES).catch((e: unknown) => {
      throw e instanceof BodyTooLarge ? new SoapFault('The request is larger than 1 MiB.', 'Client', 413) : new SoapFault('The request body is not UTF-8 text.');
    });
    const response = await handleUsersRequest(db, {
      body,
      soapAction: request.headers.get('soapaction'),
      meta: metaFromHeaders(request.headers),
    });
    return xml(response.body, response.status);
  } catch (e) {
    if (e instanceof SoapFault) return xml(faultEnvelope(e), e.httpStatus);
    throw e;
  }
}
