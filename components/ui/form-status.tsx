'use client';

import type { ActionState } from '@/lib/action-state';
import { Alert } from './alert';
import { ErrorSummary } from './error-summary';

/**
 * The live region every form has: its result or the summary of its errors, announced on submit.
 * Given `fields` (error key to field id and label), errors show as the error summary instead, which
 * takes focus and links each message to its field, as on Add user.
 */
export function FormStatus({ state, fields }: { state: ActionState; fields?: Record<string, { id: string; label: string }> }) {
  const summary = fields && state.status === 'error';
  return (
    <>
      {summary && <ErrorSummary message={state.message} errors={state.fieldErrors} fields={fields} token={state} />}
      {/* Always present (live regions must exist before they change), taking no space while empty. What
          shows here is announced by the region: a role="alert" or role="status" inside it would be read twice. */}
      <div aria-live="polite" className="empty:sr-only">
        {state.status === 'error' && !summary && <Alert tone="error" announce={false}>{state.message}</Alert>}
        {state.status === 'success' && <Alert tone="success" announce={false}>{state.message}</Alert>}
      </div>
    </>
  );
}
