import type { ActionState } from '@/lib/action-state';
import { Alert } from './alert';

/** The live region every form has: its result or the summary of its errors, announced on submit. */
export function FormStatus({ state }: { state: ActionState }) {
  return (
    <div aria-live="polite">
      {state.status === 'error' && <Alert tone="error">{state.message}</Alert>}
      {state.status === 'success' && <Alert tone="success">{state.message}</Alert>}
    </div>
  );
}
