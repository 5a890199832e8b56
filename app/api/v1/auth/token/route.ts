// POST /api/v1/auth/token {apiUsername, key, sessionLengthInMinutes}: a short-lived bearer token, as
// AssureSign's REST API issues, for clients that prefer not to send the key on every call.
import { db } from '@/db';
import { getClient } from '@/db/client';
import { checkKey, issueApiToken, takeRequest, tokenRequestSchema } from '@/lib/api-users/authenticate';
import { json, methodNotAllowed, problem, problemFrom, readBody } from '@/lib/api-users/http';
import { metaFromHeaders } from '@/lib/request';

export async function POST(request: Request): Promise<Response> {
  try {
    const input = await readBody(request, tokenRequestSchema);
    // The exchange counts against the key's budget like any call.
    const key = await checkKey(getClient().db, input.key);
    const retryAfter = await takeRequest(db, key.id, key.rateLimitPerMinute);
    if (retryAfter > 0)
      return problem(429, 'rate_limited', `This API user may make ${key.rateLimitPerMinute} requests a minute. Try again in ${retryAfter} s.`, {
        headers: { 'retry-after': String(retryAfter) },
      });
    const issued = await db.transaction((tx) => issueApiToken(tx, input, metaFromHeaders(request.headers)));
    return json({ token: issued.token, tokenType: 'Bearer', expiresAt: issued.expiresAt.toISOString() }, { status: 201 });
  } catch (error) {
    return problemFrom(error);
  }
}

const refused = methodNotAllowed('POST');
export { refused as GET, refused as PUT, refused as PATCH, refused as DELETE };
