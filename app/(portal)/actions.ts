'use server';

import { cookies } from 'next/headers';
import { revalidatePath } from 'next/cache';
import { ENVIRONMENT_COOKIE, getCurrentUser, getVisibleEnvironments } from '@/lib/auth/session';
import { AppError } from '@/lib/errors';

/** Remembers the environment the user works in; only one they may see. */
export async function switchEnvironment(environmentId: string): Promise<void> {
  const user = await getCurrentUser();
  if (!user) throw new AppError('unauthenticated', 'Your session has ended. Sign in again.');
  const visible = await getVisibleEnvironments(user);
  if (!visible.some((e) => e.id === environmentId)) throw new AppError('forbidden', 'You cannot work in that environment.');
  (await cookies()).set(ENVIRONMENT_COOKIE, environmentId, {
    httpOnly: true,
    sameSite: 'lax',
    secure: process.env.NODE_ENV === 'production' && process.env.NEXTAUTH_URL?.startsWith('https:'),
    path: '/',
    maxAge: 60 * 60 * 24 * 365,
  });
  revalidatePath('/', 'layout');
}
