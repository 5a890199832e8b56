'use server';

import { cookies } from 'next/headers';
import { revalidatePath } from 'next/cache';
import type { ActionState } from '@/lib/action-state';
import { ENVIRONMENT_COOKIE, getCurrentUser, getVisibleEnvironments } from '@/lib/auth/session';

/**
 * Remembers the environment the user works in; only one they may see. A refusal is an answer the
 * switcher shows (never an HTTP 500): the session has ended, or the environment is not theirs.
 */
export async function switchEnvironment(environmentId: unknown): Promise<ActionState> {
  const user = await getCurrentUser();
  if (!user) return { status: 'error', message: 'Your session has ended. Sign in again.' };
  const visible = await getVisibleEnvironments(user);
  const environment = typeof environmentId === 'string' ? visible.find((e) => e.id === environmentId) : undefined;
  if (!environment) return { status: 'error', message: 'You cannot work in that environment: it does not exist or you are not a member of it.' };
  (await cookies()).set(ENVIRONMENT_COOKIE, environment.id, {
    httpOnly: true,
    sameSite: 'lax',
    secure: process.env.NODE_ENV === 'production' && process.env.NEXTAUTH_URL?.startsWith('https:'),
    path: '/',
    maxAge: 60 * 60 * 24 * 365,
  });
  revalidatePath('/', 'layout');
  return { status: 'success', message: `Now working in ${environment.name}.` };
}
