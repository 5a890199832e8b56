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

/** Writes the body to a new temporary file and returns its path; removes it and throws past maxBytes. */
export async function saveUpload(body: AsyncIterable<Uint8Array>, extension: string, maxBytes: number): Promise<string> {
  const file = path.join(tmpdir(), `userdesk-import-${randomUUID()}${extension}`);
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  try {
    let size = 0;
    for await (const chunk of body) {
      size += chunk.byteLength;
      if (size > maxBytes) throw tooLarge(maxBytes);
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await finished(out);
    return file;
  } catch (error) {
    out.destroy();
    await rm(file, { force: true });
    throw error;
  }
}
