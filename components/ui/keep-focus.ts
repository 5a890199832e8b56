/**
 * Keeps a keyboard user's place after an action redraws the list it was taken from. A row action
 * (Unlock, Ban, Revoke) confirms in a dialog that returns focus to its opener; the page then refreshes
 * and the row, with the opener, may be gone, leaving focus on the page body. This notices that and
 * puts focus, in order of preference, on: the opener itself; the control at the same place in its row
 * (the row's next action); the same place in the row that followed it; the page's fallback (an element
 * marked `data-focus-fallback`, such as a list's results summary, else the page's heading).
 */

export type FocusSpot = { opener: HTMLElement; row: HTMLElement | null; next: HTMLElement | null; index: number };

const FOCUSABLE = 'a[href], button, input:not([type="hidden"]), select, textarea, [tabindex]:not([tabindex="-1"])';
// Long enough for a server action and the refresh after it; any key or click by the user ends it sooner.
const WATCH_MS = 15_000;

const visible = (el: HTMLElement) => el.isConnected && el.checkVisibility();
const focusables = (row: HTMLElement) => [...row.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(visible);

/** Where the element sits: its row of a table or list, the row after it, and its place in the row. */
export function spotOf(opener: HTMLElement): FocusSpot {
  const row = opener.closest<HTMLElement>('tr, li');
  const next = row?.nextElementSibling instanceof HTMLElement ? row.nextElementSibling : null;
  return { opener, row, next, index: row ? focusables(row).indexOf(opener) : -1 };
}

function atPlace(row: HTMLElement | null, index: number) {
  if (!row || !visible(row)) return null;
  const list = focusables(row);
  return list[Math.min(Math.max(index, 0), list.length - 1)] ?? null;
}

function fallback() {
  const target = document.querySelector<HTMLElement>('[data-focus-fallback]') ?? document.querySelector<HTMLElement>('main h1');
  if (target && !target.hasAttribute('tabindex')) target.tabIndex = -1;
  return target;
}

/** The best place for focus now, or null while the preferred one is only waiting (disabled during the refresh). */
function place(spot: FocusSpot): HTMLElement | null {
  if (visible(spot.opener)) return spot.opener;
  return atPlace(spot.row, spot.index) ?? atPlace(spot.next, spot.index) ?? fallback();
}

let stop: (() => void) | null = null;

/**
 * From now until the user next presses a key or clicks (or a while has passed): whenever focus falls
 * to the page body because the page changed, move it to the best place for `spot`.
 */
export function keepFocusNear(spot: FocusSpot) {
  stop?.();
  const restore = () => {
    if (document.activeElement !== document.body && document.activeElement !== null) return;
    const target = place(spot);
    // A control disabled while the action runs cannot take focus yet: try again on the next change.
    if (!target || (target as HTMLButtonElement).disabled) return;
    target.focus();
    if (document.activeElement === target) stop?.();
  };
  const observer = new MutationObserver(restore);
  observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['disabled'] });
  const timer = window.setTimeout(() => stop?.(), WATCH_MS);
  const end = () => {
    observer.disconnect();
    window.clearTimeout(timer);
    document.removeEventListener('keydown', onUser, true);
    document.removeEventListener('pointerdown', onUser, true);
    if (stop === end) stop = null;
  };
  const onUser = () => end();
  document.addEventListener('keydown', onUser, true);
  document.addEventListener('pointerdown', onUser, true);
  stop = end;
  requestAnimationFrame(restore);
}
