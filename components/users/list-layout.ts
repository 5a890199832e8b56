/**
 * The width of the list itself (the sidebar takes part of a wide window), not of the window, decides
 * between table and cards: a table row needs room for the name and email beside its fixed columns, or
 * it hides whom it is about. The toolbar offers its Sort by select wherever the cards show.
 * Locked Users has more fixed columns (Locked since, Failed attempts, Unlock and Reset), so its table
 * starts wider; every column a manager decides by is in it from there (the Reason under the name until
 * there is room for its own column).
 */
export const LIST_LAYOUT = {
  all: { table: 'hidden @3xl:block', cards: '@3xl:hidden' },
  locked: { table: 'hidden @4xl:block', cards: '@4xl:hidden' },
} as const;
