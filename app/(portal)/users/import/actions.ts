'use server';

import { after } from 'next/server';
import { z } from 'zod';
import { db } from '@/db';
import { action } from '@/lib/action';
import { principalOf } from '@/lib/auth/principal';
import { cancelImport, startImport } from '@/lib/import/jobs';
import { drainImports } from '@/lib/import/run';

const target = z.object({ jobId: z.uuid('Choose an import.') });
const page = (id: string) => `/users/import/${id}`;

export const startImportAction = action(
  'users.write',
  target.extend({ mode: z.enum(['valid', 'all'], 'Choose what to import.'), sendInvitations: z.literal('on').optional() }),
  async ({ jobId, mode, sendInvitations }, { tx, user }) => {
    await startImport(tx, principalOf(user), jobId, { allOrNothing: mode === 'all', sendInvitations: sendInvitations === 'on' });
    // Once this transaction has committed and the answer is sent, start the import in this process
    // rather than at the next poll (any instance may claim it; the poll is the fallback).
    after(() => drainImports(db));
    return { message: 'The import has started.', revalidate: page(jobId) };
  },
);

export const cancelImportAction = action('users.write', target, async ({ jobId }, { tx, user, meta }) => {
  await cancelImport(tx, principalOf(user), jobId, meta);
  return { message: 'Cancelling: the batch being written is finished, nothing after it is.', revalidate: page(jobId) };
});
