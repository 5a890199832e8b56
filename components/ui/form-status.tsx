import type { ActionState } from '@/lib/action-state';
import { Alert } from './alert';

/** The live region every form has: its result or the summary of its errors, announced on submit. */
export function FormStatus({ state }: { state: ActionState }) {
  return (
    // Always present (live regions must exist before they change), taking no space while empty.
    <div aria-live="polite" className="empty:sr-only">
      {state.status === 'error' && <Alert tone="error">{state.message}</Alert>}
      {state.status === 'success' && <Alert tone="success">{state.message}</Alert>}
    </div>
  );
}
