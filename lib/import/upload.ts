// Saving an upload to a private temporary file while counting its bytes: the limit is enforced as the
// body streams in, so an oversized upload is refused without ever being held in memory or on disk whole.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { AppError } from '@/lib/errors';

export const tooLarge = (maxBytes: number) =>
  new AppError('invalid', `The file is larger than ${Math.round(maxBytes / 1048576)} MB, the most one import may be. Split it into several files.`);

/**
 * How long an upload may take: an upload holds one of its instance's few check slots (withCheckCapacity)
 * while its body arrives, so one that trickles in (a byte a minute) would keep everyone else's out.
 */
export const UPLOAD_TIME = { idleMs: 30_000, totalMs: 15 * 60_000 };

const stalled = (what: string) => new AppError('invalid', `The upload ${what}. Check your connection and upload the file again.`);

/** The iterator's next chunk, or a refusal once `ms` pass without one. */
async function nextWithin<T>(iterator: AsyncIterator<T>, ms: number, refusal: AppError): Promise<IteratorResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([iterator.next(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(refusal), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Writes the body to a new temporary file and returns its path; removes it and throws past maxBytes, or when it stalls or takes too long. */
export async function saveUpload(body: AsyncIterable<Uint8Array>, extension: string, maxBytes: number, time = UPLOAD_TIME): Promise<string> {
  const file = path.join(tmpdir(), `userdesk-import-${randomUUID()}${extension}`);
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  const chunks = body[Symbol.asyncIterator]();
  const deadline = Date.now() + time.totalMs;
  try {
    let size = 0;
    for (;;) {
      const left = deadline - Date.now();
      const idle = Math.min(time.idleMs, left);
      const next = await nextWithin(chunks, Math.max(idle, 0), left <= time.idleMs ? stalled(`took longer than ${Math.round(time.totalMs / 60_000)} minutes`) : stalled(`stalled: nothing arrived for ${Math.round(time.idleMs / 1000)} seconds`));
      if (next.done) break;
      const chunk = next.value;
      size += chunk.byteLength;
      if (size > maxBytes) throw tooLarge(maxBytes);
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await finished(out);
    return file;
  } catch (error) {
    // The rest of the body is not waited for.
    void chunks.return?.().catch(() => {});
    out.destroy();
    await rm(file, { force: true });
    throw error;
  }
}
