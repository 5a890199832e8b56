'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { FormStatus } from '@/components/ui/form-status';
import { SubmitButton } from '@/components/ui/submit-button';
import { useActionForm } from '@/components/ui/use-action-form';
import type { ActionState } from '@/lib/action-state';
import { IMPORT_OUTCOME_ID } from './import-status';

type Progress = { status: string; rowsDone: number; rowsToDo: number; startedAt: string | null; now: string; cancelRequested: boolean };

const duration = (seconds: number) =>
  seconds < 60 ? `${Math.max(1, Math.round(seconds))} s` : seconds < 3600 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;

// Set when "Import N users" is pressed: the button goes with its form, and the bar that replaces it
// takes focus (a bar shown on arriving at the page leaves focus where the page put it).
let focusWhenShown = false;
export const focusProgressWhenShown = () => {
  focusWhenShown = true;
};

/** The running import's bar: read from the job row every second, so it survives a reload or another tab. */
export function ImportProgress({ jobId, initial, cancel }: { jobId: string; initial: Progress; cancel: (state: ActionState, data: FormData) => Promise<ActionState> }) {
  const router = useRouter();
  const [progress, setProgress] = useState(initial);
  const { state, pending, formProps } = useActionForm(cancel);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!focusWhenShown) return;
    focusWhenShown = false;
    box.current?.focus();
  }, []);

  useEffect(() => {
    let stopped = false;
    const timer = setInterval(async () => {
      const response = await fetch(`/api/import/${jobId}`, { cache: 'no-store' }).catch(() => null);
      if (!response?.ok || stopped) return;
      const next = (await response.json()) as Progress;
      setProgress(next);
      if (!['queued', 'running'].includes(next.status)) {
        stopped = true;
        clearInterval(timer);
        // The bar and its Cancel button are about to give way to the outcome: focus, if it was here,
        // moves to the region that stays, where the outcome appears (and is announced).
        const active = document.activeElement;
        if (!active || active === document.body || box.current?.contains(active)) document.getElementById(IMPORT_OUTCOME_ID)?.focus();
        router.refresh();
      }
    }, 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [jobId, router]);

  const { rowsDone, rowsToDo } = progress;
  const percent = rowsToDo > 0 ? Math.min(100, Math.floor((rowsDone / rowsToDo) * 100)) : 0;
  const elapsed = progress.startedAt ? (new Date(progress.now).getTime() - new Date(progress.startedAt).getTime()) / 1000 : 0;
  const announcedStep = Math.floor(percent / 10) * 10;
  const left = rowsDone > 0 && elapsed > 0 ? ((rowsToDo - rowsDone) * elapsed) / rowsDone : null;
  const label = progress.status === 'queued' ? 'Waiting to start…' : progress.cancelRequested ? 'Cancelling after the current batch…' : 'Importing…';

  return (
    <div ref={box} tabIndex={-1} aria-labelledby="progress-label" role="group" className="space-y-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
      <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
        <p className="font-medium text-slate-900" id="progress-label">
          {label}
        </p>
        <p className="text-slate-600 tabular-nums">
          {rowsDone.toLocaleString('en')} of {rowsToDo.toLocaleString('en')} rows
          {left !== null && rowsDone < rowsToDo ? ` · about ${duration(left)} left` : ''}
        </p>
      </div>
      {/* Read out at each tenth only: the count and the time left above change every second, which a
          live region would repeat for as long as the import runs. */}
      <p className="sr-only" aria-live="polite">
        {announcedStep > 0 ? `${announcedStep}% imported` : ''}
      </p>
      <div
        role="progressbar"
        aria-labelledby="progress-label"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${percent}%, ${rowsDone.toLocaleString('en')} of ${rowsToDo.toLocaleString('en')} rows`}
        className="h-2.5 overflow-hidden rounded-full bg-slate-100"
      >
        <div className="h-full rounded-full bg-indigo-600 transition-[width] duration-500" style={{ width: `${percent}%` }} />
      </div>
      <p className="text-xs text-slate-600">You can leave this page: the import carries on, and this page shows where it is when you come back.</p>
      <form {...formProps}>
        <input type="hidden" name="jobId" value={jobId} />
        <FormStatus state={state} />
        <SubmitButton variant="secondary" size="sm" pending={pending} pendingText="Cancelling…" disabled={progress.cancelRequested}>
          Cancel import
        </SubmitButton>
      </form>
    </div>
  );
}
