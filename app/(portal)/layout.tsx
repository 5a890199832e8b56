import Link from 'next/link';
import type { ReactNode } from 'react';
import { EnvironmentSwitcher } from '@/components/shell/environment-switcher';
import { NavLinks, type NavItem } from '@/components/shell/nav-links';
import { UserMenu } from '@/components/shell/user-menu';
import { db } from '@/db';
import { hasPermission, type Permission } from '@/lib/auth/permissions';
import { getCurrentEnvironment, getVisibleEnvironments, requireUser } from '@/lib/auth/session';
import { getOrganization } from '@/lib/settings';
import { switchEnvironment } from './actions';

// Each area appears only for those who may open it; the pages check again on the server.
const NAVIGATION: (NavItem & { permission?: Permission })[] = [
  { href: '/users', label: 'Users', permission: 'users.read' },
  { href: '/settings/security', label: 'Security settings', permission: 'settings.manage' },
  { href: '/settings/roles', label: 'Roles', permission: 'roles.manage' },
  { href: '/settings/environments', label: 'Environments', permission: 'settings.manage' },
  { href: '/audit', label: 'Audit log', permission: 'audit.read' },
  { href: '/outbox', label: 'Outbox', permission: 'settings.manage' },
  { href: '/profile', label: 'My profile' },
];

export default async function PortalLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  const [organization, environments, current] = await Promise.all([
    getOrganization(db),
    getVisibleEnvironments(user),
    getCurrentEnvironment(user),
  ]);
  const items = NAVIGATION.filter((item) => !item.permission || hasPermission(user, item.permission));
  const name = `${user.firstName} ${user.lastName}`;

  return (
    <div className="min-h-screen md:flex">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <aside className="border-b border-slate-200 bg-white md:w-60 md:shrink-0 md:border-r md:border-b-0">
        <div className="px-4 py-4">
          <Link href="/" className="text-lg font-semibold tracking-tight text-indigo-700">
            Userdesk
          </Link>
        </div>
        <nav aria-label="Main" className="px-2 pb-3">
          <NavLinks items={items} />
        </nav>
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-200 bg-white px-4 py-2 md:px-8">
          <p className="text-sm font-semibold text-slate-900">{organization?.name}</p>
          <div className="flex items-center gap-4">
            <EnvironmentSwitcher environments={environments} currentId={current?.id} switchEnvironment={switchEnvironment} />
            <UserMenu name={name} email={user.email} roleName={user.roleName} />
          </div>
        </header>
        <main id="main" className="flex-1 px-4 py-6 md:px-8">
          {children}
        </main>
      </div>
    </div>
  );
}
