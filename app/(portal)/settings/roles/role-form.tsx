'use client';

import { Plus } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Field, FieldErrors } from '@/components/ui/field';
import { FormStatus } from '@/components/ui/form-status';
import { SubmitButton } from '@/components/ui/submit-button';
import { useActionForm } from '@/components/ui/use-action-form';
import type { ActionState } from '@/lib/action-state';
import type { RequiredField } from '@/db/schema';

export type PermissionChoice = { value: string; label: string; help: string; held: boolean };

type Values = { name: string; permissions: string[]; allEnvironments: boolean; requiredFields: RequiredField[] };

const FIELDS = {
  name: { id: 'role-name', label: 'Name' },
  permissions: { id: 'role-permissions', label: 'Permissions' },
  allEnvironments: { id: 'role-all', label: 'All environments' },
  requiredFields: { id: 'role-fields', label: 'Required profile fields' },
};
const INPUTS = [
  { key: 'label', name: 'fieldLabel', label: 'Label' },
  { key: 'key', name: 'fieldKey', label: 'Key' },
  { key: 'pattern', name: 'fieldPattern', label: 'Pattern' },
  { key: 'hint', name: 'fieldHint', label: 'Format hint' },
] as const;
const OPTIONAL = new Set<string>(['pattern', 'hint']);
const PLACEHOLDERS: Partial<Record<string, string>> = { key: 'e.g. employeeNumber', pattern: 'e.g. E[0-9]{4}', hint: 'e.g. E and 4 digits, like E1234' };
const inputId = (row: number, key: string) => `role-field-${row}-${key}`;

/** A key in the form lib/roles accepts (a letter, then letters, digits and _; at most 40), made from a label: "Employee number" → "employeeNumber". */
export function keyFromLabel(label: string): string {
  const words = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  const key = words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase())).join('');
  return key.replace(/^[0-9]+/, '').slice(0, 40);
}

/** Create and edit a role: name, permissions with what each allows, reach, and the Add form's required fields. */
export function RoleForm({
  action,
  permissions,
  initial,
  roleId,
  version,
  builtIn,
  canReachAll,
}: {
  action: (state: ActionState, data: FormData) => Promise<ActionState>;
  permissions: PermissionChoice[];
  initial: Values;
  roleId?: string;
  version?: string;
  builtIn?: boolean;
  canReachAll: boolean;
}) {
  const { state, pending, fieldErrors: errors, formProps } = useActionForm(action);
  const [fields, setFields] = useState(initial.requiredFields.map((f, i) => ({ ...f, id: i })));
  // After "Add required field" focus goes to the new row's Label; after Remove, to the Add button.
  const focusNext = useRef<string | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!focusNext.current) return;
    (document.getElementById(focusNext.current) ?? addButton.current)?.focus();
    focusNext.current = null;
  }, [fields]);
  // Each row's inputs, for the error summary's links (errors are keyed requiredFields.<row>.<input>).
  const summaryFields = {
    ...FIELDS,
    ...Object.fromEntries(
      fields.flatMap((_, i) => INPUTS.map(({ key, label }) => [`requiredFields.${i}.${key}`, { id: inputId(i, key), label: `Field ${i + 1} ${label.toLowerCase()}` }])),
    ),
  };

  return (
    <form {...formProps} className="max-w-3xl space-y-6 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
      <FormStatus state={state} fields={summaryFields} />
      {roleId && <input type="hidden" name="roleId" value={roleId} />}
      {version && <input type="hidden" name="version" value={version} />}
      <Field
        id={FIELDS.name.id}
        label="Name"
        name="name"
        defaultValue={initial.name}
        required
        readOnly={builtIn}
        autoComplete="off"
        help={builtIn ? 'Built-in roles keep their name.' : 'Shown in the role pickers, e.g. Support agent.'}
        errors={errors?.name}
      />

      <fieldset id={FIELDS.permissions.id} tabIndex={-1} aria-describedby={errors?.permissions ? 'role-permissions-error' : undefined}>
        <legend className="text-sm font-semibold text-slate-800">Permissions</legend>
        <p className="text-xs text-slate-600">
          {builtIn ? 'A built-in role keeps the permissions it exists for. For another set, add a custom role.' : 'You can only give permissions you hold yourself.'}
        </p>
        <ul className="mt-3 space-y-3">
          {permissions.map((p) => (
            <li key={p.value}>
              <label className="flex items-start gap-3 text-sm">
                <input
                  type="checkbox"
                  name="permissions"
                  value={p.value}
                  defaultChecked={initial.permissions.includes(p.value)}
                  disabled={!p.held || builtIn}
                  aria-describedby={`perm-${p.value}-help`}
                  className="mt-0.5 size-4 shrink-0 rounded border-slate-300"
                />
                <span>
                  <span className="font-medium text-slate-900">{p.label}</span>
                  <span id={`perm-${p.value}-help`} className="block text-xs text-slate-600">
                    {p.help}
                    {!p.held && !builtIn && ' You do not hold this permission.'}
                  </span>
                </span>
              </label>
              {/* A disabled checkbox is not posted: keep what the role already has. */}
              {(!p.held || builtIn) && initial.permissions.includes(p.value) && <input type="hidden" name="permissions" value={p.value} />}
            </li>
          ))}
        </ul>
        <FieldErrors id="role-permissions-error" errors={errors?.permissions} />
      </fieldset>

      <label className="flex items-start gap-3 text-sm">
        <input
          id={FIELDS.allEnvironments.id}
          type="checkbox"
          name="allEnvironments"
          defaultChecked={initial.allEnvironments}
          disabled={!canReachAll || builtIn}
          aria-describedby="role-all-help"
          className="mt-0.5 size-4 shrink-0 rounded border-slate-300"
        />
        {builtIn && initial.allEnvironments && <input type="hidden" name="allEnvironments" value="on" />}
        <span>
          <span className="font-medium text-slate-900">All environments</span>
          <span id="role-all-help" className="block text-xs text-slate-600">
            Holders belong to every environment, present and future. Otherwise they belong to the environments chosen for each user.
          </span>
        </span>
      </label>

      <fieldset id={FIELDS.requiredFields.id} tabIndex={-1} aria-describedby={errors?.requiredFields ? 'role-fields-error' : undefined}>
        <legend className="text-sm font-semibold text-slate-800">Required profile fields</legend>
        <p className="text-xs text-slate-600">
          The Add form and the import ask for these when this role is chosen. The key names the field in the APIs; left empty, it is made from
          the label. A pattern is a regular expression the whole value must match; its format hint says the same in words, under the field and in
          its error.
        </p>
        <div className="mt-3 space-y-3">
          {fields.map((f, i) => (
            <div key={f.id} className="grid items-end gap-2 sm:grid-cols-[1fr_1fr_1fr_1fr_auto]">
              {INPUTS.map(({ key, name, label }) => (
                <Field
                  key={key}
                  id={inputId(i, key)}
                  label={`Field ${i + 1} ${label.toLowerCase()}${OPTIONAL.has(key) ? ' (optional)' : ''}`}
                  name={name}
                  defaultValue={f[key] ?? ''}
                  autoComplete="off"
                  placeholder={PLACEHOLDERS[key]}
                  errors={errors?.[`requiredFields.${i}.${key}`]}
                  // A Key left empty is made from the Label, so nobody has to guess the key's rules first.
                  onBlur={
                    key === 'label'
                      ? (event) => {
                          const keyInput = document.getElementById(inputId(i, 'key'));
                          if (keyInput instanceof HTMLInputElement && !keyInput.value.trim()) keyInput.value = keyFromLabel(event.currentTarget.value);
                        }
                      : undefined
                  }
                />
              ))}
              <Button type="button" variant="ghost" size="sm" onClick={() => { setFields((all) => all.filter((x) => x.id !== f.id)); focusNext.current = 'role-add-field'; }} aria-label={`Remove field ${i + 1}`}>
                Remove
              </Button>
            </div>
          ))}
        </div>
        {/* Errors of the list as a whole (two rows with one key, too many rows); a row's own are under its inputs. */}
        <div className="mt-2 empty:hidden">
          <FieldErrors id="role-fields-error" errors={errors?.requiredFields} />
        </div>
        <Button
          ref={addButton}
          id="role-add-field"
          type="button"
          variant="secondary"
          size="sm"
          className="mt-3"
          onClick={() => {
            setFields((all) => [...all, { label: '', key: '', id: Date.now() }]);
            focusNext.current = inputId(fields.length, 'label');
          }}
        >
          <Plus aria-hidden className="size-4" />
          Add required field
        </Button>
      </fieldset>

      <SubmitButton pending={pending}>{roleId ? 'Save role' : 'Create role'}</SubmitButton>
    </form>
  );
}
