'use client';

import { RotateCw, TriangleAlert } from 'lucide-react';
import { useEffect, useRef } from 'react';
import { Button } from '@/components/ui/button';

/**
 * A page of the portal failed: the shell stays, the failure is said plainly, with a retry and the
 * reference that the server logged with the error (instrumentation.ts).
 */
export default function PortalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [error]);
  return (
    <section aria-labelledby="error-title" className="mx-auto max-w-lg py-16 text-center">
      <TriangleAlert aria-hidden className="mx-auto size-8 text-amber-500" />
      <h1 id="error-title" ref={heading} tabIndex={-1} className="mt-3 text-xl font-semibold text-slate-900 focus:outline-none">
        This page could not be shown
      </h1>
      <p className="mt-2 text-sm text-slate-600">Something went wrong while loading it. Nothing was changed. Try again; if it keeps failing, give your administrator the reference below.</p>
      <p className="mt-4 text-sm text-slate-700">
        Reference: <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">{error.digest ?? 'not available'}</code>
      </p>
      <Button className="mt-6" onClick={reset}>
        <RotateCw aria-hidden className="size-4" />
        Try again
      </Button>
    </section>
  );
}
