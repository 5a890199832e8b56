'use client';

import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { Field, FieldErrors, inputClass } from '@/components/ui/field';
import { FormStatus } from '@/components/ui/form-status';
import { SubmitButton } from '@/components/ui/submit-button';
import { useActionForm } from '@/components/ui/use-action-form';
import type { ActionState } from '@/lib/action-state';
import type { UserTag } from '@/db/schema';

type RoleOption = { id: string; name: string; allEnvironments: boolean; requiredFields: { label: string; key: string }[] };

export type UserFormValues = {
  firstName: string;
  lastName: string;
  email: string;
  roleId: string;
  environmentIds: string[];
  tags: UserTag[];
  inactive?: boolean;
  version?: number;
};

/** Add and Edit: names, email, role (with its required fields), environments, tags, and Inactive when editing. */
export function UserForm({
  action,
  roles,
  environments,
  initial,
  mode,
  userId,
}: {
  action: (state: ActionState, data: FormData) => Promise<ActionState>;
  roles: RoleOption[];
  environments: { id: string; name: string }[];
  initial: UserFormValues;
  mode: 'add' | 'edit';
  userId?: string;
}) {
  const { state, pending, fieldErrors: errors, formProps } = useActionForm(action);
  const [roleId, setRoleId] = useState(initial.roleId);
  const [tags, setTags] = useState<(UserTag & { key: number })[]>(initial.tags.map((t, i) => ({ ...t, key: i })));
  const role = roles.find((r) => r.id === roleId);

  return (
    <form {...formProps} className="max-w-3xl space-y-6 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
      <FormStatus state={state} />
      {userId && <input type="hidden" name="userId" value={userId} />}
      {mode === 'edit' && <input type="hidden" name="version" value={initial.version} />}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="First name" name="firstName" defaultValue={initial.firstName} required autoComplete="off" errors={errors?.firstName} />
        <Field label="Last name" name="lastName" defaultValue={initial.lastName} required autoComplete="off" errors={errors?.lastName} />
      </div>
      <Field label="Email" name="email" type="email" defaultValue={initial.email} required autoComplete="off" help="The user signs in with this address." errors={errors?.email} />
      <div className="space-y-1">
        <label htmlFor="user-role" className="block text-sm font-medium text-slate-800">Role</label>
        <select id="user-role" name="roleId" value={roleId} onChange={(e) => setRoleId(e.target.value)} className={inputClass} aria-describedby={errors?.roleId ? 'user-role-error' : undefined} aria-invalid={errors?.roleId ? true : undefined}>
          {!role && <option value="">Choose a role</option>}
          {roles.map((r) => (
            <option key={r.id} value={r.id}>{r.name}</option>
          ))}
        </select>
        <FieldErrors id="user-role-error" errors={errors?.roleId} />
      </div>

      {mode === 'add' && role && role.requiredFields.length > 0 && (
        <fieldset className="space-y-4">
          <legend className="text-sm font-semibold text-slate-800">Required by the {role.name} role</legend>
          {role.requiredFields.map((f) => (
            <Field key={`${role.id}-${f.key}`} label={f.label} name={`profile.${f.key}`} required errors={errors?.[`profile.${f.key}`]} />
          ))}
        </fieldset>
      )}

      {role?.allEnvironments ? (
        <p className="text-sm text-slate-600">{role.name}s belong to every environment.</p>
      ) : (
        <fieldset aria-describedby={errors?.environmentIds ? 'user-environments-error' : undefined}>
          <legend className="text-sm font-medium text-slate-800">Environments</legend>
          <div className="mt-2 flex flex-wrap gap-4">
            {environments.map((env) => (
              <label key={env.id} className="flex items-center gap-2 text-sm">
                <input type="checkbox" name="environmentIds" value={env.id} defaultChecked={initial.environmentIds.includes(env.id)} className="size-4 rounded border-slate-300" />
                {env.name}
              </label>
            ))}
          </div>
          <FieldErrors id="user-environments-error" errors={errors?.environmentIds} />
        </fieldset>
      )}

      <fieldset>
        <legend className="text-sm font-medium text-slate-800">Tags</legend>
        <p className="text-xs text-slate-600">Name/value pairs for integrations, e.g. ExternalUserId = 123.</p>
        <div className="mt-2 space-y-2">
          {tags.map((tag, i) => (
            <div key={tag.key} className="flex items-center gap-2">
              <input aria-label={`Tag ${i + 1} name`} name="tagName" defaultValue={tag.name} className={inputClass} />
              <input aria-label={`Tag ${i + 1} value`} name="tagValue" defaultValue={tag.value} className={inputClass} />
              <Button type="button" variant="ghost" size="sm" onClick={() => setTags((t) => t.filter((x) => x.key !== tag.key))} aria-label={`Remove tag ${i + 1}`}>
                Remove
              </Button>
            </div>
          ))}
        </div>
        <Button type="button" variant="secondary" size="sm" className="mt-2" onClick={() => setTags((t) => [...t, { name: '', value: '', key: Date.now() }])}>
          + Add tag
        </Button>
        <FieldErrors id="user-tags-error" errors={errors?.tags} />
      </fieldset>

      {mode === 'edit' && (
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="inactive" defaultChecked={initial.inactive} className="size-4 rounded border-slate-300" />
          Inactive (cannot sign in until made active again)
        </label>
      )}

      <SubmitButton pending={pending}>{mode === 'add' ? 'Add user and send invitation' : 'Save changes'}</SubmitButton>
    </form>
  );
}
