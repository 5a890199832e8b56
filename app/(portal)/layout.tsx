import Link from 'next/link';
import type { ReactNode } from 'react';
import { EnvironmentSwitcher } from '@/components/shell/environment-switcher';
import { NavLinks, type NavItem } from '@/components/shell/nav-links';
import { UserMenu } from '@/components/shell/user-menu';
import { ToastProvider, ToastViewport } from '@/components/ui/toast';
import { TooltipProvider } from '@/components/ui/tooltip';
import { db } from '@/db';
import { hasPermission, isAdministrator, type Permission } from '@/lib/auth/permissions';
import { getCurrentEnvironment, getVisibleEnvironments, requireUser } from '@/lib/auth/session';
import { getOrganization } from '@/lib/settings';
import { switchEnvironment } from './actions';

// Each area appears only for those who may open it; the pages check again on the server.
const NAVIGATION: (NavItem & { permission?: Permission; allEnvironments?: true; administrator?: true })[] = [
  { href: '/users', label: 'Users', icon: 'users', permission: 'users.read' },
  { href: '/settings/security', label: 'Security settings', icon: 'security', permission: 'settings.manage', allEnvironments: true },
  { href: '/settings/roles', label: 'Roles', icon: 'roles', permission: 'roles.manage' },
  { href: '/settings/environments', label: 'Environments', icon: 'environments', permission: 'settings.manage', allEnvironments: true },
  { href: '/audit', label: 'Audit log', icon: 'audit', permission: 'audit.read' },
  { href: '/outbox', label: 'Outbox', icon: 'outbox', administrator: true },
  { href: '/profile', label: 'My profile', icon: 'profile' },
];

/**
 * The portal's frame: a sidebar that stays in view, a top bar (organization, environment, account) that
 * sticks to the top, and the page. Error, 403 and 404 pages render inside it as ordinary content.
 */
export default async function PortalLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  const [organization, environments, current] = await Promise.all([getOrganization(db), getVisibleEnvironments(user), getCurrentEnvironment(user)]);
  const items = NAVIGATION.filter(
    (item) => (!item.permission || hasPermission(user, item.permission)) && (!item.allEnvironments || user.allEnvironments) && (!item.administrator || isAdministrator(user)),
  );
  const name = `${user.firstName} ${user.lastName}`;

  return (
    <ToastProvider>
      <TooltipProvider>
        <div className="min-h-screen md:flex">
          <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
            Skip to content
          </a>
          <aside className="relative flex items-center justify-between border-b border-slate-200 bg-slate-50 md:sticky md:top-0 md:h-screen md:w-56 md:shrink-0 md:flex-col md:items-stretch md:justify-start md:border-r md:border-b-0">
            <div className="flex h-14 items-center px-4">
              <Link href="/" className="text-base font-semibold tracking-tight text-slate-900">
                <span className="text-indigo-600">User</span>desk
              </Link>
            </div>
            <nav aria-label="Main" className="px-2 md:flex-1 md:overflow-y-auto md:pb-2">
              <NavLinks items={items} />
            </nav>
          </aside>
          <div className="flex min-w-0 flex-1 flex-col">
            <header className="sticky top-0 z-30 flex h-14 items-center justify-between gap-3 border-b border-slate-200 bg-white/95 px-4 backdrop-blur md:px-8">
              {/* Two lines before it is cut (a phone leaves it little room), the whole name in the account menu. */}
              <p className="line-clamp-2 min-w-0 text-sm/tight font-medium text-slate-900 [overflow-wrap:anywhere]" title={organization?.name}>
                {organization?.name}
              </p>
              <div className="flex items-center gap-3">
                {environments.length > 1 && <EnvironmentSwitcher environments={environments} currentId={current?.id} switchEnvironment={switchEnvironment} />}
                <UserMenu name={name} email={user.email} roleName={user.roleName} organization={organization?.name} />
              </div>
            </header>
            <main id="main" tabIndex={-1} className="flex-1 px-4 py-5 focus:outline-none md:px-8 md:py-6">
              {children}
              <ToastViewport />
            </main>
          </div>
        </div>
      </TooltipProvider>
    </ToastProvider>
  );
}
