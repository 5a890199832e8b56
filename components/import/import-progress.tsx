'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { FormStatus } from '@/components/ui/form-status';
import { JobProgress } from '@/components/ui/job-progress';
import { SubmitButton } from '@/components/ui/submit-button';
import { useActionForm } from '@/components/ui/use-action-form';
import type { ActionState } from '@/lib/action-state';
import { IMPORT_OUTCOME_ID } from './import-status';

type Progress = { status: string; rowsDone: number; rowsToDo: number; startedAt: string | null; now: string; cancelRequested: boolean };

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

  const label = progress.status === 'queued' ? 'Waiting to start…' : progress.cancelRequested ? 'Cancelling after the current batch…' : 'Importing…';

  return (
    <div ref={box} tabIndex={-1} aria-labelledby="progress-label" role="group" className="space-y-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600">
      <JobProgress labelId="progress-label" label={label} done={progress.rowsDone} total={progress.rowsToDo} unit="rows" startedAt={progress.startedAt} now={progress.now} announce="imported" />
      <p className="text-xs text-slate-600">You can leave this page: the import carries on, and this page shows where it is when you come back.</p>
      <form {...formProps}>
        <input type="hidden" name="jobId" value={jobId} />
        <FormStatus state={state} />
        <SubmitButton variant="secondary" size="sm" pending={pending || progress.cancelRequested} pendingText="Cancelling…">
          Cancel import
        </SubmitButton>
      </form>
    </div>
  );
}
