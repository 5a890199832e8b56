'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';
import { Field } from '@/components/ui/field';
import { FormStatus } from '@/components/ui/form-status';
import { SubmitButton } from '@/components/ui/submit-button';
import { useActionForm } from '@/components/ui/use-action-form';
import type { ActionState } from '@/lib/action-state';

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
      <FormStatus state={state} />
      <input type="hidden" name="username" value={email} autoComplete="username" readOnly />
      <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" required errors={errors?.currentPassword} />
      <Field label="New password" name="newPassword" type="password" autoComplete="new-password" required help={passwordHelp} errors={errors?.newPassword} />
      <Field label="Confirm new password" name="confirmPassword" type="password" autoComplete="new-password" required errors={errors?.confirmPassword} />
      <SubmitButton pending={pending}>Change password</SubmitButton>
    </form>
  );
}
