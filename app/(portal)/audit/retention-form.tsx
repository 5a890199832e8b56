'use client';

import { useState, useTransition } from 'react';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import { FormStatus } from '@/components/ui/form-status';
import { SubmitButton } from '@/components/ui/submit-button';
import { useActionForm } from '@/components/ui/use-action-form';
import { idle, type ActionState } from '@/lib/action-state';
import { purgeAction, setRetentionAction } from './actions';

// An error is a summary that takes focus and names the field, as on the other settings forms.
const FIELDS = { retentionDays: { id: 'retention-days', label: 'Keep events for (days)' } };

/** The retention period (0 = keep forever) and a purge of what is past it, confirmed and audited. */
export function RetentionForm({ days }: { days: number }) {
  const { state, pending, fieldErrors, formProps } = useActionForm(setRetentionAction);
  const [purgeState, setPurgeState] = useState<ActionState>(idle);
  const [open, setOpen] = useState(false);
  const [purging, startTransition] = useTransition();
  return (
    <section aria-labelledby="retention-title" className="mt-8 max-w-3xl rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
      <h2 id="retention-title" className="text-base font-semibold">Retention</h2>
      <form {...formProps} className="mt-3 flex flex-wrap items-end gap-3">
        <Field label={FIELDS.retentionDays.label} id={FIELDS.retentionDays.id} name="retentionDays" type="number" min={0} max={36500} defaultValue={days} help="At least 30 days; 0 keeps every event forever." errors={fieldErrors?.retentionDays} />
        <SubmitButton pending={pending}>Save retention</SubmitButton>
        <Button type="button" variant="secondary" disabled={days === 0 || purging} onClick={() => setOpen(true)}>
          Purge now
        </Button>
      </form>
      <div className="mt-3 space-y-2">
        <FormStatus state={state} fields={FIELDS} />
        <FormStatus state={purgeState} />
      </div>
      <ConfirmDialog
        open={open}
        onOpenChange={setOpen}
        title="Purge old audit events?"
        description={`Events older than ${days} days are removed for good. The purge itself is recorded, with the point of the hash chain it cut at, so verification still passes.`}
        confirmLabel="Purge"
        onConfirm={() => {
          setOpen(false);
          startTransition(async () => setPurgeState(await purgeAction(idle, new FormData())));
        }}
      />
    </section>
  );
}
