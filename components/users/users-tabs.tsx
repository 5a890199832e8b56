import { LinkTabs } from '@/components/ui/tabs';

// The Users screen's tabs, each its own URL. Add a tab by adding a line here (and its page).
const TABS = [
  { href: '/users', label: 'All Users', key: 'all' },
  { href: '/users/locked', label: 'Locked Users', key: 'locked' },
  { href: '/users/api', label: 'API Users', key: 'api' },
] as const;

export type UsersTab = (typeof TABS)[number]['key'];

/** `counts`: an optional figure per tab, e.g. { locked: '1,204' }. */
export function UsersTabs({ current, counts = {} }: { current: UsersTab; counts?: Partial<Record<UsersTab, string>> }) {
  return <LinkTabs label="Users views" current={current} items={TABS.map((t) => ({ ...t, count: counts[t.key] }))} />;
}
