'use client';

import Link from 'next/link';
import { useEffect, type ComponentProps, type MouseEvent } from 'react';

// What a sort header, a pager or a filter chip asked to focus once the list it leads to is shown: the
// list is replaced (its Suspense key is the query), so the link itself is gone and focus would fall
// to the page body.
let pending: string | null = null;

/** A link that replaces the list; once the new list shows, `focusTarget` (a CSS selector) takes focus. */
export function ListLink({ focusTarget, onClick, ...props }: ComponentProps<typeof Link> & { focusTarget: string }) {
  return (
    <Link
      {...props}
      onClick={(event: MouseEvent<HTMLAnchorElement>) => {
        // A link opened in a new tab or window leaves this list as it is.
        if (event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey) pending = focusTarget;
        onClick?.(event);
      }}
    />
  );
}

/** Rendered with each list: gives focus to what a ListLink asked for, once the list it led to is shown. */
export function ListFocus() {
  useEffect(() => {
    if (!pending) return;
    const target = document.querySelector<HTMLElement>(pending);
    pending = null;
    target?.focus();
  }, []);
  return null;
}
