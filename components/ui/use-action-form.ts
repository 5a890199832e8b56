'use client';

import { useActionState, useTransition, type FormEvent } from 'react';
import { idle, type ActionState } from '@/lib/action-state';

/**
 * Runs a server action from a form without React's reset of the form after submission, so nothing
 * typed is lost when the server answers with errors. Returns the state, the form's props and pending.
 */
export function useActionForm(action: (state: ActionState, data: FormData) => Promise<ActionState>) {
  const [state, dispatch, pending] = useActionState(action, idle);
  const [, startTransition] = useTransition();
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (pending) return;
    const data = new FormData(event.currentTarget, (event.nativeEvent as SubmitEvent).submitter);
    startTransition(() => dispatch(data));
  };
  const fieldErrors = state.status === 'error' ? state.fieldErrors : undefined;
  return { state, pending, fieldErrors, formProps: { onSubmit, noValidate: true } };
}
