import { SearchX, ShieldAlert } from 'lucide-react';
import Link from 'next/link';

const PAGES = {
  403: { icon: ShieldAlert, title: 'You do not have access to this page', body: 'Your role does not include this area. Ask an Administrator if you need it.' },
  404: { icon: SearchX, title: 'Page not found', body: 'The page or record does not exist, or it is not in your environments.' },
} as const;

/** The body of the 403 and 404 pages: a section, so inside the portal it sits in the shell's <main>. */
export function StatusPage({ code }: { code: keyof typeof PAGES }) {
  const { icon: Icon, title, body } = PAGES[code];
  return (
    <section aria-labelledby={`status-${code}-title`} className="mx-auto max-w-md py-16 text-center">
      <Icon aria-hidden className="mx-auto size-8 text-slate-400" />
      <p className="mt-3 text-sm font-medium text-slate-500">Error {code}</p>
      <h1 id={`status-${code}-title`} tabIndex={-1} className="mt-1 rounded-sm text-xl font-semibold text-slate-900 focus:outline-none focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">{title}</h1>
      <p className="mt-2 text-sm text-slate-600">{body}</p>
      <Link href="/" className="mt-6 inline-block text-sm font-medium text-indigo-700 hover:underline">Go to your start page</Link>
    </section>
  );
}
