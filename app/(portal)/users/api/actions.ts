'use server';
// The API Users tab's actions. Creating returns the key, once: it is never stored in clear, so this is
// the only moment it exists outside the integration that receives it.
import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { db } from '@/db';
import { batchedAction, formToObject, requestMeta } from '@/lib/action';
import type { FieldErrors } from '@/lib/errors';
import { AppError } from '@/lib/errors';
import { createApiUser, deleteApiUserNow, newApiUserSchema, requireApiUserManager, revokeApiUserNow, userIdByEmail, usernameSchema, usernameTaken } from '@/lib/api-users/manage';
import { principalOf } from '@/lib/auth/principal';
import { getCurrentUser } from '@/lib/auth/session';

export type CreateApiUserState =
  | { status: 'idle' }
  | { status: 'error'; message: string; fieldErrors?: FieldErrors }
  | { status: 'created'; username: string; key: string };

async function manager() {
  const user = await getCurrentUser();
  if (!user) throw new AppError('unauthenticated', 'Your session has ended. Sign in again.');
  if (user.requirePasswordChange) throw new AppError('forbidden', 'Change your password before you continue.');
  const principal = principalOf(user);
  requireApiUserManager(principal);
  return principal;
}

const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v]);

export async function createApiUserAction(_previous: CreateApiUserState, formData: FormData): Promise<CreateApiUserState> {
  try {
    const principal = await manager();
    const form = formToObject(formData);
    // The form names the user by email; the key stores their id.
    let userId: string | undefined;
    const email = typeof form.userEmail === 'string' ? form.userEmail.trim() : '';
    if (form.scope === 'user' && email) {
      userId = await userIdByEmail(db, email);
      if (!userId) return { status: 'error', message: 'Check the highlighted fields.', fieldErrors: { userEmail: ['No user has this email address.'] } };
    }
    const parsed = newApiUserSchema.safeParse({ ...form, userId, environmentIds: list(form.environmentIds) });
    if (!parsed.success) {
      const { fieldErrors } = z.flattenError(parsed.error) as { fieldErrors: FieldErrors };
      if (fieldErrors.userId) fieldErrors.userEmail = fieldErrors.userId;
      return { status: 'error', message: 'Check the highlighted fields.', fieldErrors };
    }
    const meta = await requestMeta();
    const { key } = await db.transaction((tx) => createApiUser(tx, principal, parsed.data, meta));
    revalidatePath('/users/api');
    return { status: 'created', username: parsed.data.username, key };
  } catch (error) {
    if (error instanceof AppError) {
      const fieldErrors = error.fieldErrors?.userId ? { ...error.fieldErrors, userEmail: error.fieldErrors.userId } : error.fieldErrors;
      return { status: 'error', message: error.message, fieldErrors };
    }
    console.error(error);
    return { status: 'error', message: 'Something went wrong and nothing was saved. Try again.' };
  }
}

/** For the Username field while typing: is it free (ignoring case)? */
export async function checkApiUsername(username: string): Promise<{ ok: boolean; message: string }> {
  try {
    await manager();
  } catch {
    return { ok: false, message: 'You cannot manage API users.' };
  }
  const parsed = usernameSchema.safeParse(username);
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]!.message };
  return (await usernameTaken(db, parsed.data))
    ? { ok: false, message: 'An API user with this username already exists.' }
    : { ok: true, message: 'This username is available.' };
}

const idSchema = z.object({ id: z.uuid('Choose an API user from the list.') });

// Revoke and Delete run their own transactions (lib/api-users/manage.ts says why), each with its audit event.
export const revokeApiUserAction = batchedAction('apiUsers.manage', idSchema, async ({ id }, { user, meta }) => {
  const row = await revokeApiUserNow(db, principalOf(user), id, meta);
  return { message: `${row.username} is revoked: its key no longer works.`, revalidate: '/users/api' };
});

export const deleteApiUserAction = batchedAction('apiUsers.manage', idSchema, async ({ id }, { user, meta }) => {
  const row = await deleteApiUserNow(db, principalOf(user), id, meta);
  return { message: `${row.username} is deleted.`, revalidate: '/users/api' };
});
