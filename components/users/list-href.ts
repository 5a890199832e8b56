// URLs of the user lists (All Users, Locked Users): every view is a URL, so filters, sort and page survive
// a reload and work without JavaScript. Safe for server and client components.

type Params = Record<string, string | number | undefined>;

const DEFAULTS: Record<string, Record<string, string>> = {
  '/users': { sort: 'name', dir: 'asc' },
  '/users/locked': { sort: 'lockedAt', dir: 'desc' },
};

/** The list's URL with some parameters changed; a new filter or sort starts at page one. */
export function listHref(base: string, params: Params, change: Params = {}): string {
  const merged: Params = { ...params, after: undefined, before: undefined, ...change };
  const defaults = DEFAULTS[base] ?? {};
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(merged)) {
    if (value === undefined || value === '' || defaults[key] === String(value)) continue;
    query.set(key, String(value));
  }
  const s = query.toString();
  return s ? `${base}?${s}` : base;
}

/** The filter fields of a list (what "all N matching" acts on and what the export contains). */
export const FILTER_KEYS = ['q', 'status', 'role', 'env', 'tag', 'idle'] as const;

export function filterOf(params: Params): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of FILTER_KEYS) if (params[key] !== undefined && params[key] !== '') out[key] = String(params[key]);
  return out;
}

/** The selector of a list's results summary, where a pager or a removed filter sends focus (see list-focus.tsx). */
export const RESULTS_SUMMARY = '[data-focus-fallback]';
