// Uploads checked at once by one server instance are capped (IMPORT_MAX_CHECKS, default 3): each holds
// a database connection for as long as its file takes, so ten people uploading at once must not take
// all ten of the instance's connections and stall every page.
import { expect, it } from 'vitest';
import { env } from '@/lib/env';
import { withCheckCapacity } from './jobs';

it('refuses an upload past the instance\'s checks in progress (429), before running it, and takes the next once one ends', async () => {
  expect(env.IMPORT_MAX_CHECKS).toBe(3);
  const releases: (() => void)[] = [];
  const running = Array.from({ length: env.IMPORT_MAX_CHECKS }, (_, i) => withCheckCapacity(() => new Promise<number>((resolve) => releases.push(() => resolve(i)))));
  let ran = false;
  await expect(
    withCheckCapacity(async () => {
      ran = true;
    }),
  ).rejects.toMatchObject({ status: 429, message: expect.stringContaining('as many files as it can at once') });
  expect(ran).toBe(false);

  releases[0]!();
  await expect(running[0]).resolves.toBe(0);
  await expect(withCheckCapacity(async () => 'next')).resolves.toBe('next');
  // A check that fails gives its place back too.
  await expect(withCheckCapacity(() => Promise.reject(new Error('bad file')))).rejects.toThrow('bad file');
  await expect(withCheckCapacity(async () => 'after a failure')).resolves.toBe('after a failure');
  releases.slice(1).forEach((release) => release());
  await expect(Promise.all(running)).resolves.toEqual([0, 1, 2]);
});
