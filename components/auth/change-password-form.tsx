'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';
import { PasswordField } from '@/components/ui/password-field';
import { FormStatus } from '@/components/ui/form-status';
import { SubmitButton } from '@/components/ui/submit-button';
import { useActionForm } from '@/components/ui/use-action-form';
import type { ActionState } from '@/lib/action-state';

const FIELDS = {
  currentPassword: { id: 'password-current', label: 'Current password' },
  newPassword: { id: 'password-new', label: 'New password' },
  confirmPassword: { id: 'password-confirm', label: 'Confirm new password' },
};

export function ChangePasswordForm({
  email,
  passwordHelp,
  changePassword,
  afterChange,
}: {
  email: string;
  passwordHelp: string;
  changePassword: (state: ActionState, data: FormData) => Promise<ActionState>;
  afterChange?: string;
}) {
  const { state, pending, fieldErrors: errors, formProps } = useActionForm(changePassword);
  const formRef = useRef<HTMLFormElement>(null);
  const router = useRouter();

  useEffect(() => {
    if (state.status !== 'success') return;
    formRef.current?.reset();
    if (afterChange) router.replace(afterChange);
  }, [state, afterChange, router]);

  return (
    <form ref={formRef} {...formProps} className="max-w-md space-y-4">
      <FormStatus state={state} fields={FIELDS} />
      <input type="hidden" name="username" value={email} autoComplete="username" readOnly />
      <PasswordField label="Current password" id={FIELDS.currentPassword.id} name="currentPassword" autoComplete="current-password" required errors={errors?.currentPassword} />
      <PasswordField label="New password" id={FIELDS.newPassword.id} name="newPassword" autoComplete="new-password" required help={passwordHelp} errors={errors?.newPassword} />
      <PasswordField label="Confirm new password" id={FIELDS.confirmPassword.id} name="confirmPassword" autoComplete="new-password" required errors={errors?.confirmPassword} />
      <SubmitButton pending={pending}>Change password</SubmitButton>
    </form>
  );
}
