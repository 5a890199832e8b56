import { Badge } from '@/components/ui/badge';
import type { ImportJob } from '@/db/schema';

const LABELS: Record<ImportJob['status'], [string, 'green' | 'amber' | 'red' | 'slate' | 'blue']> = {
  validated: ['Checked, not started', 'slate'],
  queued: ['Waiting to start', 'blue'],
  running: ['Importing', 'blue'],
  done: ['Done', 'green'],
  failed: ['Failed', 'red'],
  cancelled: ['Cancelled', 'amber'],
};

/** The id of the import page's region that holds the form, then the progress bar, then the outcome; it outlives each of them. */
export const IMPORT_OUTCOME_ID = 'import-outcome';

export function ImportStatusBadge({ status }: { status: ImportJob['status'] }) {
  const [label, tone] = LABELS[status];
  return <Badge tone={tone}>{label}</Badge>;
}
