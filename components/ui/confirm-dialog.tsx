'use client';

import * as Dialog from '@radix-ui/react-dialog';
import { useRef, type ReactNode, type Ref } from 'react';
import { Button } from './button';
import { keepFocusNear, spotOf, type FocusSpot } from './keep-focus';

/**
 * Where focus goes back to when the dialog closes: what had it when the dialog opened, or, for a
 * dialog opened from a menu item (gone once the menu closes), the button that opened the menu.
 */
function opener(): HTMLElement | null {
  const active = document.activeElement;
  if (!(active instanceof HTMLElement) || active === document.body) return null;
  const menu = active.closest<HTMLElement>('[role="menu"]');
  const trigger = menu?.id ? document.querySelector<HTMLElement>(`[aria-controls="${CSS.escape(menu.id)}"]`) : null;
  return trigger ?? active;
}

/**
 * Confirms a destructive or irreversible action. The confirming button carries the action's name;
 * Radix traps focus inside. The dialogs are opened from state, not from a Radix trigger, so focus is
 * returned here: to the element that opened it, and, when the action then removes it (an unlocked
 * user leaves the Locked list), to the same place in its row or the next row (see keep-focus.ts).
 */
export function ConfirmDialog({
  open,
  onOpenChange,
  title,
  description,
  confirmLabel,
  onConfirm,
  children,
  tone = 'danger',
  pending = false,
  confirmRef,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  children?: ReactNode;
  tone?: 'danger' | 'primary';
  pending?: boolean;
  /** The confirming button, for a dialog that sends focus to it after a step inside it. */
  confirmRef?: Ref<HTMLButtonElement>;
}) {
  const returnTo = useRef<FocusSpot | null>(null);
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-slate-900/40" />
        <Dialog.Content
          onOpenAutoFocus={() => {
            const target = opener();
            returnTo.current = target && spotOf(target);
          }}
          onCloseAutoFocus={(event) => {
            const spot = returnTo.current;
            returnTo.current = null;
            if (!spot) return;
            event.preventDefault();
            if (spot.opener.isConnected) spot.opener.focus();
            keepFocusNear(spot);
          }}
          className="fixed top-1/2 left-1/2 z-50 max-h-[calc(100dvh-2rem)] w-[min(32rem,calc(100vw-2rem))] -translate-x-1/2 -translate-y-1/2 overflow-y-auto rounded-lg bg-white p-5 shadow-xl [overflow-wrap:anywhere] focus:outline-none sm:p-6">
          <Dialog.Title className="text-base font-semibold text-slate-900">{title}</Dialog.Title>
          <Dialog.Description asChild>
            <div className="mt-2 text-sm text-slate-700">{description}</div>
          </Dialog.Description>
          {children}
          <div className="mt-6 flex flex-wrap justify-end gap-2">
            {/* Once confirmed, the action is under way on the server and cannot be called back: closing only hides it. */}
            <Dialog.Close asChild>
              <Button variant="secondary">{pending ? 'Close' : 'Cancel'}</Button>
            </Dialog.Close>
            {/* aria-disabled, never disabled, while it runs: a disabled button drops focus out of the dialog, to the page body. */}
            <Button ref={confirmRef} variant={tone} onClick={pending ? undefined : onConfirm} aria-disabled={pending || undefined} className={pending ? 'cursor-progress' : undefined}>
              {confirmLabel}
            </Button>
          </div>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
