'use client';

import * as RadixSelect from '@radix-ui/react-select';
import { Check, ChevronDown } from 'lucide-react';
import { cn } from '@/lib/utils';

/**
 * A select that changes only on an explicit choice (Enter, Space or a click on an option): arrow keys
 * on the closed control open the list instead of changing the value (WCAG 3.2.2).
 */
export function Select({
  id,
  name,
  value,
  defaultValue,
  onValueChange,
  options,
  placeholder,
  disabled,
  className,
  invalid,
  describedBy,
  ...aria
}: {
  id?: string;
  name?: string;
  value?: string;
  defaultValue?: string;
  onValueChange?: (value: string) => void;
  options: { value: string; label: string }[];
  placeholder?: string;
  disabled?: boolean;
  className?: string;
  invalid?: boolean;
  describedBy?: string;
  'aria-label'?: string;
  'aria-labelledby'?: string;
}) {
  return (
    <RadixSelect.Root name={name} value={value} defaultValue={defaultValue} onValueChange={onValueChange} disabled={disabled}>
      <RadixSelect.Trigger
        id={id}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        {...aria}
        className={cn(
          'inline-flex h-9 w-full min-w-0 items-center justify-between gap-2 rounded-md bg-white px-3 text-sm text-slate-900 shadow-sm ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-indigo-600 focus:outline-none disabled:opacity-60 aria-[invalid=true]:ring-red-500 data-[placeholder]:text-slate-500',
          className,
        )}
      >
        <span className="truncate"><RadixSelect.Value placeholder={placeholder} /></span>
        <RadixSelect.Icon>
          <ChevronDown aria-hidden className="size-4 text-slate-500" />
        </RadixSelect.Icon>
      </RadixSelect.Trigger>
      <RadixSelect.Portal>
        {/* No wider than the screen: a long option (a long role name on a phone) wraps instead of running off it. */}
        <RadixSelect.Content
          position="popper"
          sideOffset={4}
          collisionPadding={8}
          className="z-50 max-h-72 max-w-[calc(100vw-1rem)] min-w-[var(--radix-select-trigger-width)] overflow-hidden rounded-md bg-white p-1 text-sm shadow-lg ring-1 ring-slate-200 [overflow-wrap:anywhere]"
        >
          <RadixSelect.Viewport>
            {options.map((o) => (
              <RadixSelect.Item key={o.value} value={o.value} className="relative flex min-h-8 cursor-pointer items-center rounded py-1.5 pr-2.5 pl-7 text-slate-800 outline-none select-none data-[highlighted]:bg-slate-100 data-[highlighted]:outline-solid data-[highlighted]:outline-2 data-[highlighted]:-outline-offset-2 data-[highlighted]:outline-indigo-600">
                <RadixSelect.ItemIndicator className="absolute left-2">
                  <Check aria-hidden className="size-4 text-indigo-600" />
                </RadixSelect.ItemIndicator>
                <RadixSelect.ItemText>{o.label}</RadixSelect.ItemText>
              </RadixSelect.Item>
            ))}
          </RadixSelect.Viewport>
        </RadixSelect.Content>
      </RadixSelect.Portal>
    </RadixSelect.Root>
  );
}
