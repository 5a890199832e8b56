'use client';

import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useRef, useState } from 'react';
import { cancelBulkJobAction } from '@/app/(portal)/users/bulk-actions';
import { FormStatus } from '@/components/ui/form-status';
import { JobProgress } from '@/components/ui/job-progress';
import { SubmitButton } from '@/components/ui/submit-button';
import { useToast } from '@/components/ui/toast';
import { useActionForm } from '@/components/ui/use-action-form';
import type { BulkJobProgress } from '@/lib/users/bulk-jobs';
import { RESULTS_SUMMARY } from './list-href';
import { bulkJobHeading, type BulkKind } from './bulk-wording';

/**
 * Where the page shows the caller's running bulk action. The page, read again (after Cancel, say), may
 * no longer list a job that has just ended: the bar stays until its own reading of the job sees the end
 * and says the outcome, which would otherwise be lost with it.
 */
export function BulkJobSlot({ job }: { job: BulkJobProgress | null }) {
  const [shown, setShown] = useState(job);
  // The job this bar saw end: a page read before it ended (still listing it) does not bring it back.
  const [ended, setEnded] = useState<string | null>(null);
  const end = useCallback((id: string) => {
    setEnded(id);
    setShown(null);
  }, []);
  if (job && job.id !== shown?.id && job.id !== ended) setShown(job);
  return shown ? <BulkJobBar key={shown.id} initial={shown} onEnd={end} /> : null;
}

/**
 * The caller's bulk action on all matching users, while it runs in the background: read from its job
 * row every second (so it survives a reload, and shows in every tab), with Cancel. When it ends, its
 * outcome is said as a toast and the list is read again.
 */
function BulkJobBar({ initial, onEnd }: { initial: BulkJobProgress; onEnd: (id: string) => void }) {
  const router = useRouter();
  const toast = useToast();
  const [job, setJob] = useState(initial);
  const { state, pending, formProps } = useActionForm(cancelBulkJobAction);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let stopped = false;
    const timer = setInterval(async () => {
      const response = await fetch(`/api/bulk/${initial.id}`, { cache: 'no-store' }).catch(() => null);
      if (stopped || !response) return;
      // Signed out meanwhile (or the job is not this person's any more): the page says what is true now.
      if (response.status === 401 || response.status === 404) {
        stopped = true;
        clearInterval(timer);
        onEnd(initial.id);
        return router.refresh();
      }
      if (!response.ok) return;
      const next = (await response.json()) as BulkJobProgress;
      setJob(next);
      if (['queued', 'running'].includes(next.status)) return;
      stopped = true;
      clearInterval(timer);
      // The bar is about to go: focus, if it was on Cancel, moves to the list's count line.
      const active = document.activeElement;
      if (!active || active === document.body || box.current?.contains(active)) document.querySelector<HTMLElement>(RESULTS_SUMMARY)?.focus();
      const refused = next.status === 'failed' || (next.done === 0 && next.skipped > 0);
      toast(next.message ?? 'The bulk action has ended.', { tone: refused ? 'error' : next.status === 'cancelled' ? 'info' : 'success' });
      onEnd(initial.id);
      router.refresh();
    }, 1000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [initial.id, router, toast, onEnd]);

  const heading = bulkJobHeading(job.kind as BulkKind, job.total, job.environmentName);
  const label = job.status === 'queued' ? `${heading}: waiting to start…` : job.cancelRequested ? `${heading}: cancelling after the batches under way…` : `${heading}…`;

  return (
    <div ref={box} role="group" aria-labelledby="bulk-job-label" className="mb-4 space-y-3 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200">
      {/* The total was counted when the action was asked for: users others changed since are not reached, so it may end short of it. */}
      <JobProgress
        labelId="bulk-job-label"
        label={label}
        done={job.done + job.skipped}
        total={job.total}
        unit="users"
        note={job.skipped > 0 ? ` (${job.skipped.toLocaleString('en')} skipped)` : ''}
        startedAt={job.startedAt}
        now={job.now}
        announce="done"
      />
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-xs text-slate-600">You can leave this page: the action carries on, and the lists show where it is when you come back.</p>
        <form {...formProps}>
          <input type="hidden" name="jobId" value={job.id} />
          <FormStatus state={state} />
          <SubmitButton variant="secondary" size="sm" pending={pending || job.cancelRequested} pendingText="Cancelling…">
            Cancel
          </SubmitButton>
        </form>
      </div>
    </div>
  );
}
