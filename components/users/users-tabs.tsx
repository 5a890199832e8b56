import { LinkTabs } from '@/components/ui/tabs';
import type { Permission } from '@/lib/auth/permissions';

// The Users screen's tabs, each its own URL, each shown to those its page lets in. Add a tab by adding
// a line here (and its page).
const TABS = [
  { href: '/users', label: 'All Users', key: 'all', permission: 'users.read' },
  { href: '/users/locked', label: 'Locked Users', key: 'locked', permission: 'users.read' },
  { href: '/users/api', label: 'API Users', key: 'api', permission: 'apiUsers.manage' },
] as const satisfies readonly { href: string; label: string; key: string; permission: Permission }[];

export type UsersTab = (typeof TABS)[number]['key'];

/** `counts`: an optional figure per tab, e.g. { locked: '1,204' }. */
export function UsersTabs({ current, permissions, counts = {} }: { current: UsersTab; permissions: readonly string[]; counts?: Partial<Record<UsersTab, string>> }) {
  const items = TABS.filter((t) => permissions.includes(t.permission)).map(({ href, label, key }) => ({ href, label, key, count: counts[key] }));
  return <LinkTabs label="Users views" current={current} items={items} />;
}
