import { Badge } from '@/components/ui/badge';
import type { ApiUserStatus } from '@/lib/api-users/manage';

const LOOK: Record<ApiUserStatus, { tone: 'green' | 'amber' | 'red' | 'slate'; label: string }> = {
  active: { tone: 'green', label: 'Active' },
  expires_soon: { tone: 'amber', label: 'Expires soon' },
  expired: { tone: 'slate', label: 'Expired' },
  revoked: { tone: 'red', label: 'Revoked' },
  suspended: { tone: 'amber', label: 'Suspended' },
};

/** A suspended key says why: its creator's state, or that of the user it acts as, stops it until they are active again. */
export function ApiUserStatusBadge({ status, suspendedBecause }: { status: ApiUserStatus; suspendedBecause?: string | null }) {
  const label = status === 'suspended' ? `Suspended: ${suspendedBecause}` : LOOK[status].label;
  return <Badge tone={LOOK[status].tone}>{label}</Badge>;
}
