'use client';

import { PasswordField } from '@/components/ui/password-field';
import { FormStatus } from '@/components/ui/form-status';
import { SubmitButton } from '@/components/ui/submit-button';
import { useActionForm } from '@/components/ui/use-action-form';
import { setPasswordAction } from './actions';

// As on change password: errors show as a summary that takes focus and links each field.
const FIELDS = {
  password: { id: 'set-password-new', label: 'New password' },
  confirmPassword: { id: 'set-password-confirm', label: 'Confirm new password' },
};

export function SetPasswordForm({ token, email, passwordHelp }: { token: string; email: string; passwordHelp: string }) {
  const { state, pending, fieldErrors: errors, formProps } = useActionForm(setPasswordAction);
  return (
    <form {...formProps} className="mt-6 space-y-4">
      <FormStatus state={state} fields={FIELDS} />
      <input type="hidden" name="token" value={token} />
      {/* For password managers: the account the new password belongs to (not submitted as a field that counts). */}
      <input type="text" name="username" autoComplete="username" value={email} readOnly hidden />
      <PasswordField label="New password" id={FIELDS.password.id} name="password" autoComplete="new-password" required help={passwordHelp} errors={errors?.password} />
      <PasswordField label="Confirm new password" id={FIELDS.confirmPassword.id} name="confirmPassword" autoComplete="new-password" required errors={errors?.confirmPassword} />
      <SubmitButton pending={pending} className="w-full">Set password and sign in</SubmitButton>
    </form>
  );
}
