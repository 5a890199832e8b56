'use client';

// Stops any form larger than the server-action limit before it is sent, and says why: over the limit,
// Next.js answers with a bare error and the user would lose what they typed to an error page.
import { useEffect, useState } from 'react';
import { FORM_BODY_LIMIT_BYTES, formBodySize, formTooLargeMessage } from '@/lib/form-limit';

export function FormSizeGuard() {
  const [message, setMessage] = useState('');

  useEffect(() => {
    // Capture phase on the document: runs before React's own submit handling, which it then never sees.
    const onSubmit = (event: SubmitEvent) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      const size = formBodySize(new FormData(form, event.submitter));
      if (size <= FORM_BODY_LIMIT_BYTES) return setMessage('');
      event.preventDefault();
      event.stopPropagation();
      setMessage(formTooLargeMessage(size));
    };
    document.addEventListener('submit', onSubmit, true);
    return () => document.removeEventListener('submit', onSubmit, true);
  }, []);

  // Rendered only with a message: an alert announces itself when it appears, and an empty one would be
  // a second "alert" on every page.
  if (!message) return null;
  return (
    <div role="alert" className="fixed inset-x-4 bottom-4 z-50 mx-auto flex max-w-lg items-start gap-3 rounded-md border border-red-200 bg-red-50 p-4 text-sm text-red-800 shadow-lg">
      <p className="flex-1">{message}</p>
      <button type="button" className="font-medium underline" onClick={() => setMessage('')}>
        Dismiss
      </button>
    </div>
  );
}
