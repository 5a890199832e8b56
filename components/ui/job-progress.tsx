/** Seconds as "40 s", "3 min" or "1.5 h". */
const duration = (seconds: number) =>
  seconds < 60 ? `${Math.max(1, Math.round(seconds))} s` : seconds < 3600 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;

/**
 * How far a background job (an import, a bulk action) has got: what it is doing, "N of M <unit>" with
 * the time left (reckoned on the database's clock, `now`, not the browser's), and a progress bar. A
 * live region says each tenth only: the figures change every second, and it would repeat them for as
 * long as the job runs.
 */
export function JobProgress({
  labelId,
  label,
  done,
  total,
  unit,
  note = '',
  startedAt,
  now,
  announce,
}: {
  labelId: string;
  label: string;
  done: number;
  total: number;
  unit: string;
  /** Said after the figures: " (3 skipped)". */
  note?: string;
  startedAt: string | null;
  now: string;
  /** What each tenth is: "imported" reads "30% imported". */
  announce: string;
}) {
  const percent = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
  const elapsed = startedAt ? (new Date(now).getTime() - new Date(startedAt).getTime()) / 1000 : 0;
  const left = done > 0 && elapsed > 0 && done < total ? ((total - done) * elapsed) / done : null;
  const tenth = Math.floor(percent / 10) * 10;
  const figures = `${done.toLocaleString('en')} of ${total.toLocaleString('en')} ${unit}`;
  return (
    <>
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1 text-sm">
        <p className="font-medium text-slate-900" id={labelId}>
          {label}
        </p>
        <p className="text-slate-600 tabular-nums">
          {figures}
          {note}
          {left !== null ? ` · about ${duration(left)} left` : ''}
        </p>
      </div>
      <p className="sr-only" aria-live="polite">
        {tenth > 0 ? `${tenth}% ${announce}` : ''}
      </p>
      <div
        role="progressbar"
        aria-labelledby={labelId}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${percent}%, ${figures}`}
        className="h-2.5 overflow-hidden rounded-full bg-slate-100"
      >
        <div className="h-full rounded-full bg-indigo-600 transition-[width] duration-500" style={{ width: `${percent}%` }} />
      </div>
    </>
  );
}
