/**
 * The width of the list itself (the sidebar takes part of a wide window), not of the window, decides
 * between table and cards: a table row needs room for the name and email beside its fixed columns, or
 * it hides whom it is about. The toolbar offers its Sort by select wherever the cards show.
 */
export const LIST_LAYOUT = { table: 'hidden @3xl:block', cards: '@3xl:hidden' } as const;
