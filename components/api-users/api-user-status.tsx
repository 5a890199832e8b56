import { Badge } from '@/components/ui/badge';
import type { ApiUserStatus } from '@/lib/api-users/manage';

const LOOK: Record<ApiUserStatus, { tone: 'green' | 'amber' | 'red' | 'slate'; label: string }> = {
  active: { tone: 'green', label: 'Active' },
  expires_soon: { tone: 'amber', label: 'Expires soon' },
  expired: { tone: 'slate', label: 'Expired' },
  revoked: { tone: 'red', label: 'Revoked' },
  suspended: { tone: 'amber', label: 'Suspended' },
};

/**
 * A suspended key says why (its creator's state, or that of the user it acts as, stops it until they
 * are active again): in two words under the badge, the sentence in a tooltip, so the row keeps its width.
 */
export function ApiUserStatusBadge({ status, suspendedBecause, suspendedLabel }: { status: ApiUserStatus; suspendedBecause?: string | null; suspendedLabel?: string | null }) {
  const badge = <Badge tone={LOOK[status].tone}>{LOOK[status].label}</Badge>;
  if (status !== 'suspended' || !suspendedBecause || !suspendedLabel) return badge;
  return (
    <span className="block">
      {badge}
      <span className="mt-0.5 block text-xs whitespace-nowrap text-slate-600" title={`Suspended: ${suspendedBecause}. It works again once they are active.`}>{suspendedLabel}</span>
    </span>
  );
}
