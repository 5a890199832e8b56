'use client';

import { useTransition } from 'react';
import type { EnvironmentOption } from '@/lib/auth/session';

/** "My Accounts": switches the environment the portal works in; the server remembers the choice. */
export function EnvironmentSwitcher({
  environments,
  currentId,
  switchEnvironment,
}: {
  environments: EnvironmentOption[];
  currentId: string | undefined;
  switchEnvironment: (environmentId: string) => Promise<void>;
}) {
  const [pending, startTransition] = useTransition();
  return (
    <div className="flex items-center gap-2">
      <label htmlFor="environment-switcher" className="text-xs font-medium text-slate-600">
        Environment
      </label>
      <select
        id="environment-switcher"
        value={currentId}
        disabled={pending || environments.length < 2}
        onChange={(e) => startTransition(() => switchEnvironment(e.target.value))}
        className="rounded-md border-0 py-1.5 pr-8 pl-2 text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600"
      >
        {environments.map((env) => (
          <option key={env.id} value={env.id}>
            {env.name}
          </option>
        ))}
      </select>
    </div>
  );
}
