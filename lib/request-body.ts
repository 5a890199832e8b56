// A request's body as text, with a size limit enforced while it streams in: a declared Content-Length
// over the limit is refused before a byte is read, and a body that grows past it is cut off there, so
// an endpoint that takes small bodies never holds a large one in memory.
const inUnits = (bytes: number) => (bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : bytes >= 1 << 10 ? `${bytes / (1 << 10)} KiB` : `${bytes} bytes`);

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`The request body is larger than ${inUnits(limit)}.`);
  }
}

/** The body's bytes; BodyTooLarge past `limit` bytes, declared or streamed. */
export async function readBodyBytes(request: Request, limit: number): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limit) throw new BodyTooLarge(limit);
  const reader = request.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new BodyTooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** The body as UTF-8 text (a TypeError for bytes that are not UTF-8); BodyTooLarge past `limit` bytes. */
export async function readTextBody(request: Request, limit: number): Promise<string> {
  return new TextDecoder('utf-8', { fatal: true }).decode(await readBodyBytes(request, limit));
}
