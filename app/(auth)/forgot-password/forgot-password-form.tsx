'use client';

import { Field } from '@/components/ui/field';
import { FormStatus } from '@/components/ui/form-status';
import { SubmitButton } from '@/components/ui/submit-button';
import { useActionForm } from '@/components/ui/use-action-form';
import { forgotPasswordAction } from './actions';

// As on the other sign-in pages: an error is a summary that takes focus and names the field, not a bare
// "Check the highlighted fields." read out while focus stays on the button.
const FIELDS = { email: { id: 'forgot-email', label: 'Email' } };

export function ForgotPasswordForm() {
  const { state, pending, fieldErrors: errors, formProps } = useActionForm(forgotPasswordAction);
  return (
    <form {...formProps} className="mt-6 space-y-4">
      <FormStatus state={state} fields={FIELDS} />
      <Field label="Email" id={FIELDS.email.id} name="email" type="email" autoComplete="username" required errors={errors?.email} />
      <SubmitButton pending={pending} pendingText="Sending…" className="w-full">Send reset link</SubmitButton>
    </form>
  );
}
