'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';
import { ErrorSummary } from '@/components/ui/error-summary';
import { Field } from '@/components/ui/field';
import { useToast } from '@/components/ui/toast';
import { SubmitButton } from '@/components/ui/submit-button';
import { useActionForm } from '@/components/ui/use-action-form';
import type { SecuritySettingsValues } from '@/lib/settings/security';
import { updateSecuritySettingsAction } from './actions';

type NumberKey = { [K in keyof SecuritySettingsValues]: SecuritySettingsValues[K] extends number ? K : never }[keyof SecuritySettingsValues];
type FlagKey = Exclude<keyof SecuritySettingsValues, NumberKey>;

const SECTIONS: { title: string; numbers: { key: NumberKey; label: string; help: string; min: number; max: number }[]; flags?: { key: FlagKey; label: string }[] }[] = [
  {
    title: 'Lockout',
    numbers: [
      { key: 'lockoutThreshold', label: 'Failed attempts before lock', help: 'Wrong passwords in a row that lock the account (3–100).', min: 3, max: 100 },
      { key: 'autoUnlockMinutes', label: 'Automatic unlock after (minutes)', help: 'A locked account unlocks by itself this long after the lock (0–10080, a week); 0 keeps it locked until a manager unlocks or resets it.', min: 0, max: 10080 },
    ],
  },
  {
    title: 'Password policy',
    numbers: [{ key: 'passwordMinLength', label: 'Minimum password length', help: 'Characters a new password needs at least (8–72).', min: 8, max: 72 }],
    flags: [
      { key: 'requireLowercase', label: 'Require a lowercase letter' },
      { key: 'requireUppercase', label: 'Require an uppercase letter' },
      { key: 'requireDigit', label: 'Require a digit' },
      { key: 'requireSymbol', label: 'Require a symbol' },
      { key: 'rejectCommonPasswords', label: 'Reject common passwords' },
    ],
  },
  {
    title: 'Expiry and inactivity',
    numbers: [
      { key: 'passwordMaxAgeDays', label: 'Password maximum age (days)', help: 'After this the account locks at the next sign-in (0–3650); 0 means passwords never expire. Shortened, it gives the passwords it would expire at once the warning days first; those already expired stay expired.', min: 0, max: 3650 },
      { key: 'passwordWarningDays', label: 'Expiry warning (days)', help: 'During these last days users are asked to change their password at sign-in (0–365, fewer than the maximum age).', min: 0, max: 365 },
      { key: 'inactivityDays', label: 'Inactivate after days without sign-in', help: 'Checked hourly (0–3650); 0 never inactivates anyone automatically.', min: 0, max: 3650 },
    ],
  },
  {
    title: 'Links',
    numbers: [
      { key: 'invitationLifetimeDays', label: 'Invitation link lifetime (days)', help: 'How long a new user\'s invitation link works (1–90).', min: 1, max: 90 },
      { key: 'resetLifetimeMinutes', label: 'Reset link lifetime (minutes)', help: 'How long a password-reset link works (5–10080).', min: 5, max: 10080 },
    ],
  },
];

const FIELDS = Object.fromEntries(SECTIONS.flatMap((s) => s.numbers).map((n) => [n.key, { id: `setting-${n.key}`, label: n.label }]));

/**
 * The Save button is far below the top of this long form: its answer comes where the eye and focus
 * are. A success is a toast (announced; focus stays on Save); errors are a summary at the top that takes focus
 * and links each message to its field.
 * The form sends what it showed (`opened`), so a save changes only what its editor changed. When someone
 * else saved meanwhile, the page is refreshed: fields left alone show their values, typed ones keep the
 * typing (an uncontrolled field follows its new default only until it is edited).
 */
export function SecuritySettingsForm({ values }: { values: SecuritySettingsValues }) {
  const { state, pending, fieldErrors: errors, formProps } = useActionForm(updateSecuritySettingsAction);
  const toast = useToast();
  const router = useRouter();
  const answered = useRef(state);
  useEffect(() => {
    if (answered.current === state) return;
    answered.current = state;
    if (state.status === 'success') toast(state.message);
    if (state.status === 'error' && state.code === 'conflict') router.refresh();
  }, [state, toast, router]);
  return (
    <form {...formProps} className="max-w-3xl space-y-6">
      <input type="hidden" name="opened" value={JSON.stringify(values)} />
      {state.status === 'error' && <ErrorSummary message={state.message} errors={state.fieldErrors} fields={FIELDS} token={state} />}
      {SECTIONS.map((section) => (
        <fieldset key={section.title} className="rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
          <legend className="px-1 text-base font-semibold">{section.title}</legend>
          <div className="grid gap-5 sm:grid-cols-2">
            {section.numbers.map((n) => (
              <Field key={n.key} id={FIELDS[n.key]!.id} label={n.label} name={n.key} type="number" inputMode="numeric" min={n.min} max={n.max} required defaultValue={values[n.key]} help={n.help} errors={errors?.[n.key]} />
            ))}
          </div>
          {section.flags && (
            <div className="mt-5 space-y-2">
              {section.flags.map((f) => (
                <label key={f.key} className="flex items-center gap-2 text-sm">
                  <input type="checkbox" name={f.key} defaultChecked={values[f.key]} className="size-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600" />
                  {f.label}
                </label>
              ))}
            </div>
          )}
        </fieldset>
      ))}
      <SubmitButton pending={pending}>Save settings</SubmitButton>
    </form>
  );
}
