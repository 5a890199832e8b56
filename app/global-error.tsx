'use client';

import './globals.css';

/** The last resort, when even the root layout failed: its own <html lang>, a retry and the reference. */
export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <head>
        <title>Error · Userdesk</title>
      </head>
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">
        <main className="flex min-h-screen items-center justify-center px-4">
          <section aria-labelledby="global-error-title" className="max-w-lg text-center">
            <h1 id="global-error-title" className="text-xl font-semibold">Userdesk could not show this page</h1>
            <p className="mt-2 text-sm text-slate-600">Something went wrong. Try again; if it keeps failing, give your administrator the reference below.</p>
            <p className="mt-4 text-sm">
              Reference: <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">{error.digest ?? 'not available'}</code>
            </p>
            <button type="button" onClick={reset} className="mt-6 rounded-md bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white hover:bg-indigo-700">
              Try again
            </button>
          </section>
        </main>
      </body>
    </html>
  );
}
