import { Badge } from '@/components/ui/badge';
import type { UserStatus } from '@/db/schema';

const LOOK: Record<UserStatus, { tone: 'green' | 'amber' | 'red' | 'slate' | 'blue'; label: string }> = {
  active: { tone: 'green', label: 'Active' },
  invited: { tone: 'blue', label: 'Invited' },
  locked: { tone: 'amber', label: 'Locked' },
  inactive: { tone: 'slate', label: 'Inactive' },
  banned: { tone: 'red', label: 'Banned' },
};

export function StatusBadge({ status }: { status: UserStatus }) {
  const look = LOOK[status];
  return <Badge tone={look.tone}>{look.label}</Badge>;
}
