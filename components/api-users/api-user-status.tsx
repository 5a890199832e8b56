import { Badge } from '@/components/ui/badge';
import type { ApiUserStatus } from '@/lib/api-users/manage';

const LOOK: Record<ApiUserStatus, { tone: 'green' | 'amber' | 'red' | 'slate'; label: string }> = {
  active: { tone: 'green', label: 'Active' },
  expires_soon: { tone: 'amber', label: 'Expires soon' },
  expired: { tone: 'slate', label: 'Expired' },
  revoked: { tone: 'red', label: 'Revoked' },
};

export function ApiUserStatusBadge({ status }: { status: ApiUserStatus }) {
  return <Badge tone={LOOK[status].tone}>{LOOK[status].label}</Badge>;
}
