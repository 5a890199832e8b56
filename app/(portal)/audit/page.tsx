import type { Metadata } from 'next';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { inputClass } from '@/components/ui/field';
import { LocalTime } from '@/components/ui/local-time';
import { PageHeader } from '@/components/ui/page-header';
import { ListLink, PendingFocus } from '@/components/users/list-focus';
import { db } from '@/db';
import { getRetentionDays, lastVerification } from '@/lib/audit/chain';
import { actionLabel, describeAuditEvent, groupByDay } from '@/lib/audit/describe';
import { auditNames } from '@/lib/audit/names';
import { listActionKinds, readAuditParams, searchAudit, type AuditParams } from '@/lib/audit/search';
import { isAdministrator } from '@/lib/auth/permissions';
import { principalOf } from '@/lib/auth/principal';
import { getVisibleEnvironments, requirePermission } from '@/lib/auth/session';
import { RetentionForm } from './retention-form';

export const metadata: Metadata = { title: 'Audit log' };

const FILTERS = ['actor', 'target', 'action', 'env', 'from', 'to'] as const;

// Where a link that changes the list (a chip, Clear, Events by, a page link) puts focus once the new list
// shows: that link is often gone (a removed chip, Newest events on the first page) or at the bottom of a
// page that has scrolled back to its top.
const RESULTS = '#audit-results';

/** What the list shows, said where focus lands: the page's place in the whole when there is more than one. */
function resultsLine(count: number, { first, last, filtered }: { first: boolean; last: boolean; filtered: boolean }) {
  const number = count.toLocaleString('en');
  const noun = count === 1 ? 'event' : 'events';
  if (first && last) return filtered ? `${number} ${noun} ${count === 1 ? 'matches' : 'match'} the filters` : `${number} ${noun}`;
  const which = first ? `The newest ${number} ${noun}` : last ? `The oldest ${number} ${noun}` : `${number} older ${noun}`;
  return filtered ? `${which} that match the filters` : which;
}

function auditHref(params: AuditParams, change: Partial<AuditParams>, path = '/audit') {
  const merged: Record<string, string | undefined> = { ...params, after: undefined, ...change };
  const query = new URLSearchParams(Object.entries(merged).filter((e): e is [string, string] => !!e[1])).toString();
  return query ? `${path}?${query}` : path;
}


export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePermission('audit.read');
  const raw = await searchParams;
  const params = readAuditParams(raw);
  const principal = principalOf(user);
  const [{ events, next, unresolved }, kinds, environments, verification, retention] = await Promise.all([
    searchAudit(db, principal, params),
    listActionKinds(db),
    getVisibleEnvironments(user),
    lastVerification(db),
    getRetentionDays(db),
  ]);
  const names = await auditNames(db, events, principal);
  const described = events.map((e) => ({ ...describeAuditEvent(e, names), event: e }));
  const active = FILTERS.filter((f) => params[f]);
  // Dates are YYYY-MM-DD, so they compare as text. Such a range matches nothing: say why.
  const backwards = Boolean(params.from && params.to && params.from > params.to);
  const envName = (id: string) => environments.find((e) => e.id === id)?.name ?? 'another environment';
  const chipText: Record<(typeof FILTERS)[number], (v: string) => string> = {
    actor: (v) => `Actor: ${names.get(v) ?? v}`,
    target: (v) => `Target: ${names.get(v) ?? v}`,
    action: (v) => `Action: ${actionLabel(v)}`,
    env: (v) => `Environment: ${envName(v)}`,
    from: (v) => `From ${v}`,
    to: (v) => `To ${v}`,
  };

  return (
    <>
      <PageHeader
        title="Audit log"
        description={user.allEnvironments ? 'Who did what, and when: every change and sign-in, newest first.' : 'Who did what, and when, to the users of your environments.'}
        actions={
          <Button asChild variant="secondary">
            <a href={auditHref(params, {}, '/audit/export')} download>Export CSV</a>
          </Button>
        }
      />

      {verification ? (
        <Alert tone={verification.ok ? 'info' : 'error'} className="mb-4">
          Chain last verified <LocalTime value={verification.at} inline />:{' '}
          {verification.ok ? `intact, ${verification.eventsChecked.toLocaleString('en')} events checked.` : `NOT intact. ${verification.problem}`}
        </Alert>
      ) : (
        <Alert tone="info" className="mb-4">
          The chain of audit events is not verified yet: your operator can verify it with the audit:verify command (see the README), for example nightly.
        </Alert>
      )}

      <form method="get" action="/audit" className="mb-4 grid gap-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:grid-cols-2 lg:grid-cols-4">
        <div className="space-y-1">
          <label htmlFor="audit-actor" className="block text-sm font-medium text-slate-800">Actor</label>
          <input id="audit-actor" name="actor" type="search" defaultValue={params.actor} placeholder="Email address or id" className={inputClass} />
        </div>
        <div className="space-y-1">
          <label htmlFor="audit-target" className="block text-sm font-medium text-slate-800">Target</label>
          <input id="audit-target" name="target" type="search" defaultValue={params.target} placeholder="Email, role, environment" className={inputClass} />
        </div>
        <div className="space-y-1">
          <label htmlFor="audit-action" className="block text-sm font-medium text-slate-800">Action</label>
          <select id="audit-action" name="action" defaultValue={params.action ?? ''} className={inputClass}>
            <option value="">Any action</option>
            {kinds.map((k) => (
              <option key={k} value={k}>{actionLabel(k)}</option>
            ))}
          </select>
        </div>
        <div className="space-y-1">
          <label htmlFor="audit-env" className="block text-sm font-medium text-slate-800">Environment</label>
          <select id="audit-env" name="env" defaultValue={params.env ?? ''} className={inputClass}>
            <option value="">Any environment</option>
            {environments.map((e) => (
              <option key={e.id} value={e.id}>{e.name}</option>
            ))}
          </select>
        </div>
        <div className="space-y-1">
          <label htmlFor="audit-from" className="block text-sm font-medium text-slate-800">From (UTC date)</label>
          <input id="audit-from" name="from" type="date" defaultValue={params.from} className={inputClass} aria-invalid={backwards || undefined} aria-describedby={backwards ? 'audit-range-error' : undefined} />
        </div>
        <div className="space-y-1">
          <label htmlFor="audit-to" className="block text-sm font-medium text-slate-800">To (UTC date)</label>
          <input id="audit-to" name="to" type="date" defaultValue={params.to} className={inputClass} />
        </div>
        <div className="flex items-end gap-2">
          <Button type="submit">Apply filters</Button>
          {active.length > 0 && (
            <Button asChild variant="ghost">
              <ListLink href="/audit" focusTarget={RESULTS}>Clear</ListLink>
            </Button>
          )}
        </div>
      </form>

      {active.length > 0 && (
        <ul aria-label="Active filters" className="mb-4 flex flex-wrap gap-2">
          {active.map((f) => (
            <li key={f}>
              <ListLink href={auditHref(params, { [f]: undefined })} focusTarget={RESULTS} className="inline-flex items-center gap-1 rounded-full bg-indigo-50 px-3 py-1 text-xs font-medium text-indigo-800 ring-1 ring-indigo-200 hover:bg-indigo-100">
                {chipText[f](params[f]!)} <span aria-hidden>×</span>
                <span className="sr-only">(remove this filter)</span>
              </ListLink>
            </li>
          ))}
        </ul>
      )}

      <PendingFocus key={JSON.stringify(params)} />
      <section aria-label="Events">
        {/* The live region and focus target: what the list shows, or why it shows nothing. Not the whole
            section, which would read out every event of a new page. */}
        <div id="audit-results" tabIndex={-1} aria-live="polite" className="mb-2 rounded-sm focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
          {backwards ? (
            // The region above announces it: no role of its own.
            <Alert tone="error" announce={false}>
              <span id="audit-range-error">From ({params.from}) is after To ({params.to}), so no event can match. Choose a From date on or before the To date.</span>
            </Alert>
          ) : unresolved ? (
            // Say what each box takes (lib/audit/search resolveIds): an actor is a person's email or id; a target also a role or environment name.
            <Alert tone="info" announce={false}>
              {params.actor && params.target
                ? 'No one matches that actor or target. Actor: an email address or an id. Target: an email address, a role or environment name, or an id.'
                : params.actor
                  ? `No user matches the actor “${params.actor}”. Use their full email address or their id.`
                  : `No user, role or environment matches the target “${params.target}”. Use a full email address, a role or environment name, or an id.`}
            </Alert>
          ) : described.length === 0 ? (
            <Alert tone="info" announce={false}>No events match these filters. Widen the dates or remove a filter.</Alert>
          ) : (
            <p className="text-sm text-slate-600">{resultsLine(described.length, { first: !params.after, last: !next, filtered: active.length > 0 })}</p>
          )}
        </div>
        {groupByDay(described).map((group) => (
          <div key={group.day} className="mb-6">
            <h2 className="mb-2 text-sm font-semibold text-slate-700">{group.day} (UTC)</h2>
            <ol className="divide-y divide-slate-100 rounded-lg bg-white shadow-sm ring-1 ring-slate-200">
              {group.events.map((d) => (
                <li key={d.id} className="px-4 py-3 text-sm">
                  <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
                    <p className="min-w-0 text-slate-900 [overflow-wrap:anywhere]">{d.sentence}</p>
                    <span className="shrink-0 text-xs text-slate-600">
                      <LocalTime value={d.at} inline />
                    </span>
                  </div>
                  {d.changes.length > 0 && (
                    <table className="mt-2 w-full max-w-2xl table-fixed text-xs">
                      <caption className="sr-only">Changed fields</caption>
                      <thead className="text-left text-slate-600">
                        <tr>
                          <th scope="col" className="w-1/4 py-1 pr-2 font-medium">Field</th>
                          <th scope="col" className="py-1 pr-2 font-medium">Before</th>
                          <th scope="col" className="py-1 font-medium">After</th>
                        </tr>
                      </thead>
                      {/* A phone cannot show a title tooltip: there values wrap, and only wider screens truncate. */}
                      <tbody>
                        {d.changes.map((c) => (
                          <tr key={c.field} className="align-top">
                            <th scope="row" className="py-0.5 pr-2 text-left font-normal text-slate-700">{c.field}</th>
                            <td className="py-0.5 pr-2 text-slate-600 [overflow-wrap:anywhere] sm:truncate" title={c.before}>{c.before}</td>
                            <td className="py-0.5 text-slate-900 [overflow-wrap:anywhere] sm:truncate" title={c.after}>{c.after}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                  {d.event.actorId && params.actor !== d.event.actorId && (
                    <ListLink href={auditHref(params, { actor: d.event.actorId })} focusTarget={RESULTS} className="mt-1 inline-block text-xs text-indigo-700 hover:underline">
                      Events by {names.get(d.event.actorId) ?? d.event.actorLabel}
                    </ListLink>
                  )}
                </li>
              ))}
            </ol>
          </div>
        ))}
      </section>

      <nav aria-label="Pages" className="mt-4 flex gap-2">
        {params.after && (
          <Button asChild variant="secondary">
            <ListLink href={auditHref(params, {})} focusTarget={RESULTS}>Newest events</ListLink>
          </Button>
        )}
        {next && (
          <Button asChild variant="secondary">
            <ListLink href={auditHref(params, { after: next })} focusTarget={RESULTS}>Older events</ListLink>
          </Button>
        )}
      </nav>

      {isAdministrator(user) && <RetentionForm days={retention} />}
    </>
  );
}
