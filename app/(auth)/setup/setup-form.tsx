'use client';

import { signIn } from 'next-auth/react';
import { useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';
import { Field } from '@/components/ui/field';
import { PasswordField } from '@/components/ui/password-field';
import { FormStatus } from '@/components/ui/form-status';
import { SubmitButton } from '@/components/ui/submit-button';
import { useActionForm } from '@/components/ui/use-action-form';
import { setupAction } from './actions';

const FIELDS = {
  organizationName: { id: 'setup-organizationName', label: 'Organization name' },
  firstName: { id: 'setup-firstName', label: 'First name' },
  lastName: { id: 'setup-lastName', label: 'Last name' },
  email: { id: 'setup-email', label: 'Email' },
  password: { id: 'setup-password', label: 'Password' },
  confirmPassword: { id: 'setup-confirmPassword', label: 'Confirm password' },
};

export function SetupForm({ passwordHelp }: { passwordHelp: string }) {
  const { state, pending, fieldErrors: errors, formProps } = useActionForm(setupAction);
  const router = useRouter();
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (state.status !== 'success' || !formRef.current) return;
    // The Administrator now exists: sign them in with what they just typed.
    const data = new FormData(formRef.current);
    void signIn('credentials', { email: data.get('email'), password: data.get('password'), redirect: false }).then(() => {
      router.replace('/');
      router.refresh();
    });
  }, [state, router]);

  return (
    <form ref={formRef} {...formProps} className="mt-6 space-y-4">
      <FormStatus state={state} fields={FIELDS} />
      <Field label="Organization name" id={FIELDS.organizationName.id} name="organizationName" required autoComplete="organization" errors={errors?.organizationName} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="First name" id={FIELDS.firstName.id} name="firstName" required autoComplete="given-name" errors={errors?.firstName} />
        <Field label="Last name" id={FIELDS.lastName.id} name="lastName" required autoComplete="family-name" errors={errors?.lastName} />
      </div>
      <Field label="Email" id={FIELDS.email.id} name="email" type="email" required autoComplete="username" errors={errors?.email} help="You will sign in with this address." />
      <PasswordField label="Password" id={FIELDS.password.id} name="password" required autoComplete="new-password" help={passwordHelp} errors={errors?.password} />
      <PasswordField label="Confirm password" id={FIELDS.confirmPassword.id} name="confirmPassword" required autoComplete="new-password" errors={errors?.confirmPassword} />
      <SubmitButton pending={pending || state.status === 'success'} className="w-full" pendingText="Creating…">
        Create organization
      </SubmitButton>
    </form>
  );
}
