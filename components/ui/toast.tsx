'use client';

import { CheckCircle2, CircleAlert, Info, X } from 'lucide-react';
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { cn } from '@/lib/utils';

type Tone = 'success' | 'error' | 'info';
type Toast = { id: number; tone: Tone; message: string; key?: string };
// `key` names what the message is about (a user's status): a newer one about it replaces the older,
// so "Banned" does not stay beside "active again" after Validate.
type Show = (message: string, options?: { tone?: Tone; key?: string }) => void;

const ToastContext = createContext<Show>(() => {});

/** Shows a result message: `toast('Saved.')`. It never takes focus: it is announced, and focus stays
 * where the user acted (or near it, see keep-focus.ts). */
export const useToast = () => useContext(ToastContext);

const ICONS = { success: CheckCircle2, error: CircleAlert, info: Info } as const;

/**
 * One live region for the portal's results. It exists before any message arrives (screen readers only
 * announce changes to regions already in the page); each message stays until closed or replaced.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const show = useCallback<Show>((message, options = {}) => {
    const toast = { id: nextId.current++, tone: options.tone ?? 'success', message, key: options.key };
    setToasts((list) => [...list.filter((t) => !toast.key || t.key !== toast.key).slice(-2), toast]);
  }, []);
  const close = (id: number) => {
    setToasts((list) => list.filter((t) => t.id !== id));
    // Its Dismiss button had focus and is going: the page's main region keeps it out of the body.
    if (document.activeElement?.closest('[data-testid="toast"]')) document.getElementById('main')?.focus();
  };
  return (
    <ToastContext.Provider value={show}>
      <ToastState.Provider value={{ toasts, close }}>{children}</ToastState.Provider>
    </ToastContext.Provider>
  );
}

const ToastState = createContext<{ toasts: Toast[]; close: (id: number) => void }>({ toasts: [], close: () => {} });

/** Where the messages appear: place it inside the page's <main> (it is fixed to the bottom corner). */
export function ToastViewport() {
  const { toasts, close } = useContext(ToastState);
  const list = useRef<HTMLDivElement>(null);
  const [space, setSpace] = useState(0);
  // The messages stay until closed and sit over the bottom of the page (on a phone, its full width):
  // the page keeps what Tab moves to clear of them (scroll padding), with room to scroll its end
  // above them (the spacer).
  useEffect(() => {
    const element = list.current;
    if (!element) return;
    const observer = new ResizeObserver(() => {
      const height = element.offsetHeight;
      const next = height > 0 ? height + 32 : 0;
      setSpace(next);
      document.documentElement.style.scrollPaddingBottom = next ? `${next}px` : '';
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      document.documentElement.style.scrollPaddingBottom = '';
    };
  }, []);
  // A message that arrives over the control in use (Save at the foot of a long form on a phone, where
  // focus stays) moves that control above it, once the spacer has given the page room to scroll.
  useEffect(() => {
    if (space && list.current) uncover(list.current);
  }, [space]);
  return (
    <>
      <div aria-hidden style={{ height: space }} />
      <section aria-label="Notifications" className="pointer-events-none fixed inset-x-0 bottom-0 z-50 flex flex-col items-center gap-2 p-4 sm:items-end">
        {/* Each message is said once. Results are said politely by the region that is always there (an item
            is a status but not a live region of its own, or the two would both say it); an error is an
            alert of its own, outside that region, said at once as it appears. */}
        <div ref={list} className="flex w-full flex-col items-center gap-2 sm:items-end">
          <div aria-live="polite" className="flex w-full flex-col items-center gap-2 sm:items-end">
            {toasts.filter((t) => t.tone !== 'error').map((t) => (
              <ToastItem key={t.id} toast={t} onClose={() => close(t.id)} />
            ))}
          </div>
          {toasts.filter((t) => t.tone === 'error').map((t) => (
            <ToastItem key={t.id} toast={t} onClose={() => close(t.id)} />
          ))}
        </div>
      </section>
    </>
  );
}

function uncover(list: HTMLElement) {
  const active = document.activeElement;
  if (!(active instanceof HTMLElement) || active === document.body || list.contains(active)) return;
  const box = active.getBoundingClientRect();
  const covered = [...list.querySelectorAll('[data-testid="toast"]')].some((toast) => {
    const r = toast.getBoundingClientRect();
    return box.bottom > r.top && box.top < r.bottom && box.right > r.left && box.left < r.right;
  });
  // "nearest" with the scroll padding set above: just far enough to clear the messages.
  if (covered) active.scrollIntoView({ block: 'nearest' });
}

function ToastItem({ toast, onClose }: { toast: Toast; onClose: () => void }) {
  const Icon = ICONS[toast.tone];
  return (
    <div
      role={toast.tone === 'error' ? 'alert' : 'status'}
      aria-live={toast.tone === 'error' ? undefined : 'off'}
      data-testid="toast"
      className={cn(
        'pointer-events-auto flex w-full max-w-md items-start gap-3 rounded-lg bg-white p-3 text-sm shadow-lg ring-1',
        toast.tone === 'error' ? 'ring-red-200' : 'ring-slate-200',
      )}
    >
      <Icon aria-hidden className={cn('mt-0.5 size-4 shrink-0', toast.tone === 'error' ? 'text-red-600' : toast.tone === 'success' ? 'text-emerald-600' : 'text-slate-500')} />
      <p className="min-w-0 flex-1 text-slate-800 [overflow-wrap:anywhere]">{toast.message}</p>
      <button type="button" onClick={onClose} className="-m-1 flex size-7 shrink-0 items-center justify-center rounded text-slate-500 hover:bg-slate-100 hover:text-slate-800" aria-label="Dismiss notification">
        <X aria-hidden className="size-4" />
      </button>
    </div>
  );
}
