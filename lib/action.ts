// The one way to write a server action: resolve the caller, check the permission (deny by default),
// parse the form with zod (all field errors at once), run the change and its audit events in one
// transaction, and turn failures into a typed result. Never echoes a password or a secret back.
import 'server-only';
import { revalidatePath } from 'next/cache';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { db } from '@/db';
import type { Tx } from '@/db/client';
import { recordAudit, type Actor, type AuditInput, type RequestMeta } from '@/lib/audit';
import { getCurrentUser, loadSessionUser, type SessionUser } from '@/lib/auth/session';
import { retryOnDeadlock } from '@/lib/db-rows';
import { hasPermission, type Permission } from '@/lib/auth/permissions';
import { AppError, StaleEditError, type FieldErrors } from '@/lib/errors';
import type { ActionState } from './action-state';
import { metaFromHeaders } from '@/lib/request';

export type { ActionState } from './action-state';

/** The current request's client address and user agent (lib/request.ts says where the address comes from). */
export async function requestMeta(): Promise<RequestMeta> {
  return metaFromHeaders(await headers());
}

export type ActionContext<U> = {
  user: U;
  actor: Actor;
  tx: Tx;
  meta: RequestMeta;
  /** Records an audit event in the action's transaction, with the caller as actor. */
  audit: (event: Omit<AuditInput, 'actor' | 'meta'>) => Promise<void>;
};

export type ActionOutcome = { message: string; redirectTo?: string; revalidate?: string };

type Access = Permission | 'signed-in' | 'public';
type UserFor<A extends Access> = A extends 'public' ? SessionUser | null : SessionUser;

/** Form data as a plain object: repeated keys become arrays; Next's internal fields are dropped. */
export function formToObject(formData: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(formData.keys())) {
    if (key.startsWith('$ACTION')) continue;
    const values = formData.getAll(key);
    out[key] = key.endsWith('[]') || values.length > 1 ? values : values[0];
  }
  return out;
}

export function action<A extends Access, S extends z.ZodType>(
  access: A,
  schema: S,
  run: (input: z.infer<S>, ctx: ActionContext<UserFor<A>>) => Promise<ActionOutcome>,
) {
  return guarded(access, schema, (input, user, actor, meta) =>
    retryOnDeadlock(() =>
      db.transaction(async (tx) => {
        // The caller again, inside the change's transaction and held there until it commits: a ban, role
        // change or role edit made since the request began (on any instance) is seen here, and one made
        // while the change waits for its rows waits in turn, so nothing is done with rights already gone.
        let caller = user;
        if (access !== 'public') {
          caller = (await loadSessionUser(tx, user!.id, user!.sessionVersion, true)) as UserFor<A>;
          const why = refusal(caller, access);
          if (why) throw new AppError(caller ? 'forbidden' : 'unauthenticated', why);
        }
        return run(input, { user: caller, actor, tx, meta, audit: (event) => recordAudit(tx, { ...event, actor, meta }) });
      }),
    ),
  );
}

/** Why the caller may not do what `access` asks (no session, the permission, a password to change first), or null. */
function refusal(user: SessionUser | null, access: Access): string | null {
  if (access === 'public') return null;
  if (!user) return 'Your session has ended. Sign in again.';
  if (access === 'signed-in') return null;
  if (!hasPermission(user, access)) return 'You do not have permission to do that.';
  if (user.requirePasswordChange) return 'Change your password before you continue.';
  return null;
}

/**
 * The same checks for work that runs its own transactions (bulk changes in batches of users): the
 * caller gets no transaction, and must write each change with its audit event in one of its own.
 */
export function batchedAction<A extends Access, S extends z.ZodType>(
  access: A,
  schema: S,
  run: (input: z.infer<S>, ctx: Omit<ActionContext<UserFor<A>>, 'tx' | 'audit'>) => Promise<ActionOutcome>,
) {
  return guarded(access, schema, (input, user, actor, meta) => run(input, { user, actor, meta }));
}

/**
 * The fields forms carry hidden (a link's token, the id and version of what is edited): a crafted or
 * broken post that lacks or garbles one gets that field's message alone, a sentence saying what to do,
 * not "Check the highlighted fields" with nothing highlighted.
 */
const HIDDEN_FIELDS = ['token', 'userId', 'version'];

function guarded<A extends Access, S extends z.ZodType>(
  access: A,
  schema: S,
  execute: (input: z.infer<S>, user: UserFor<A>, actor: Actor, meta: RequestMeta) => Promise<ActionOutcome>,
) {
  return async (_previous: ActionState, formData: FormData): Promise<ActionState> => {
    let outcome: ActionOutcome;
    try {
      const user = await getCurrentUser();
      const why = refusal(user, access);
      if (why) return { status: 'error', message: why };
      const parsed = schema.safeParse(formToObject(formData));
      if (!parsed.success) {
        const { fieldErrors } = z.flattenError(parsed.error) as { fieldErrors: FieldErrors };
        // Nothing on the page to highlight: its own message says what to do (reload, open the link again).
        const hidden = HIDDEN_FIELDS.find((field) => fieldErrors[field]?.length);
        if (hidden) return { status: 'error', message: fieldErrors[hidden]![0]! };
        // One value can fail two checks with one message ("1.5" is neither whole nor in range): say it once.
        for (const [field, messages] of Object.entries(fieldErrors)) fieldErrors[field] = [...new Set(messages)];
        return { status: 'error', message: 'Check the highlighted fields.', fieldErrors };
      }
      const meta = await requestMeta();
      const actor: Actor = user ? { type: 'user', id: user.id, label: user.email } : { type: 'anonymous' };
      outcome = await execute(parsed.data, user as UserFor<A>, actor, meta);
    } catch (error) {
      if (error instanceof AppError)
        // A stale save (someone else saved first) is marked, so a form can show what changed instead.
        // Other conflicts (the last Administrator, already banned) are shown as they are.
        return { status: 'error', message: error.message, fieldErrors: error.fieldErrors, ...(error instanceof StaleEditError ? { code: 'conflict' as const } : {}) };
      console.error(error);
      return { status: 'error', message: 'Something went wrong and nothing was saved. Try again.' };
    }
    if (outcome.revalidate) revalidatePath(outcome.revalidate);
    if (outcome.redirectTo) redirect(outcome.redirectTo);
    return { status: 'success', message: outcome.message };
  };
}
