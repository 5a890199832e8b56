'use client';

import { focusProgressWhenShown } from '@/components/import/import-progress';
import { FormStatus } from '@/components/ui/form-status';
import { SubmitButton } from '@/components/ui/submit-button';
import { useActionForm } from '@/components/ui/use-action-form';
import type { ActionState } from '@/lib/action-state';

/** The importer's choices: which rows, and whether invitations go out. */
export function StartImportForm({
  jobId,
  action,
  toImport,
  errorCount,
}: {
  jobId: string;
  action: (state: ActionState, data: FormData) => Promise<ActionState>;
  toImport: number;
  errorCount: number;
}) {
  const { state, pending, formProps } = useActionForm(action);
  return (
    <form
      {...formProps}
      onSubmit={(event) => {
        focusProgressWhenShown();
        formProps.onSubmit(event);
      }}
      className="space-y-4 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
      <input type="hidden" name="jobId" value={jobId} />
      <fieldset>
        <legend className="text-sm font-medium text-slate-900">What to import</legend>
        <div className="mt-2 space-y-2 text-sm">
          <label className="flex items-start gap-2">
            <input type="radio" name="mode" value="valid" defaultChecked className="mt-1 accent-indigo-600" />
            <span>
              Import the valid rows <span className="text-slate-600">({toImport.toLocaleString('en')}); rows with errors are left out and listed in the report.</span>
            </span>
          </label>
          <label className="flex items-start gap-2">
            <input type="radio" name="mode" value="all" disabled={errorCount > 0} className="mt-1 accent-indigo-600" aria-describedby={errorCount > 0 ? 'all-or-nothing-help' : undefined} />
            <span className={errorCount > 0 ? 'text-slate-500' : undefined}>
              All or nothing: import every row, or none if any fails.
              {errorCount > 0 && (
                <span id="all-or-nothing-help" className="block text-slate-600">
                  Not available while rows have errors.
                </span>
              )}
            </span>
          </label>
        </div>
      </fieldset>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="sendInvitations" defaultChecked className="accent-indigo-600" />
        Email each new user an invitation to choose a password
      </label>
      <FormStatus state={state} />
      <SubmitButton pending={pending} pendingText="Starting…">
        Import {toImport.toLocaleString('en')} {toImport === 1 ? 'user' : 'users'}
      </SubmitButton>
    </form>
  );
}
