'use client';

import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { Field, FieldErrors } from '@/components/ui/field';
import { FormStatus } from '@/components/ui/form-status';
import { SubmitButton } from '@/components/ui/submit-button';
import { useActionForm } from '@/components/ui/use-action-form';
import type { ActionState } from '@/lib/action-state';
import type { RequiredField } from '@/db/schema';

export type PermissionChoice = { value: string; label: string; help: string; held: boolean };

type Values = { name: string; permissions: string[]; allEnvironments: boolean; requiredFields: RequiredField[] };

/** Create and edit a role: name, permissions with what each allows, reach, and the Add form's required fields. */
export function RoleForm({
  action,
  permissions,
  initial,
  roleId,
  builtIn,
  canReachAll,
}: {
  action: (state: ActionState, data: FormData) => Promise<ActionState>;
  permissions: PermissionChoice[];
  initial: Values;
  roleId?: string;
  builtIn?: boolean;
  canReachAll: boolean;
}) {
  const { state, pending, fieldErrors: errors, formProps } = useActionForm(action);
  const [fields, setFields] = useState(initial.requiredFields.map((f, i) => ({ ...f, id: i })));
  const fieldErrors = Object.entries(errors ?? {})
    .filter(([key]) => key.startsWith('requiredFields'))
    .flatMap(([, messages]) => messages);

  return (
    <form {...formProps} className="max-w-3xl space-y-6 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
      <FormStatus state={state} />
      {roleId && <input type="hidden" name="roleId" value={roleId} />}
      <Field
        label="Name"
        name="name"
        defaultValue={initial.name}
        required
        readOnly={builtIn}
        autoComplete="off"
        help={builtIn ? 'Built-in roles keep their name.' : 'Shown in the Role pickers, e.g. Support agent.'}
        errors={errors?.name}
      />

      <fieldset aria-describedby={errors?.permissions ? 'role-permissions-error' : undefined}>
        <legend className="text-sm font-semibold text-slate-800">Permissions</legend>
        <p className="text-xs text-slate-600">You can only give permissions you hold yourself.</p>
        <ul className="mt-3 space-y-3">
          {permissions.map((p) => (
            <li key={p.value}>
              <label className="flex items-start gap-3 text-sm">
                <input
                  type="checkbox"
                  name="permissions"
                  value={p.value}
                  defaultChecked={initial.permissions.includes(p.value)}
                  disabled={!p.held}
                  aria-describedby={`perm-${p.value}-help`}
                  className="mt-0.5 size-4 rounded border-slate-300"
                />
                <span>
                  <span className="font-medium text-slate-900">{p.label}</span>
                  <span id={`perm-${p.value}-help`} className="block text-xs text-slate-600">
                    {p.help}
                    {!p.held && ' You do not hold this permission.'}
                  </span>
                </span>
              </label>
              {/* A disabled checkbox is not posted: keep what the role already has. */}
              {!p.held && initial.permissions.includes(p.value) && <input type="hidden" name="permissions" value={p.value} />}
            </li>
          ))}
        </ul>
        <FieldErrors id="role-permissions-error" errors={errors?.permissions} />
      </fieldset>

      <label className="flex items-start gap-3 text-sm">
        <input
          type="checkbox"
          name="allEnvironments"
          defaultChecked={initial.allEnvironments}
          disabled={!canReachAll}
          aria-describedby="role-all-help"
          className="mt-0.5 size-4 rounded border-slate-300"
        />
        <span>
          <span className="font-medium text-slate-900">All environments</span>
          <span id="role-all-help" className="block text-xs text-slate-600">
            Holders belong to every environment, present and future. Otherwise they belong to the environments chosen for each user.
          </span>
        </span>
      </label>

      <fieldset>
        <legend className="text-sm font-semibold text-slate-800">Required profile fields</legend>
        <p className="text-xs text-slate-600">The Add form and the import ask for these when this role is chosen. A pattern is a regular expression the whole value must match.</p>
        <div className="mt-3 space-y-3">
          {fields.map((f, i) => (
            <div key={f.id} className="grid items-end gap-2 sm:grid-cols-[1fr_1fr_1fr_auto]">
              <Field label={`Field ${i + 1} label`} name="fieldLabel" defaultValue={f.label} autoComplete="off" />
              <Field label={`Field ${i + 1} key`} name="fieldKey" defaultValue={f.key} autoComplete="off" />
              <Field label={`Field ${i + 1} pattern (optional)`} name="fieldPattern" defaultValue={f.pattern ?? ''} autoComplete="off" placeholder="e.g. E[0-9]{4}" />
              <Button type="button" variant="ghost" size="sm" onClick={() => setFields((all) => all.filter((x) => x.id !== f.id))} aria-label={`Remove field ${i + 1}`}>
                Remove
              </Button>
            </div>
          ))}
        </div>
        <Button type="button" variant="secondary" size="sm" className="mt-3" onClick={() => setFields((all) => [...all, { label: '', key: '', id: Date.now() }])}>
          + Add required field
        </Button>
        {fieldErrors.length > 0 && (
          <div className="mt-2">
            <FieldErrors id="role-fields-error" errors={[...new Set(fieldErrors)]} />
          </div>
        )}
      </fieldset>

      <SubmitButton pending={pending}>{roleId ? 'Save role' : 'Create role'}</SubmitButton>
    </form>
  );
}
