import type { Metadata } from 'next';
import Link from 'next/link';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { LocalTime } from '@/components/ui/local-time';
import { PageHeader } from '@/components/ui/page-header';
import { ListLink, PendingFocus } from '@/components/users/list-focus';
import { db } from '@/db';
import { principalOf } from '@/lib/auth/principal';
import { requireAdministrator } from '@/lib/auth/session';
import { linkParts } from '@/lib/mail/links';
import { listOutbox, outboxQueue, parseOutboxParams, type OutboxStatus, type QueueFigures } from '@/lib/mail/list';
import { portalOrigin } from '@/lib/mail/outbox';
import { MessageActions } from './message-actions';

export const metadata: Metadata = { title: 'Outbox', referrer: 'no-referrer' };

const STATUS = {
  pending: { tone: 'blue', label: 'Waiting' },
  sending: { tone: 'amber', label: 'Sending' },
  sent: { tone: 'green', label: 'Sent' },
  failed: { tone: 'red', label: 'Failed' },
  cancelled: { tone: 'slate', label: 'Cancelled' },
} as const;
const FILTERS: (OutboxStatus | undefined)[] = [undefined, 'pending', 'sending', 'failed', 'cancelled', 'sent'];

/** What an empty status filter means, so the manager knows whether to expect anything there. */
const emptyNote = (status: OutboxStatus | undefined, smtp: boolean) => {
  switch (status) {
    case undefined:
      return 'Invitations, reset links and notices appear here when they are sent.';
    case 'pending':
      return 'New invitations, reset links and notices wait here until they are sent.';
    case 'sending':
      return 'A message shows here only while it is being handed to the mail server.';
    case 'failed':
      return 'A message the mail server refused shows here with the reason, and can be sent again.';
    case 'cancelled':
      return 'A message stopped with Cancel sending shows here, and can be sent again.';
    case 'sent':
      return smtp ? 'A message shows here once the mail server has accepted it.' : 'Nothing is sent while mail is not configured on the server: messages stay under Waiting.';
  }
};

/** Message text with the portal's own links made clickable (React escapes the rest). */
function MessageText({ text, links, origin }: { text: string; links: string[]; origin: string }) {
  return linkParts(text, links, origin).map((part, i) =>
    part.href ? (
      <a key={i} href={part.href} className="font-medium break-all text-indigo-700 underline">{part.text}</a>
    ) : (
      <span key={i}>{part.text}</span>
    ),
  );
}

const duration = (seconds: number) => {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
};
// Where Newest and Older messages put focus once the new page shows: Newest is gone from the first
// page, and Older messages stays at the bottom of a page that has scrolled back to its top.
const RESULTS = '#outbox-results';

/** What the list shows, said where focus lands (and announced when a status filter changes it). */
function resultsLine(count: number, status: OutboxStatus | undefined, { first, last }: { first: boolean; last: boolean }) {
  const noun = `${status ? `${STATUS[status].label.toLowerCase()} ` : ''}${count === 1 ? 'message' : 'messages'}`;
  const number = count.toLocaleString('en-US');
  if (first && last) return `${number} ${noun}`;
  return first ? `The newest ${number} ${noun}` : last ? `The oldest ${number} ${noun}` : `${number} older ${noun}`;
}

const rate = (perSecond: number) => `${perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1)}/s`;

function QueueSummary({ queue }: { queue: QueueFigures }) {
  const figures = [
    { label: 'Waiting', value: queue.counts.pending.toLocaleString('en-US') },
    { label: 'Sending', value: queue.counts.sending.toLocaleString('en-US') },
    { label: 'Failed', value: queue.counts.failed.toLocaleString('en-US') },
    { label: 'Cancelled', value: queue.counts.cancelled.toLocaleString('en-US') },
    { label: 'Sent, last 24 hours', value: queue.counts.sentLastDay.toLocaleString('en-US') },
    { label: 'Oldest due, waiting', value: queue.oldestDueSeconds === null ? 'Nothing due' : duration(queue.oldestDueSeconds) },
    { label: 'Send rate, last minute', value: rate(queue.ratePerSecond.lastMinute), detail: `${rate(queue.ratePerSecond.last15Minutes)} over 15 min` },
  ] as { label: string; value: string; detail?: string }[];
  return (
    <section aria-labelledby="queue-heading" className="mb-6">
      <h2 id="queue-heading" className="sr-only">Queue</h2>
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-7">
        {figures.map((f) => (
          <div key={f.label} className="rounded-lg bg-white px-4 py-3 shadow-sm ring-1 ring-slate-200">
            <dt className="text-xs font-medium text-slate-600">{f.label}</dt>
            <dd className="mt-1 text-lg font-semibold text-slate-900 tabular-nums">
              {f.value}
              {f.detail && <span className="block text-xs font-normal text-slate-600">{f.detail}</span>}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

export default async function OutboxPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const principal = principalOf(await requireAdministrator());
  const { params, problem } = parseOutboxParams(await searchParams);
  const [{ messages, next, paged }, queue] = await Promise.all([listOutbox(db, principal, params), outboxQueue(db, principal)]);
  const smtp = Boolean(process.env.SMTP_URL);
  const origin = portalOrigin();
  const filterHref = (status?: OutboxStatus) => (status ? `/outbox?status=${status}` : '/outbox');
  return (
    <>
      <PageHeader
        title="Outbox"
        description={smtp ? 'Every email Userdesk sends, newest first, with its delivery status.' : 'Mail is not configured on the server (ask your operator to set up SMTP), so emails wait here. Open a link to act on it, or pass it on by hand.'}
      />
      {problem && <Alert tone="info" className="mb-4">{problem}</Alert>}
      <QueueSummary queue={queue} />
      <nav aria-label="Filter by status" className="mb-4 flex flex-wrap gap-2">
        {FILTERS.map((status) => {
          const current = params.status === status;
          return (
            <Link
              key={status ?? 'all'}
              href={filterHref(status)}
              aria-current={current ? 'page' : undefined}
              className={`rounded-full px-3 py-1 text-sm font-medium ring-1 ${current ? 'bg-indigo-600 text-white ring-indigo-600' : 'bg-white text-slate-700 ring-slate-300 hover:bg-slate-50'}`}
            >
              {status ? STATUS[status].label : 'All'}
            </Link>
          );
        })}
      </nav>
      <PendingFocus key={`${params.status}_${params.before}`} />
      <div id="outbox-results" tabIndex={-1} aria-live="polite" data-focus-fallback className="mb-2 rounded-sm focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
        {messages.length > 0 ? (
          <p className="text-sm text-slate-600">{resultsLine(messages.length, params.status, { first: !paged, last: !next })}</p>
        ) : (
          <div className="rounded-lg bg-white px-6 py-12 text-center shadow-sm ring-1 ring-slate-200">
            <p className="text-base font-medium">{params.status ? `No ${STATUS[params.status].label.toLowerCase()} messages` : 'No messages yet'}</p>
            <p className="mt-1 text-sm text-slate-600">{emptyNote(params.status, smtp)}</p>
            {params.status && (
              <Link href="/outbox" className="mt-3 inline-block text-sm font-medium text-indigo-700 hover:underline">
                Show all messages
              </Link>
            )}
          </div>
        )}
      </div>
      {messages.length > 0 && (
        <ol className="space-y-3">
          {messages.map((m) => (
            <li key={m.id}>
              <article aria-label={`${m.subject} to ${m.toAddress}`} className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
                <header className="flex flex-wrap items-start justify-between gap-2">
                  <div className="min-w-0">
                    <h2 className="font-medium break-words">{m.subject}</h2>
                    <p className="text-sm break-all text-slate-600">To {m.toAddress}</p>
                  </div>
                  <div className="flex items-center gap-3 text-right text-sm text-slate-600">
                    <Badge tone={STATUS[m.status].tone}>{STATUS[m.status].label}</Badge>
                    <LocalTime value={m.createdAt} />
                  </div>
                </header>
                <details className="mt-3">
                  <summary className="cursor-pointer text-sm font-medium text-slate-700">Show message</summary>
                  <p className="mt-2 text-sm whitespace-pre-wrap text-slate-800"><MessageText text={m.text} links={m.links} origin={origin} /></p>
                </details>
                {m.lastError && (m.status === 'failed' || m.status === 'pending') && (
                  <p className="mt-2 text-sm break-words text-red-700">Last error ({m.attempts} {m.attempts === 1 ? 'attempt' : 'attempts'}): {m.lastError}</p>
                )}
                {(m.status === 'pending' || m.status === 'failed' || m.status === 'cancelled') && (
                  <MessageActions id={m.id} status={m.status} label={`${m.subject} to ${m.toAddress}`} leavesList={Boolean(params.status)} />
                )}
              </article>
            </li>
          ))}
        </ol>
      )}
      <nav aria-label="Pagination" className="mt-4 flex gap-3">
        {paged && <ListLink href={filterHref(params.status)} focusTarget={RESULTS} className="text-sm font-medium text-indigo-700 hover:underline">Newest</ListLink>}
        {next && (
          <ListLink href={`/outbox?${new URLSearchParams({ ...(params.status ? { status: params.status } : {}), before: next })}`} focusTarget={RESULTS} className="text-sm font-medium text-indigo-700 hover:underline">
            Older messages
          </ListLink>
        )}
      </nav>
    </>
  );
}
