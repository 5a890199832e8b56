// What a bulk action on the user lists says: its dialog's title, its confirming button and the
// selection bar. Above its exact cap the list's count is the planner's estimate (lib/users/list.ts
// countUsers), so an estimated count reads "about N" wherever it is shown, never as if it were exact.

export type BulkKind = 'ban' | 'unlock' | 'reset' | 'role' | 'addEnvironment' | 'removeEnvironment';
export type BulkTarget = { scope: 'selection'; ids: string[]; label: string } | { scope: 'matching'; count: number };

const number = new Intl.NumberFormat('en');
export const usersCount = (n: number) => `${number.format(n)} ${n === 1 ? 'user' : 'users'}`;
/** "60" or "about 12,000": a count as honest as the list's. */
export const countOf = (n: number, exact: boolean) => `${exact ? '' : 'about '}${number.format(n)}`;

/** The selection bar's summary of "every user matching the filters". */
export const allMatchingSelected = (n: number, exact: boolean) =>
  exact ? `All ${usersCount(n)} matching selected` : `All users matching selected (about ${usersCount(n)})`;

export function bulkWording(kind: BulkKind, target: BulkTarget, exact: boolean): { title: string; confirmLabel: string } {
  const matching = target.scope === 'matching';
  const who = !matching
    ? target.label
    : exact
      ? `all ${usersCount(target.count)} matching the filters`
      : `all users matching the filters (about ${usersCount(target.count)})`;
  // One user is named in the title; the button then needs only the verb.
  const count = !matching ? (target.ids.length === 1 ? '' : usersCount(target.ids.length)) : `${exact ? '' : 'about '}${usersCount(target.count)}`;
  const verb = { ban: 'Ban', unlock: 'Unlock', reset: 'Reset', role: 'Change role of', addEnvironment: 'Add', removeEnvironment: 'Remove' }[kind];
  const title = {
    ban: `Ban ${who}?`,
    unlock: `Unlock ${who}?`,
    reset: `Reset ${who}?`,
    role: `Change the role of ${who}?`,
    addEnvironment: `Add ${who} to an environment?`,
    removeEnvironment: `Remove ${who} from an environment?`,
  }[kind];
  return { title, confirmLabel: count ? `${verb} ${count}` : kind === 'role' ? 'Change role' : verb };
}

/** Matching users are counted exactly up to this many when a bulk job is asked for (lib/users/bulk-jobs.ts). */
export const BULK_JOB_EXACT_UP_TO = 100_000;

/** What a bulk action on all matching users is doing, while it runs in the background: "Unlocking 30,000 users". */
export function bulkJobHeading(kind: BulkKind, total: number, environmentName?: string | null): string {
  const n = `${total > BULK_JOB_EXACT_UP_TO ? 'about ' : ''}${usersCount(total)}`;
  const environment = environmentName ?? 'the environment';
  return {
    ban: `Banning ${n}`,
    unlock: `Unlocking ${n}`,
    reset: `Resetting ${n}`,
    role: `Changing the role of ${n}`,
    addEnvironment: `Adding ${n} to ${environment}`,
    removeEnvironment: `Removing ${n} from ${environment}`,
  }[kind];
}
