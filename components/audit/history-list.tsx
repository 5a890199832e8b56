'use client';

import { useSyncExternalStore } from 'react';
import { LocalTime } from '@/components/ui/local-time';
import { groupByDay, type DescribedEvent } from '@/lib/audit/describe';

const subscribe = () => () => {};

/**
 * Audit events as sentences grouped by day, in the viewer's time zone (UTC until hydrated).
 * For the profile history now and the audit log screen later.
 */
export function HistoryList({ events }: { events: DescribedEvent[] }) {
  const timeZone = useSyncExternalStore(subscribe, () => Intl.DateTimeFormat().resolvedOptions().timeZone, () => 'UTC');
  const groups = groupByDay(events.map((e) => ({ ...e, at: new Date(e.at) })), timeZone);
  return (
    <div className="space-y-5">
      {groups.map((group) => (
        <section key={group.day} aria-label={group.day}>
          <h3 className="mb-2 text-xs font-medium text-slate-500">{group.day}</h3>
          <ol className="space-y-3 border-l border-slate-200 pl-4">
            {group.events.map((e) => (
              <li key={e.id} className="relative text-sm">
                <span aria-hidden className="absolute top-1.5 -left-[21px] size-2.5 rounded-full bg-white ring-2 ring-slate-300" />
                <p className="text-slate-800 [overflow-wrap:anywhere]">{e.sentence}</p>
                {e.changes.length > 1 && (
                  <ul className="mt-1 space-y-0.5 text-xs text-slate-600">
                    {e.changes.map((c) => (
                      <li key={c.field} className="[overflow-wrap:anywhere]">
                        {c.field}: {c.before} → {c.after}
                      </li>
                    ))}
                  </ul>
                )}
                <p className="mt-0.5 text-xs text-slate-500"><LocalTime value={e.at} compact /></p>
              </li>
            ))}
          </ol>
        </section>
      ))}
    </div>
  );
}
