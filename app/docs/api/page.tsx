import type { Metadata } from 'next';
import Link from 'next/link';
import { PROBLEM_DOCS } from '@/lib/api-users/http';
import { curlExample, ROUTES } from '@/lib/api-users/openapi';

export const metadata: Metadata = { title: 'REST API reference' };

/** The OpenAPI descriptions' `code` spans (CommonMark, as OpenAPI allows) as <code>; the rest as text. */
function Described({ text }: { text: string }) {
  return text.split(/(`[^`]+`)/).map((part, i) =>
    part.length > 2 && part.startsWith('`') && part.endsWith('`') ? (
      <code key={i} className="rounded bg-slate-100 px-1 py-0.5 text-[0.9em]">{part.slice(1, -1)}</code>
    ) : (
      part
    ),
  );
}

const anchor = (method: string, path: string) => `${method}-${path}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/-$/, '');

const PROBLEMS = Object.entries(PROBLEM_DOCS).map(([code, [status, text]]) => [code, status, text] as const);

/** The REST API reference: readable by anyone (it holds no secret), built from the same ROUTES as openapi.json. */
export default function ApiReferencePage() {
  return (
    <main className="mx-auto max-w-4xl px-4 py-10 sm:px-6">
      <p className="text-sm font-semibold text-indigo-700">
        <Link href="/users" className="hover:underline">Userdesk</Link>
      </p>
      <h1 className="mt-1 text-3xl font-semibold tracking-tight">REST API reference</h1>
      <p className="mt-3 text-slate-700">
        Manage users from an integration with the key of an API user (Users → API Users). The machine-readable description is{' '}
        <a className="font-medium text-indigo-700 underline" href="/api/v1/openapi.json">
          /api/v1/openapi.json
        </a>{' '}
        (OpenAPI 3.1).
      </p>

      <nav aria-label="Routes" className="mt-6 rounded-lg bg-white p-4 ring-1 ring-slate-200">
        <h2 className="text-sm font-semibold">Routes</h2>
        <ul className="mt-2 grid gap-1 text-sm sm:grid-cols-2">
          {ROUTES.map((r) => (
            <li key={anchor(r.method, r.path)}>
              <a className="text-indigo-700 underline" href={`#${anchor(r.method, r.path)}`}>
                <span className="font-mono text-xs font-semibold">{r.method}</span> <span className="font-mono text-xs">{r.path}</span>
              </a>{' '}
              <span className="text-slate-600">{r.summary}</span>
            </li>
          ))}
        </ul>
      </nav>

      <section aria-labelledby="auth" className="mt-10 space-y-3 text-slate-700">
        <h2 id="auth" className="text-xl font-semibold text-slate-900">Authentication, scopes and limits</h2>
        <p>
          Send the key as <code className="font-mono text-sm">Authorization: Bearer udk_…</code>, or exchange it at{' '}
          <code className="font-mono text-sm">POST /api/v1/auth/token</code> for a short-lived token (<code className="font-mono text-sm">udt_…</code>). Keys are shown once, when the API user is
          created; they never open a portal session.
        </p>
        <ul className="list-disc space-y-1 pl-6">
          <li>
            <strong>Organization</strong> keys act as an Administrator in every environment.
          </li>
          <li>
            <strong>Environment</strong> keys act as an Account Manager (read, change, unlock, reset and ban users) in the chosen environments only.
          </li>
          <li>
            <strong>Specific User</strong> keys act exactly as that user, with their role and environments at the time of each call, and stop working while that user is not active. They never set that user’s own password or email address (their sign-in).
          </li>
        </ul>
        <p>
          Whatever its scope, a key never does more than the person who created it may at the time of the call: it stops working (403) while that person is banned or inactive, and keeps
          only the permissions and environments they still hold if their role or environments shrink.
        </p>
        <p>A user outside the key’s environments is answered 404; an action the key may not take is answered 403. Every change is audited with the API user as the actor.</p>
        <p>
          Each API user may make 600 requests a minute unless configured otherwise; beyond that the API answers 429 with <code className="font-mono text-sm">Retry-After</code>.
        </p>
      </section>

      <section aria-labelledby="errors" className="mt-10">
        <h2 id="errors" className="text-xl font-semibold">Errors</h2>
        <p className="mt-2 text-slate-700">
          Errors are <code className="font-mono text-sm">application/problem+json</code>: <code className="font-mono text-sm">title</code>, <code className="font-mono text-sm">status</code>,{' '}
          <code className="font-mono text-sm">detail</code> and, for invalid input, <code className="font-mono text-sm">errors</code> keyed by field.
        </p>
        <dl className="mt-3 divide-y divide-slate-200 rounded-lg bg-white text-sm ring-1 ring-slate-200">
          {PROBLEMS.map(([code, status, text]) => (
            <div key={code} id={`problem-${code}`} className="grid gap-1 px-4 py-2 sm:grid-cols-[12rem_1fr] sm:gap-3">
              <dt className="font-mono text-xs font-semibold">
                {status} {code}
              </dt>
              <dd className="text-slate-700">{text}</dd>
            </div>
          ))}
        </dl>
      </section>

      {ROUTES.map((r) => (
        <section key={anchor(r.method, r.path)} id={anchor(r.method, r.path)} aria-labelledby={`${anchor(r.method, r.path)}-title`} className="mt-10">
          <h2 id={`${anchor(r.method, r.path)}-title`} className="text-lg font-semibold">
            <span className="mr-2 rounded bg-slate-900 px-1.5 py-0.5 font-mono text-xs text-white">{r.method}</span>
            <span className="font-mono text-base">/api/v1{r.path}</span>
          </h2>
          <p className="mt-1 font-medium">{r.summary}</p>
          <p className="mt-1 text-slate-700"><Described text={r.description} /></p>
          <p className="mt-1 text-sm text-slate-600">{r.permission ? `Permission: ${r.permission}.` : 'No key needed in the header: the key is in the body.'}</p>
          <pre tabIndex={0} aria-label={`curl example for ${r.method} ${r.path}`} className="mt-3 overflow-x-auto rounded-lg bg-slate-900 p-4 text-xs text-slate-100">
            <code>{curlExample(r)}</code>
          </pre>
        </section>
      ))}
    </main>
  );
}
