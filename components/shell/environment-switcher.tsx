'use client';

import { ChevronsUpDown, Layers } from 'lucide-react';
import { useTransition } from 'react';
import { DropdownMenu, DropdownMenuContent, DropdownMenuLabel, DropdownMenuRadioGroup, DropdownMenuRadioItem, DropdownMenuTrigger } from '@/components/ui/dropdown-menu';
import { useToast } from '@/components/ui/toast';
import type { ActionState } from '@/lib/action-state';
import type { EnvironmentOption } from '@/lib/auth/session';

/**
 * "My Accounts": the environment the portal works in. A menu, so nothing changes until an option is
 * chosen (arrow keys only move through the list); focus returns to the button afterwards and the
 * result is announced. Rendered only for people with more than one environment.
 */
export function EnvironmentSwitcher({
  environments,
  currentId,
  switchEnvironment,
}: {
  environments: EnvironmentOption[];
  currentId: string | undefined;
  switchEnvironment: (environmentId: string) => Promise<ActionState>;
}) {
  const [pending, startTransition] = useTransition();
  const toast = useToast();
  const current = environments.find((e) => e.id === currentId);
  const choose = (id: string) => {
    const env = environments.find((e) => e.id === id);
    if (!env || env.id === currentId) return;
    startTransition(async () => {
      const result = await switchEnvironment(env.id);
      if (result.status === 'error') toast(result.message, { tone: 'error' });
      else toast(`Now working in ${env.name}.`, { tone: 'info' });
    });
  };
  return (
    <DropdownMenu modal={false}>
      <DropdownMenuTrigger
        aria-label={`Environment: ${current?.name ?? 'none'}. Change environment`}
        aria-busy={pending || undefined}
        className="inline-flex h-8 max-w-48 items-center gap-2 rounded-md px-2 text-sm font-medium text-slate-800 ring-1 ring-slate-300 ring-inset hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-indigo-600"
      >
        <Layers aria-hidden className="size-4 shrink-0 text-slate-500" />
        <span className="truncate">{current?.name ?? 'Choose'}</span>
        <ChevronsUpDown aria-hidden className="size-3.5 shrink-0 text-slate-500" />
      </DropdownMenuTrigger>
      <DropdownMenuContent align="start">
        <DropdownMenuLabel>Environment</DropdownMenuLabel>
        {/* Radio items: the current environment is checked (aria-checked) and shows a check mark. */}
        <DropdownMenuRadioGroup value={currentId ?? ''} onValueChange={choose} aria-label="Environment">
          {environments.map((env) => (
            <DropdownMenuRadioItem key={env.id} value={env.id}>
              {env.name}
            </DropdownMenuRadioItem>
          ))}
        </DropdownMenuRadioGroup>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
