'use client';

import { Plus, X } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import { ErrorSummary } from '@/components/ui/error-summary';
import { Field, FieldErrors, inputClass } from '@/components/ui/field';
import { SubmitButton } from '@/components/ui/submit-button';
import { useToast } from '@/components/ui/toast';
import { useActionForm } from '@/components/ui/use-action-form';
import { BackToList } from '@/components/users/list-focus';
import type { ActionState } from '@/lib/action-state';
import type { UserTag } from '@/db/schema';

type RoleOption = { id: string; name: string; allEnvironments: boolean; requiredFields: { label: string; key: string; hint?: string }[] };

export type UserFormValues = {
  firstName: string;
  lastName: string;
  email: string;
  roleId: string;
  environmentIds: string[];
  tags: UserTag[];
  inactive?: boolean;
  /** Values of role fields, by key (editing: what is stored now). */
  profile?: Record<string, string>;
  version?: number;
  /** When the editor loaded the user (its updatedAt): a stale save shows what changed since. */
  seenAt?: string;
};

export type ConflictInfo = {
  version: number;
  seenAt: string;
  changes: { sentence: string; at: string; details: string[] }[];
  current: { firstName: string; lastName: string; email: string; roleId: string; environmentIds: string[]; tags: UserTag[]; inactive: boolean; profile: Record<string, string> };
};

/** A stored profile value, read as the server reads it (own keys only: a field may be keyed `constructor`). */
const valueOf = (profile: Record<string, string> | undefined, key: string) => (profile && Object.hasOwn(profile, key) ? profile[key] : undefined);

const FIELDS: Record<string, { id: string; label: string }> = {
  firstName: { id: 'user-firstName', label: 'First name' },
  lastName: { id: 'user-lastName', label: 'Last name' },
  email: { id: 'user-email', label: 'Email' },
  roleId: { id: 'user-role', label: 'Role' },
  environmentIds: { id: 'user-environments-first', label: 'Environments' },
  tags: { id: 'user-tags-add', label: 'Tags' },
  inactive: { id: 'user-inactive', label: 'Inactive' },
};

/**
 * Add and Edit: names, email, role (with its required fields), environments, tags, and Inactive when
 * editing. Errors: a summary that takes focus and links each field, plus messages under the fields.
 * A stale save shows who changed what and lets the editor keep their typed values on top, or discard.
 */
export function UserForm({
  action,
  roles,
  environments,
  initial,
  mode,
  userId,
  loadConflict,
  canDeactivate = true,
  self = false,
}: {
  action: (state: ActionState, data: FormData) => Promise<ActionState>;
  roles: RoleOption[];
  environments: { id: string; name: string }[];
  initial: UserFormValues;
  mode: 'add' | 'edit';
  userId?: string;
  loadConflict?: (userId: string, seenAt: string) => Promise<ConflictInfo | null>;
  /** False on one's own profile (nobody makes themselves inactive), and for users with no access to suspend (invited, banned). */
  canDeactivate?: boolean;
  /** One's own profile: the role and the environments one is in are not one's own to change (lib/users/update.ts). */
  self?: boolean;
}) {
  const { state, pending, fieldErrors: errors, formProps } = useActionForm(action);
  const [roleId, setRoleId] = useState(initial.roleId);
  const [tags, setTags] = useState<(UserTag & { key: number })[]>(initial.tags.map((t, i) => ({ ...t, key: i })));
  const [version, setVersion] = useState(initial.version);
  const [conflict, setConflict] = useState<ConflictInfo | null>(null);
  const conflictRef = useRef<HTMLDivElement>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const router = useRouter();
  const toast = useToast();
  const role = roles.find((r) => r.id === roleId);
  // After a save (ours, or theirs on "discard mine") the page brings the new version: save on top of it
  // from now on. "Discard mine" also redraws the fields with the values now stored.
  const [generation, setGeneration] = useState(0);
  const [discarding, setDiscarding] = useState(false);
  const [seenVersion, setSeenVersion] = useState(initial.version);
  if (initial.version !== seenVersion) {
    setSeenVersion(initial.version);
    setVersion(initial.version);
    if (discarding) {
      setDiscarding(false);
      setRoleId(initial.roleId);
      setTags(initial.tags.map((t, i) => ({ ...t, key: i })));
      setGeneration((g) => g + 1);
    }
  }

  // Once per answer: the page refreshing later (after a ban on the same page, say) re-runs this effect
  // with the same answer, which must not say "saved" again.
  const answered = useRef<ActionState | null>(null);
  useEffect(() => {
    if (answered.current === state) return;
    answered.current = state;
    if (state.status === 'success') toast(state.message);
    if (state.status === 'error' && state.code === 'conflict' && userId && loadConflict && initial.seenAt)
      void loadConflict(userId, initial.seenAt).then((c) => {
        if (!c) return;
        setConflict(c);
      });
  }, [state, toast, userId, loadConflict, initial.seenAt]);

  useEffect(() => {
    if (conflict) conflictRef.current?.focus();
  }, [conflict]);

  // Keep mine on top of theirs: the fields this editor changed keep the typed values; every field they
  // did not touch takes the value stored now, so the other person's changes survive. Then save.
  const keepMine = () => {
    const form = formRef.current;
    if (!conflict || !form) return;
    const { current } = conflict;
    for (const name of ['firstName', 'lastName', 'email'] as const) {
      const input = form.elements.namedItem(name) as HTMLInputElement | null;
      if (input && input.value === input.defaultValue) input.value = current[name];
    }
    for (const input of form.querySelectorAll<HTMLInputElement>('input[name^="profile."]'))
      if (input.value === input.defaultValue) input.value = valueOf(current.profile, input.name.slice('profile.'.length)) ?? '';
    for (const box of form.querySelectorAll<HTMLInputElement>('input[name="environmentIds"]'))
      if (box.checked === box.defaultChecked) box.checked = current.environmentIds.includes(box.value);
    const inactive = form.elements.namedItem('inactive') as HTMLInputElement | null;
    if (inactive && inactive.checked === inactive.defaultChecked) inactive.checked = current.inactive;
    if (roleId === initial.roleId) setRoleId(current.roleId);
    const typedTags = [...form.querySelectorAll<HTMLInputElement>('input[name="tagName"], input[name="tagValue"]')];
    const tagsTouched = typedTags.some((t) => t.value !== t.defaultValue) || tags.length !== initial.tags.length;
    if (!tagsTouched) setTags(current.tags.map((t, i) => ({ ...t, key: Date.now() + i })));
    setVersion(conflict.version);
    setConflict(null);
    requestAnimationFrame(() => requestAnimationFrame(() => formRef.current?.requestSubmit()));
  };
  const discardMine = () => {
    setConflict(null);
    setDiscarding(true);
    router.refresh();
  };

  const showSummary = state.status === 'error' && state.code !== 'conflict';
  // The summary links each of the chosen role's fields too.
  const fields = { ...FIELDS, ...Object.fromEntries((role?.requiredFields ?? []).map((f) => [`profile.${f.key}`, { id: `user-profile-${f.key}`, label: f.label }])) };
  // Editing, a field the role gained after the user got it may stay empty until someone fills it in
  // (the server checks only new roles and changed values); one holding a value cannot be emptied.
  const fieldRequired = (key: string) => mode === 'add' || roleId !== initial.roleId || Boolean(valueOf(initial.profile, key));

  return (
    <form ref={formRef} {...formProps} className="space-y-5 rounded-lg bg-white p-5 ring-1 ring-slate-200 sm:p-6">
      {showSummary && <ErrorSummary message={state.message} errors={state.fieldErrors} fields={fields} token={state} />}
      {conflict && (
        <div ref={conflictRef} tabIndex={-1} role="alert" aria-labelledby="conflict-title" className="rounded-md bg-amber-50 p-4 text-sm text-amber-950 ring-1 ring-amber-200 focus:outline-2 focus:outline-offset-2 focus:outline-amber-600">
          <p id="conflict-title" className="font-medium">Someone else saved this user after you opened it. Your changes are not saved yet.</p>
          <ul className="mt-2 list-disc space-y-1 pl-5">
            {conflict.changes.length === 0 && <li>Their change is not in the history you can see.</li>}
            {conflict.changes.map((c, i) => (
              <li key={i}>
                {c.sentence}
                {c.details.length > 1 && <span className="block text-xs text-amber-900">{c.details.join('; ')}</span>}
              </li>
            ))}
          </ul>
          <div className="mt-3 flex flex-wrap gap-2">
            <Button type="button" onClick={keepMine}>Keep my changes on top of theirs</Button>
            <Button type="button" variant="secondary" onClick={discardMine}>Discard mine and show theirs</Button>
          </div>
        </div>
      )}
      <div key={generation} className="space-y-5">
      {userId && <input type="hidden" name="userId" value={userId} />}
      {mode === 'edit' && <input type="hidden" name="version" value={version} />}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id="user-firstName" label="First name" name="firstName" defaultValue={initial.firstName} required autoComplete="off" errors={errors?.firstName} />
        <Field id="user-lastName" label="Last name" name="lastName" defaultValue={initial.lastName} required autoComplete="off" errors={errors?.lastName} />
      </div>
      <Field id="user-email" label="Email" name="email" type="email" defaultValue={initial.email} required autoComplete="off" help="The user signs in with this address." errors={errors?.email} />
      <div className="space-y-1">
        <label htmlFor="user-role" className="block text-sm font-medium text-slate-800">Role</label>
        <select
          id="user-role"
          name={self ? undefined : 'roleId'}
          value={roleId}
          onChange={(e) => setRoleId(e.target.value)}
          disabled={self}
          className={inputClass}
          aria-describedby={[self && 'user-role-help', errors?.roleId && 'user-role-error'].filter(Boolean).join(' ') || undefined}
          aria-invalid={errors?.roleId ? true : undefined}
        >
          {!role && <option value="">Choose a role</option>}
          {roles.map((r) => (
            <option key={r.id} value={r.id}>{r.name}</option>
          ))}
        </select>
        {self && <input type="hidden" name="roleId" value={roleId} />}
        {self && <p id="user-role-help" className="text-xs text-slate-600">Your own role, and the environments you are in, are changed by an Administrator.</p>}
        <FieldErrors id="user-role-error" errors={errors?.roleId} />
      </div>

      {role && role.requiredFields.length > 0 && (
        <fieldset className="space-y-4">
          <legend className="text-sm font-semibold text-slate-800">Required by the {role.name} role</legend>
          {role.requiredFields.map((f) => (
            <Field
              key={`${role.id}-${f.key}`}
              id={`user-profile-${f.key}`}
              label={f.label}
              name={`profile.${f.key}`}
              defaultValue={valueOf(initial.profile, f.key) ?? ''}
              help={f.hint}
              required={fieldRequired(f.key)}
              errors={errors?.[`profile.${f.key}`]}
            />
          ))}
        </fieldset>
      )}

      {role?.allEnvironments ? (
        <p className="text-sm text-slate-600">{role.name}s belong to every environment.</p>
      ) : (
        <fieldset aria-describedby={errors?.environmentIds ? 'user-environments-error' : undefined}>
          <legend className="text-sm font-medium text-slate-800">Environments</legend>
          <div className="mt-1 flex flex-wrap gap-x-4">
            {environments.map((env, i) => {
              // One's own memberships stay (a disabled box is not sent: a hidden field carries it).
              const kept = self && initial.environmentIds.includes(env.id);
              return (
                <label key={env.id} className="flex min-h-8 items-center gap-2 text-sm">
                  <input id={i === 0 ? 'user-environments-first' : undefined} type="checkbox" name={kept ? undefined : 'environmentIds'} value={env.id} defaultChecked={initial.environmentIds.includes(env.id)} disabled={kept} className="size-4 rounded border-slate-300 accent-indigo-600" />
                  {kept && <input type="hidden" name="environmentIds" value={env.id} />}
                  {env.name}
                </label>
              );
            })}
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
              <input aria-label={`Tag ${i + 1} name`} name="tagName" defaultValue={tag.name} placeholder="Name" className={inputClass} />
              <input aria-label={`Tag ${i + 1} value`} name="tagValue" defaultValue={tag.value} placeholder="Value" className={inputClass} />
              <Button type="button" variant="ghost" size="icon" onClick={() => {
                  setTags((t) => t.filter((x) => x.key !== tag.key));
                  // The button goes with its tag: focus the next tag's Remove (now at this place), else the one
                  // before, else Add tag, never the page body.
                  requestAnimationFrame(() =>
                    (
                      document.querySelector<HTMLElement>(`[aria-label="Remove tag ${i + 1}"]`) ??
                      document.querySelector<HTMLElement>(`[aria-label="Remove tag ${i}"]`) ??
                      document.getElementById('user-tags-add')
                    )?.focus(),
                  );
                }} aria-label={`Remove tag ${i + 1}`}>
                <X aria-hidden className="size-4" />
              </Button>
            </div>
          ))}
        </div>
        <Button
          id="user-tags-add"
          type="button"
          variant="secondary"
          size="sm"
          className="mt-2"
          onClick={() => {
            setTags((t) => [...t, { name: '', value: '', key: Date.now() }]);
            // Straight on to typing the new tag's name.
            requestAnimationFrame(() => document.querySelector<HTMLInputElement>(`[aria-label="Tag ${tags.length + 1} name"]`)?.focus());
          }}
        >
          <Plus aria-hidden className="size-4" />
          Add tag
        </Button>
        <FieldErrors id="user-tags-error" errors={errors?.tags} />
      </fieldset>

      {mode === 'edit' && canDeactivate && (
        <div>
          <label className="flex min-h-8 items-center gap-2 text-sm">
            <input id="user-inactive" type="checkbox" name="inactive" defaultChecked={initial.inactive} aria-describedby={errors?.inactive ? 'user-inactive-error' : undefined} aria-invalid={errors?.inactive ? true : undefined} className="size-4 rounded border-slate-300 accent-indigo-600" />
            Inactive (cannot sign in until made active again)
          </label>
          <FieldErrors id="user-inactive-error" errors={errors?.inactive} />
        </div>
      )}

      </div>
      <div className="flex flex-wrap items-center gap-2 border-t border-slate-100 pt-4">
        {/* Not disabled while saving: a disabled button would drop keyboard focus to the page body. */}
        <SubmitButton pending={pending}>{mode === 'add' ? 'Add user and send invitation' : 'Save changes'}</SubmitButton>
        {mode === 'add' && (
          <Button asChild variant="ghost">
            <BackToList>Cancel</BackToList>
          </Button>
        )}
      </div>
    </form>
  );
}
