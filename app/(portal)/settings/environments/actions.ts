'use server';

import { z } from 'zod';
import { action } from '@/lib/action';
import { principalOf } from '@/lib/auth/principal';
import {
  addEnvironment,
  archiveEnvironment,
  deleteEnvironment,
  environmentNameSchema,
  renameEnvironment,
  restoreEnvironment,
} from '@/lib/environments';

const PATH = '/settings/environments';
const idSchema = z.object({ environmentId: z.uuid('Choose an environment.') });

export const addEnvironmentAction = action('settings.manage', environmentNameSchema, async (input, { tx, user, meta }) => {
  const env = await addEnvironment(tx, principalOf(user), input.name, meta);
  return { message: `${env.name} was added.`, revalidate: PATH };
});

// from: the name the renamer saw, so a rename over someone else's newer one is refused.
const renameSchema = idSchema.extend({ name: z.string(), from: z.string() });

export const renameEnvironmentAction = action('settings.manage', renameSchema, async (input, { tx, user, meta }) => {
  const { changed, name } = await renameEnvironment(tx, principalOf(user), input.environmentId, { name: input.name, from: input.from }, meta);
  return { message: changed ? `Renamed to ${name}.` : 'Nothing changed.', revalidate: PATH };
});

export const archiveEnvironmentAction = action('settings.manage', idSchema, async (input, { tx, user, meta }) => {
  await archiveEnvironment(tx, principalOf(user), input.environmentId, meta);
  return { message: 'The environment was archived: it no longer appears in switchers and pickers.', revalidate: '/' };
});

export const restoreEnvironmentAction = action('settings.manage', idSchema, async (input, { tx, user, meta }) => {
  await restoreEnvironment(tx, principalOf(user), input.environmentId, meta);
  return { message: 'The environment was restored.', revalidate: '/' };
});

export const deleteEnvironmentAction = action('settings.manage', idSchema, async (input, { tx, user, meta }) => {
  await deleteEnvironment(tx, principalOf(user), input.environmentId, meta);
  return { message: 'The environment was deleted.', revalidate: PATH };
});
