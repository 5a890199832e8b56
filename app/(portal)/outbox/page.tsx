import type { Metadata } from 'next';
import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { LocalTime } from '@/components/ui/local-time';
import { PageHeader } from '@/components/ui/page-header';
import { db } from '@/db';
import { requirePermission } from '@/lib/auth/session';
import { listOutbox } from '@/lib/mail/list';

export const metadata: Metadata = { title: 'Outbox', referrer: 'no-referrer' };

const STATUS = { pending: { tone: 'blue', label: 'Waiting' }, sending: { tone: 'amber', label: 'Sending' }, sent: { tone: 'green', label: 'Sent' }, failed: { tone: 'red', label: 'Failed' }, cancelled: { tone: 'slate', label: 'Cancelled' } } as const;

/** Message text with its links made clickable (React escapes the rest). */
function Linkified({ text }: { text: string }) {
  return text.split(/(https?:\/\/\S+)/g).map((part, i) =>
    /^https?:\/\//.test(part) ? (
      <a key={i} href={part} className="break-all font-medium text-indigo-700 underline">{part}</a>
    ) : (
      <span key={i}>{part}</span>
    ),
  );
}

export default async function OutboxPage({ searchParams }: { searchParams: Promise<{ before?: string }> }) {
  await requirePermission('settings.manage');
  const { before } = await searchParams;
  const { messages, next, paged } = await listOutbox(db, before);
  const smtp = Boolean(process.env.SMTP_URL);
  return (
    <>
      <PageHeader
        title="Outbox"
        description={smtp ? 'Every email Userdesk sends, newest first, with its delivery status.' : 'No mail server is configured (SMTP_URL), so emails wait here. Open a link to act on it, or pass it on by hand.'}
      />
      {messages.length === 0 ? (
        <div className="rounded-lg bg-white px-6 py-12 text-center shadow-sm ring-1 ring-slate-200">
          <p className="text-base font-medium">No messages yet</p>
          <p className="mt-1 text-sm text-slate-600">Invitations, reset links and notices appear here when they are sent.</p>
        </div>
      ) : (
        <ol className="space-y-3">
          {messages.map((m) => (
            <li key={m.id}>
              <article aria-label={`${m.subject} to ${m.toAddress}`} className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
                <header className="flex flex-wrap items-start justify-between gap-2">
                  <div>
                    <h2 className="font-medium">{m.subject}</h2>
                    <p className="text-sm text-slate-600">To {m.toAddress}</p>
                  </div>
                  <div className="flex items-center gap-3 text-right text-sm text-slate-600">
                    <Badge tone={STATUS[m.status].tone}>{STATUS[m.status].label}</Badge>
                    <LocalTime value={m.createdAt} />
                  </div>
                </header>
                <details className="mt-3">
                  <summary className="cursor-pointer text-sm font-medium text-slate-700">Show message</summary>
                  <p className="mt-2 text-sm whitespace-pre-wrap text-slate-800"><Linkified text={m.text} /></p>
                </details>
                {m.lastError && <p className="mt-2 text-sm text-red-700">Last error ({m.attempts} attempts): {m.lastError}</p>}
              </article>
            </li>
          ))}
        </ol>
      )}
      <nav aria-label="Pagination" className="mt-4 flex gap-3">
        {paged && <Link href="/outbox" className="text-sm font-medium text-indigo-700 hover:underline">Newest</Link>}
        {next && (
          <Link href={`/outbox?before=${encodeURIComponent(next)}`} className="text-sm font-medium text-indigo-700 hover:underline">
            Older messages
          </Link>
        )}
      </nav>
    </>
  );
}
