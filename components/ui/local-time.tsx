'use client';

import { useSyncExternalStore } from 'react';
import { utcMinute } from '@/lib/utils';

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 31_536_000_000],
  ['month', 2_592_000_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

export function relativeTime(date: Date, now = Date.now()): string {
  const delta = date.getTime() - now;
  for (const [unit, ms] of UNITS) if (Math.abs(delta) >= ms) return relative.format(Math.round(delta / ms), unit);
  return 'just now';
}

const subscribe = () => () => {};

/**
 * A time in the viewer's own time zone with a relative hint ("3 days ago"); UTC until hydrated.
 * `compact`: the date on one line, the relative time and exact time in the title (for table cells).
 */
export function LocalTime({ value, fallback = 'Never', inline = false, compact = false }: { value: Date | string | null; fallback?: string; inline?: boolean; compact?: boolean }) {
  const hydrated = useSyncExternalStore(subscribe, () => true, () => false);
  if (!value) return <span className="text-slate-500">{fallback}</span>;
  const date = new Date(value);
  const text = hydrated
    ? date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
    : utcMinute(date);
  if (compact) {
    const short = hydrated
      ? date.toLocaleString(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit' })
      : text;
    return (
      <time dateTime={date.toISOString()} title={hydrated ? `${relativeTime(date)} · ${text}` : text} className="whitespace-nowrap tabular-nums">
        {short}
      </time>
    );
  }
  return (
    <time dateTime={date.toISOString()} title={date.toISOString()}>
      {text}
      {hydrated && (inline ? ` (${relativeTime(date)})` : <span className="block text-xs text-slate-500">{relativeTime(date)}</span>)}
    </time>
  );
}
