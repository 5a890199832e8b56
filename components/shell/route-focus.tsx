'use client';

import { usePathname } from 'next/navigation';
import { useEffect, useRef } from 'react';

/**
 * After a move to another page, focus goes to that page's title when nothing else took it: a form that
 * redirects (Add user to the profile, Check rows to the check), or a link in the phone menu, which closes
 * as it is chosen, would otherwise leave focus on the page body, and the next Tab would start from the
 * top of the document. Focus set on purpose (a list's results summary, an import's progress bar, a link
 * that stays on screen) is left where it is. The title may arrive after a loading skeleton: it is waited
 * for briefly, and #main takes focus if none comes. Rendered by the root layout, so it also acts when a
 * sign-in page (set password, change password) leads into the portal without a page load.
 */
export function RouteFocus() {
  const pathname = usePathname();
  // A page opened by URL or reload keeps the browser's own start.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const lost = () => !document.activeElement || document.activeElement === document.body;
    let tries = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = () => {
      if (!lost()) return;
      const title = document.querySelector<HTMLElement>('main h1');
      if (title) {
        if (!title.hasAttribute('tabindex')) title.tabIndex = -1;
        title.focus({ preventScroll: true });
      } else if (++tries < 20) {
        timer = setTimeout(attempt, 100);
      } else {
        document.getElementById('main')?.focus({ preventScroll: true });
      }
    };
    // After this commit's own effects (which may focus something on purpose) have run.
    timer = setTimeout(attempt, 0);
    return () => clearTimeout(timer);
  }, [pathname]);
  return null;
}
