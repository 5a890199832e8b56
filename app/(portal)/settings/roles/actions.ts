'use server';

import { z } from 'zod';
import { action } from '@/lib/action';
import { principalOf } from '@/lib/auth/principal';
import { createRole, deleteRole, moveRoleUsers, roleFormSchema, STALE_ROLE, updateRole } from '@/lib/roles';

export const createRoleAction = action('roles.manage', roleFormSchema, async (input, { tx, user, meta }) => {
  await createRole(tx, principalOf(user), input, meta);
  return { message: `The ${input.name} role was created.`, redirectTo: `/settings/roles?saved=${encodeURIComponent(input.name)}` };
});

const idSchema = z.object({ roleId: z.uuid('Choose a role.') });

export const updateRoleAction = action(
  'roles.manage',
  // version: what the editor saw (roleVersion), so a save over someone else's newer change is refused.
  z.intersection(idSchema.extend({ version: z.string(STALE_ROLE).min(1, STALE_ROLE) }), roleFormSchema),
  async (input, { tx, user, meta }) => {
    const { changed, sessionsEnded } = await updateRole(tx, principalOf(user), input.roleId, input, meta);
    const signedOut = sessionsEnded > 0 ? ` ${sessionsEnded} holder${sessionsEnded === 1 ? ' was' : 's were'} signed out.` : '';
    return { message: changed ? `The ${input.name} role was saved.${signedOut}` : 'Nothing changed.', revalidate: '/settings/roles' };
  },
);

export const deleteRoleAction = action('roles.manage', idSchema, async (input, { tx, user, meta }) => {
  const { name } = await deleteRole(tx, principalOf(user), input.roleId, meta);
  return { message: `The ${name} role was deleted.`, revalidate: '/settings/roles' };
});

export const moveRoleUsersAction = action(
  'roles.manage',
  z.object({ roleId: z.uuid('Choose a role.'), toRoleId: z.uuid('Choose the role to move them to.') }),
  async (input, { tx, user, meta }) => {
    const { moved, from, to } = await moveRoleUsers(tx, principalOf(user), input.roleId, input.toRoleId, meta);
    return { message: `${moved} user${moved === 1 ? '' : 's'} moved from ${from} to ${to}. You can delete ${from} now.`, revalidate: '/settings/roles' };
  },
);
