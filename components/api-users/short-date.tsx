'use client';

import { useSyncExternalStore } from 'react';
import { relativeTime } from '@/components/ui/local-time';

const subscribe = () => () => {};

/** A date on one line in the viewer's time zone, with the exact time and the relative one in the tooltip. */
export function ShortDate({ value, fallback = 'Never' }: { value: Date | string | null; fallback?: string }) {
  const hydrated = useSyncExternalStore(subscribe, () => true, () => false);
  if (!value) return <span className="text-slate-500">{fallback}</span>;
  const date = new Date(value);
  const text = hydrated ? date.toLocaleDateString(undefined, { dateStyle: 'medium' }) : date.toISOString().slice(0, 10);
  const title = hydrated ? `${date.toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' })} (${relativeTime(date)})` : date.toISOString();
  return (
    <time dateTime={date.toISOString()} title={title} className="whitespace-nowrap">
      {text}
    </time>
  );
}
