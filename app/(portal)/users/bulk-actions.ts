'use server';

import { z } from 'zod';
import { db } from '@/db';
import { batchedAction } from '@/lib/action';
import { principalOf } from '@/lib/auth/principal';
import { getCurrentEnvironment, getVisibleEnvironments } from '@/lib/auth/session';
import { AppError, type FieldErrors } from '@/lib/errors';
import { bulkJobHeading } from '@/components/users/bulk-wording';
import { bulkOperationSchema, describeBulkResult, MAX_SELECTION, runBulk } from '@/lib/users/bulk';
import { cancelBulkJob, drainBulkJobs, isRunning, startBulkJob, waitForBulkJob } from '@/lib/users/bulk-jobs';
import { listParamsSchema } from '@/lib/users/list';
import { isPgDate } from '@/lib/search-params';

const fail = (message: string): never => {
  throw new AppError('forbidden', message);
};
const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v]);

// The dialog has no field to highlight: what it sends is checked in the action, whose refusal is the message.
const usersSchema = z.object({
  scope: z.enum(['selection', 'matching'], 'Choose the users to act on.'),
  userIds: z.array(z.uuid('Select users from the list.')).max(MAX_SELECTION, `Select at most ${MAX_SELECTION} users at once.`),
});

// The filters as the list's toolbar names them.
const FILTER_LABELS = { status: 'Status', role: 'Role', env: 'Also in environment', tag: 'Tag', idle: 'No sign-in for' } as const;

/**
 * The list's filters, read as the page reads them, except that one it cannot read is refused by name:
 * the page drops it and lists every user, and here that would act on every user. The page's own form
 * only ever sends what it read.
 */
function readFilters(input: Partial<Record<'q' | keyof typeof FILTER_LABELS, string>>) {
  const filter = listParamsSchema.parse(input);
  for (const [key, label] of Object.entries(FILTER_LABELS) as [keyof typeof FILTER_LABELS, string][])
    if (input[key] && filter[key] === undefined)
      throw new AppError('invalid', `The ${label} filter is not one the list offers: reload the page and try again.`);
  return filter;
}

/** The value, or a refusal in the words of its first problem (with every field's problems attached). */
function parseOrRefuse<T>(schema: z.ZodType<T>, value: unknown, fallback: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const { fieldErrors } = z.flattenError(parsed.error) as { fieldErrors: FieldErrors };
  throw new AppError('invalid', Object.values(fieldErrors)[0]?.[0] ?? fallback, fieldErrors);
}

const bulkFormSchema = z.object({
  scope: z.string().optional(),
  userIds: z.preprocess(list, z.array(z.string())),
  kind: z.string(),
  reason: z.string().optional(),
  roleId: z.string().optional(),
  environmentId: z.string().optional(),
  // The list's filters, for "all matching": parsed like the page's URL.
  q: z.string().optional(),
  status: z.string().optional(),
  role: z.string().optional(),
  env: z.string().optional(),
  tag: z.string().optional(),
  idle: z.string().optional(),
  // When the list was read: whoever began to match after it (added, locked, gone idle) is left out.
  readAt: z.string().optional(),
  // The environment the list was shown in: the switcher may have moved on since (another tab).
  // Sent for a selection too: Change role may put users in it.
  listEnvironmentId: z.string().optional(),
});

/**
 * Ban, Unlock, Reset, Change role, Add to / Remove from environment on the selected users or on every
 * user matching the filters, in the caller's current environment. lib/users/bulk.ts applies the single
 * action's rules to each user, in batches of its own transactions.
 */
export const bulkUsersAction = batchedAction('users.read', bulkFormSchema, async (input, { user, meta }) => {
  const op = parseOrRefuse(bulkOperationSchema, { kind: input.kind, reason: input.reason, roleId: input.roleId, environmentId: input.environmentId }, 'Choose what to do.');
  const { scope, userIds } = parseOrRefuse(usersSchema, { scope: input.scope, userIds: input.userIds }, 'Choose the users to act on.');
  const principal = principalOf(user);
  const environment =
    input.listEnvironmentId === undefined
      ? await getCurrentEnvironment(user)
      : ((await getVisibleEnvironments(user)).find((e) => e.id === input.listEnvironmentId) ??
        fail('The list you chose from is not of an environment you work in: reload the page and try again.'));
  // Change role puts a user in no environment (an Administrator) in the list's (lib/users/bulk.ts).
  if (op.kind === 'role' && environment) op.environmentId = environment.id;
  if (scope === 'selection') {
    if (userIds.length === 0) throw new AppError('invalid', 'Select at least one user.');
    // Made on Locked Users: each user must still be locked when reached (one unlocked meanwhile is skipped).
    const result = await runBulk(db, principal, { ids: userIds, status: readFilters({ status: input.status }).status }, op, meta);
    return outcome(result.done === 0 && result.skipped > 0, describeBulkResult(op, result));
  }
  if (!environment) throw new AppError('forbidden', 'You do not belong to any environment yet.');
  const filter = readFilters({ q: input.q, status: input.status, role: input.role, env: input.env, tag: input.tag, idle: input.idle });
  const readAt = input.readAt === undefined ? undefined : z.iso.datetime({ offset: true }).safeParse(input.readAt);
  // Never dropped: without it the action would reach users the manager was not shown.
  if (readAt && (!readAt.success || !isPgDate(new Date(readAt.data))))
    throw new AppError('invalid', 'The list you chose from is not recognised: reload the page and try again.');
  // In the background, batch by batch (lib/users/bulk-jobs.ts): 30,000 users take minutes.
  const job = await startBulkJob(db, principal, environment.id, filter, readAt ? new Date(readAt.data) : new Date(), op, meta);
  if (!job) return { message: describeBulkResult(op, { done: 0, skipped: 0, problems: [] }), revalidate: '/users' };
  void drainBulkJobs(db);
  // A small job ends within moments, and its outcome is the answer, as for a selection; a large one
  // goes on, its bar above the list until it ends.
  const now = (await waitForBulkJob(db, principal, job.id, 2_000))!;
  if (isRunning(now))
    return { message: `${bulkJobHeading(op.kind, job.total, now.environmentName)} in the background: the bar above the list shows how far it has got.`, revalidate: '/users' };
  return outcome(now.status === 'failed' || (now.done === 0 && now.skipped > 0), now.message ?? '');
});

/** Every user refused (or the run stopped): an error, not a success that did nothing. */
function outcome(refused: boolean, message: string) {
  if (refused) throw new AppError('forbidden', message);
  return { message, revalidate: '/users' };
}

/** Stops the caller's own bulk action after the batches under way (each batch is whole). */
export const cancelBulkJobAction = batchedAction('users.read', z.object({ jobId: z.uuid('Choose a bulk action.') }), async ({ jobId }, { user }) => {
  await cancelBulkJob(db, principalOf(user), jobId);
  return { message: 'Cancelling: the batches under way are finished, nothing after them is.', revalidate: '/users' };
});
