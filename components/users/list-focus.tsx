'use client';

import Link from 'next/link';
import { useEffect, useSyncExternalStore, type ComponentProps, type MouseEvent } from 'react';

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

function takePendingFocus() {
  if (!pending) return;
  const target = document.querySelector<HTMLElement>(pending);
  pending = null;
  target?.focus();
}

const ANNOUNCER = 'user-list-announcer';
let listsShown = 0;

/**
 * The page's one live region for its lists, outside the list's Suspense boundary so that it outlives
 * each list: the count line is new with every list, and a live region that appears together with its
 * text is seldom read, so after a search or a filter (focus still in its field) nothing was heard.
 */
export function ListAnnouncer() {
  // A live region without a role: the page's status role belongs to its messages (toasts, results of actions).
  return <div id={ANNOUNCER} aria-live="polite" aria-atomic="true" className="sr-only" />;
}

/** Says a list's count line in the page's live region once it is shown (not the page's first list: that is read with the page). */
export function AnnounceList({ text }: { text: string }) {
  useEffect(() => {
    if (listsShown++ === 0) return;
    const region = document.getElementById(ANNOUNCER);
    if (!region) return;
    region.textContent = '';
    // Emptied, then filled a moment later: the same count twice in a row is read again.
    const timer = setTimeout(() => (region.textContent = text), 100);
    return () => clearTimeout(timer);
  }, [text]);
  return null;
}

/** Rendered with each list: gives focus to what a ListLink asked for, once the list it led to is shown. */
export function ListFocus() {
  useEffect(() => {
    rememberList();
    takePendingFocus();
  }, []);
  return null;
}

/**
 * The same for a page that is not a user list (the audit log): keyed by the page's query, so it mounts
 * afresh with each view the links lead to, and leaves the user list to return to as it is.
 */
export function PendingFocus() {
  useEffect(takePendingFocus, []);
  return null;
}

// The list view (tab, search, filters, sort, page) a profile was opened from, for its link back: this
// tab's session only, and only a path of the two lists, so it never leads off the site.
const LAST_LIST = 'userdesk:last-user-list';
const LIST_PATH = /^\/users(?:\/locked)?(?:\?[^#\s]*)?$/;

function rememberList() {
  try {
    sessionStorage.setItem(LAST_LIST, window.location.pathname + window.location.search);
  } catch {
    // Storage off (a private window's quota): the link back goes to the list's first page.
  }
}

function lastList() {
  try {
    const stored = sessionStorage.getItem(LAST_LIST);
    return stored && LIST_PATH.test(stored) ? stored : '/users';
  } catch {
    return '/users';
  }
}

const unchanging = () => () => {};

/** A link back to the list view this tab last showed (its search, filters, sort and page); All Users otherwise. */
export function BackToList({ children, ...props }: Omit<ComponentProps<typeof Link>, 'href'>) {
  const href = useSyncExternalStore(unchanging, lastList, () => '/users');
  return <Link {...props} href={href}>{children}</Link>;
}
