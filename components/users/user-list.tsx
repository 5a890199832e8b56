'use client';

import { Ban, ChevronDown, ChevronUp, ChevronsUpDown, KeyRound, LockOpen, Plus, Minus, UserCog, UserRound } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, useTransition } from 'react';
import { flushSync } from 'react-dom';
import { bulkUsersAction } from '@/app/(portal)/users/bulk-actions';
import { Button } from '@/components/ui/button';
import { Checkbox } from '@/components/ui/checkbox';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuSeparator, DropdownMenuTrigger, RowMenu } from '@/components/ui/dropdown-menu';
import { FieldErrors, inputClass } from '@/components/ui/field';
import { LocalTime } from '@/components/ui/local-time';
import { PersonName } from '@/components/ui/person-name';
import { Select } from '@/components/ui/select';
import { Table, Td, Th, Tr } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';
import { idle } from '@/lib/action-state';
import type { UserRow } from '@/lib/users/list';
import { cn, otherEnvironmentsLabel } from '@/lib/utils';
import { allMatchingSelected, bulkWording, countOf, usersCount as users, type BulkKind as Kind, type BulkTarget as Target } from './bulk-wording';
import { listHref } from './list-href';
import { ListLink } from './list-focus';
import { LIST_LAYOUT } from './list-layout';
import { StatusBadge } from './status-badge';

type Option = { id: string; name: string };

const number = new Intl.NumberFormat('en');
const LOCK_REASONS = { failed_attempts: 'Too many failed attempts', password_expired: 'Password expired' } as const;

const ACTIONS: Record<Kind, { label: string; verb: string; icon: typeof Ban; danger?: boolean; says: string | ((one: boolean) => string) }> = {
  ban: { label: 'Ban…', verb: 'Ban', icon: Ban, danger: true, says: 'They are signed out everywhere and cannot sign in until someone validates them. Their history is kept.' },
  unlock: { label: 'Unlock…', verb: 'Unlock', icon: LockOpen, says: 'They can sign in again with their current password.' },
  reset: { label: 'Reset…', verb: 'Reset', icon: KeyRound, danger: true, says: (one) => `Their current password stops working at once and they are signed out. ${one ? 'They get' : 'Each gets'} an email with a link to choose a new password.` },
  role: { label: 'Change role…', verb: 'Change role of', icon: UserCog, says: 'Their permissions change at their next request.' },
  addEnvironment: { label: 'Add to environment…', verb: 'Add', icon: Plus, says: 'They also get access to the environment you choose.' },
  removeEnvironment: { label: 'Remove from environment…', verb: 'Remove', icon: Minus, says: 'They lose access to the environment you choose; other memberships stay.' },
};

export type UserListProps = {
  variant: 'all' | 'locked';
  base: string;
  rows: UserRow[];
  total: { count: number; exact: boolean };
  /** The environment the list shows: "all matching" acts there, whatever the switcher says by then. */
  environmentId: string;
  /** When its rows and count were read: "all matching" leaves out whoever began to match since. */
  readAt: string;
  params: Record<string, string | undefined>;
  can: { ban: boolean; unlock: boolean; write: boolean };
  roles: Option[];
  environments: Option[];
};

/**
 * The users of a list page as a dense table (a stacked card list below 640 px), with row selection,
 * "select all N matching", and the bulk actions the viewer may use. Every action confirms with the
 * count, then reports in a toast; focus goes back to the row's control, or near it when the row is gone
 * (the confirm dialog sees to that).
 */
export function UserList({ variant, base, rows, total, environmentId, readAt, params, can, roles, environments }: UserListProps) {
  const [selected, setSelected] = useState<string[]>([]);
  const [allMatching, setAllMatching] = useState(false);
  const [dialog, setDialog] = useState<{ kind: Kind; target: Target } | null>(null);
  // The server refused what the dialog's field holds (a reason, a role, an environment): said there.
  const [refusal, setRefusal] = useState<{ message: string } | null>(null);
  // Whether a dialog is still open when the server answers (Close stays offered while it works).
  const dialogOpen = useRef(false);
  useEffect(() => {
    dialogOpen.current = dialog !== null;
  }, [dialog]);
  const [pending, startTransition] = useTransition();
  const toast = useToast();
  const router = useRouter();

  // All Users offers Unlock too: a Locked badge in the list should not send the manager to another tab.
  const kinds: Kind[] = (variant === 'locked' ? (['unlock', 'reset'] as Kind[]) : (['unlock', 'ban', 'reset', 'role', 'addEnvironment', 'removeEnvironment'] as Kind[])).filter((k) =>
    k === 'ban' ? can.ban : k === 'unlock' || k === 'reset' ? can.unlock : can.write,
  );
  const selectable = kinds.length > 0;
  const pageIds = rows.map((r) => r.id);
  const allOnPage = rows.length > 0 && pageIds.every((id) => selected.includes(id));
  const toggle = (id: string) => {
    setAllMatching(false);
    setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  };
  // Some of the page chosen, not all: the page's box shows (and says) "mixed", as native checkboxes do.
  const partlyOnPage = !allOnPage && pageIds.some((id) => selected.includes(id));
  const markPartly = (input: HTMLInputElement | null) => {
    if (input) input.indeterminate = partlyOnPage;
  };
  const toolbar = useRef<HTMLDivElement>(null);
  // The button goes away with the choice: focus moves on to the first thing to do with it, not to the page body.
  const selectAllMatching = () => {
    flushSync(() => setAllMatching(true));
    toolbar.current?.querySelector<HTMLElement>('[data-bulk-action]')?.focus();
  };
  const togglePage = () => {
    setAllMatching(false);
    setSelected(allOnPage ? [] : pageIds);
  };
  const currentTarget = (): Target =>
    allMatching ? { scope: 'matching', count: total.count } : { scope: 'selection', ids: selected, label: selected.length === 1 ? (rows.find((r) => r.id === selected[0])?.email ?? '1 user') : users(selected.length) };
  const rowTarget = (row: UserRow): Target => ({ scope: 'selection', ids: [row.id], label: row.email });
  // While an action runs its buttons stay focusable (aria-disabled, not disabled): a dialog closed
  // meanwhile gives focus back to its opener rather than to the page body. They open nothing until it ends.
  const openDialog = (kind: Kind, target: Target) => {
    if (pending) return;
    setRefusal(null);
    setDialog({ kind, target });
  };

  const run = (kind: Kind, target: Target, fields: Record<string, string>) => {
    const data = new FormData();
    data.set('kind', kind);
    data.set('scope', target.scope);
    data.set('listEnvironmentId', environmentId);
    if (target.scope === 'selection') for (const id of target.ids) data.append('userIds', id);
    else {
      for (const [k, v] of Object.entries(params)) if (v && ['q', 'status', 'role', 'env', 'tag', 'idle'].includes(k)) data.set(k, v);
      data.set('readAt', readAt);
    }
    if (variant === 'locked') data.set('status', 'locked');
    for (const [k, v] of Object.entries(fields)) data.set(k, v);
    startTransition(async () => {
      const result = await bulkUsersAction(idle, data);
      // Refused before any user was changed, over the value the manager gave: fixed in the dialog.
      const name = { ban: 'reason', role: 'roleId', addEnvironment: 'environmentId', removeEnvironment: 'environmentId', unlock: null, reset: null }[kind];
      const field = result.status === 'error' && name ? result.fieldErrors?.[name]?.[0] : undefined;
      if (field && dialogOpen.current) return setRefusal({ message: field });
      setDialog(null);
      if (result.status === 'error') toast(result.message, { tone: 'error' });
      else if (result.status === 'success') {
        toast(result.message, { tone: 'success' });
        setSelected([]);
        setAllMatching(false);
        router.refresh();
      }
    });
  };

  const sortHeader = (key: string, label: string, className?: string) => {
    const active = params.sort === key;
    const dir = params.dir;
    const nextDir = active && dir === 'asc' ? 'desc' : 'asc';
    const Icon = active ? (dir === 'asc' ? ChevronUp : ChevronDown) : ChevronsUpDown;
    return (
      <Th className={className} aria-sort={active ? (dir === 'asc' ? 'ascending' : 'descending') : undefined}>
        <ListLink
          href={listHref(base, params, { sort: key, dir: nextDir })}
          data-sort-key={key}
          focusTarget={`table [data-sort-key="${key}"]`}
          className="inline-flex items-center gap-1 hover:text-slate-900"
        >
          {label}
          {/* The sorted column's arrow is the only sign of the order: dark enough to read (3:1 and more). */}
          <Icon aria-hidden className={active ? 'size-3.5 text-slate-700' : 'size-3.5 text-slate-400'} />
          <span className="sr-only">, sort {nextDir === 'asc' ? 'ascending' : 'descending'}</span>
        </ListLink>
      </Th>
    );
  };

  const rowMenu = (row: UserRow) => (
    <RowMenu label={`Actions for ${row.firstName} ${row.lastName}`}>
      <DropdownMenuItem asChild>
        <Link href={`/users/${row.id}`}><UserRound aria-hidden className="size-4 text-slate-500" />Open profile</Link>
      </DropdownMenuItem>
      {kinds.filter((k) => rowAllows(k, row)).length > 0 && <DropdownMenuSeparator />}
      {kinds
        .filter((k) => rowAllows(k, row))
        .map((k) => {
          const { icon: Icon, label, danger } = ACTIONS[k];
          return (
            <DropdownMenuItem key={k} danger={danger} onSelect={() => openDialog(k, rowTarget(row))}>
              <Icon aria-hidden className="size-4" />
              {label}
            </DropdownMenuItem>
          );
        })}
    </RowMenu>
  );

  const count = allMatching ? total.count : selected.length;
  const layout = LIST_LAYOUT[variant];

  return (
    <div className="@container space-y-2">
      {selectable && (
        <div ref={toolbar} role="group" aria-label="Selected users" className="flex min-h-10 flex-wrap items-center gap-2 rounded-md bg-slate-100/80 px-2 py-1 text-sm">
          <Checkbox aria-label={allOnPage ? 'Clear the selection of this page' : 'Select every user on this page'} checked={allOnPage} ref={markPartly} onChange={togglePage} className={layout.cards} />
          <span className="px-1 text-slate-700 tabular-nums" aria-live="polite">
            {allMatching ? allMatchingSelected(total.count, total.exact) : selected.length ? `${number.format(selected.length)} selected` : 'Select users to act on several at once'}
          </span>
          {allOnPage && !allMatching && total.count > rows.length && (
            <Button variant="ghost" size="sm" className="text-indigo-700" onClick={selectAllMatching}>
              Select all {countOf(total.count, total.exact)} matching
            </Button>
          )}
          {count > 0 && variant === 'locked' && (
            <>
              {kinds.map((k) => (
                <Button key={k} data-bulk-action variant="secondary" size="sm" aria-disabled={pending || undefined} onClick={() => openDialog(k, currentTarget())}>
                  {ACTIONS[k].verb} {allMatching ? (total.exact ? `all ${number.format(total.count)}` : `all (about ${number.format(total.count)})`) : 'selected'}
                </Button>
              ))}
              <Button variant="ghost" size="sm" onClick={() => { setSelected([]); setAllMatching(false); }}>
                Clear selection
              </Button>
            </>
          )}
          {count > 0 && variant === 'all' && (
            <>
              <DropdownMenu modal={false}>
                <DropdownMenuTrigger asChild>
                  <Button data-bulk-action variant="secondary" size="sm" disabled={pending}>
                    Actions <ChevronDown aria-hidden className="size-4" />
                  </Button>
                </DropdownMenuTrigger>
                <DropdownMenuContent align="start">
                  {kinds.map((k) => {
                    const { icon: Icon, label, danger } = ACTIONS[k];
                    return (
                      <DropdownMenuItem key={k} danger={danger} onSelect={() => openDialog(k, currentTarget())}>
                        <Icon aria-hidden className="size-4" />
                        {label}
                      </DropdownMenuItem>
                    );
                  })}
                </DropdownMenuContent>
              </DropdownMenu>
              <Button variant="ghost" size="sm" onClick={() => { setSelected([]); setAllMatching(false); }}>
                Clear selection
              </Button>
            </>
          )}
        </div>
      )}

      <div className={layout.table}>
        <Table>
          <caption className="sr-only">{variant === 'locked' ? 'Locked users' : 'Users'}</caption>
          <thead>
            <tr>
              {selectable && (
                <Th className="w-12">
                  <Checkbox aria-label={allOnPage ? 'Clear the selection of this page' : 'Select every user on this page'} checked={allOnPage} ref={markPartly} onChange={togglePage} />
                </Th>
              )}
              {/* Name and Email share what the fixed columns leave; those appear only where they still do. */}
              {sortHeader('name', 'Name')}
              {variant === 'all' ? sortHeader('email', 'Email') : <Th>Email</Th>}
              {variant === 'all' ? (
                <>
                  <Th className="w-40">Role</Th>
                  <Th className="w-24">Status</Th>
                  <Th className="hidden w-40 @min-[70rem]:table-cell">Environments</Th>
                  {sortHeader('lastSignIn', 'Last sign-in', 'hidden w-52 @min-[60rem]:table-cell')}
                  <Th className="hidden w-40 @min-[78rem]:table-cell">Tags</Th>
                </>
              ) : (
                <>
                  <Th className="hidden w-52 @min-[68rem]:table-cell">Reason</Th>
                  {sortHeader('lockedAt', 'Locked since', 'w-48')}
                  <Th className="w-30 text-right">Failed attempts</Th>
                </>
              )}
              <Th className={variant === 'locked' ? 'w-44' : 'w-14'}><span className="sr-only">Actions</span></Th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const name = variant === 'locked' ? `${row.firstName} ${row.lastName}` : `${row.lastName}, ${row.firstName}`;
              const isSelected = allMatching || selected.includes(row.id);
              return (
                <Tr key={row.id} selected={isSelected}>
                  {selectable && (
                    <Td className="w-12 text-clip">
                      <Checkbox aria-label={`Select ${row.firstName} ${row.lastName}, ${row.email}`} checked={isSelected} onChange={() => toggle(row.id)} />
                    </Td>
                  )}
                  <Td className="font-medium" title={name}>
                    <Link href={`/users/${row.id}`} className={cn('text-slate-900 hover:text-indigo-700 hover:underline', variant === 'locked' && 'block truncate')}><PersonName first={row.firstName} last={row.lastName} lastFirst={variant !== 'locked'} /></Link>
                    {/* Until there is room for the Reason column, why they are locked is said under the name. */}
                    {variant === 'locked' && (
                      <span className="block truncate text-xs font-normal text-slate-600 @min-[68rem]:hidden">{row.lockReason ? LOCK_REASONS[row.lockReason] : 'Reason unknown'}</span>
                    )}
                  </Td>
                  <Td title={row.email}><bdi>{row.email}</bdi></Td>
                  {variant === 'all' ? (
                    <>
                      <Td title={row.roleName}>{row.roleName}</Td>
                      <Td><StatusBadge status={row.status} /></Td>
                      <Td className="hidden @min-[70rem]:table-cell" title={row.allEnvironments ? 'All environments' : environmentsText(row)}>
                        {row.allEnvironments ? 'All' : environmentsText(row) || <span className="text-slate-500">None</span>}
                      </Td>
                      <Td className="hidden @min-[60rem]:table-cell"><LocalTime value={row.lastSignInAt} compact /></Td>
                      <Td className="hidden text-xs @min-[78rem]:table-cell" title={row.tags.map((t) => `${t.name}=${t.value}`).join(', ')}>
                        {row.tags.map((t) => `${t.name}=${t.value}`).join(', ')}
                      </Td>
                      <Td className="text-right">{rowMenu(row)}</Td>
                    </>
                  ) : (
                    <>
                      <Td className="hidden @min-[68rem]:table-cell">{row.lockReason ? LOCK_REASONS[row.lockReason] : 'Unknown'}</Td>
                      <Td><LocalTime value={row.lockedAt} compact fallback="Unknown" /></Td>
                      <Td className="text-right tabular-nums">{row.failedAttempts}</Td>
                      <Td className="text-right">
                        {can.unlock && row.changeable && (
                          <span className="inline-flex gap-1.5">
                            <Button size="sm" variant="secondary" aria-disabled={pending || undefined} onClick={() => openDialog('unlock', rowTarget(row))} aria-label={`Unlock ${row.email}`}>Unlock</Button>
                            <Button size="sm" variant="ghost" aria-disabled={pending || undefined} onClick={() => openDialog('reset', rowTarget(row))} aria-label={`Reset ${row.email}`}>Reset</Button>
                          </span>
                        )}
                      </Td>
                    </>
                  )}
                </Tr>
              );
            })}
          </tbody>
        </Table>
      </div>

      <ul className={`divide-y divide-slate-100 rounded-lg bg-white ring-1 ring-slate-200 ${layout.cards}`} aria-label={variant === 'locked' ? 'Locked users' : 'Users'}>
        {rows.map((row) => {
          const isSelected = allMatching || selected.includes(row.id);
          return (
            <li key={row.id} className={`flex items-center gap-2 px-2 py-2 ${isSelected ? 'bg-indigo-50/60' : ''}`}>
              {selectable && <Checkbox aria-label={`Select ${row.firstName} ${row.lastName}, ${row.email}`} checked={isSelected} onChange={() => toggle(row.id)} />}
              <div className="min-w-0 flex-1">
                {/* Long names and emails wrap: a phone has no tooltip to show what truncation hid, and two
                    addresses that differ only at the end must not look alike. */}
                <Link href={`/users/${row.id}`} className="block text-sm font-medium text-slate-900 [overflow-wrap:anywhere]"><PersonName first={row.firstName} last={row.lastName} /></Link>
                <p className="text-xs text-slate-600 [overflow-wrap:anywhere]"><bdi>{row.email}</bdi></p>
                {variant === 'locked' && (
                  <>
                    <p className="text-xs text-slate-600">{lockLine(row)}</p>
                    <p className="text-xs text-slate-600">
                      Locked since <LocalTime value={row.lockedAt} compact fallback="unknown" />
                    </p>
                    {can.unlock && row.changeable && (
                      <span className="mt-1.5 flex gap-1.5">
                        <Button size="sm" variant="secondary" aria-disabled={pending || undefined} onClick={() => openDialog('unlock', rowTarget(row))} aria-label={`Unlock ${row.email}`}>Unlock</Button>
                        <Button size="sm" variant="ghost" aria-disabled={pending || undefined} onClick={() => openDialog('reset', rowTarget(row))} aria-label={`Reset ${row.email}`}>Reset</Button>
                      </span>
                    )}
                  </>
                )}
              </div>
              {variant === 'all' && <StatusBadge status={row.status} />}
              {rowMenu(row)}
            </li>
          );
        })}
      </ul>

      {dialog && (
        <BulkDialog
          key={`${dialog.kind}-${dialog.target.scope}`}
          kind={dialog.kind}
          target={dialog.target}
          exact={total.exact}
          pending={pending}
          roles={roles}
          environments={environments}
          refusal={refusal}
          onEdit={() => setRefusal(null)}
          onCancel={() => { setDialog(null); setRefusal(null); }}
          onConfirm={(fields) => run(dialog.kind, dialog.target, fields)}
        />
      )}
    </div>
  );
}

/** The environments the viewer may name, then how many others (lib/users/scope.ts environmentsSeenBy). */
const environmentsText = (row: UserRow) => [...row.environments, ...(row.otherEnvironments ? [otherEnvironmentsLabel(row.otherEnvironments)] : [])].join(', ');

/** A card's reason line: the count says it where it is the reason ("10 failed attempts"), not twice. */
function lockLine(row: UserRow) {
  const attempts = `${row.failedAttempts} failed ${row.failedAttempts === 1 ? 'attempt' : 'attempts'}`;
  if (row.lockReason === 'failed_attempts' && row.failedAttempts > 0) return attempts;
  const reason = row.lockReason ? LOCK_REASONS[row.lockReason] : 'Locked';
  return row.failedAttempts > 0 ? `${reason} · ${attempts}` : reason;
}

function rowAllows(kind: Kind, row: UserRow) {
  // A user the viewer may not change (a higher role, other environments): every action would be refused.
  if (!row.changeable) return false;
  if (row.self) return false;
  if (kind === 'ban') return row.status !== 'banned';
  if (kind === 'unlock') return row.status === 'locked';
  if (kind === 'reset') return row.status === 'locked' || row.status === 'active';
  if (kind === 'addEnvironment' || kind === 'removeEnvironment') return !row.allEnvironments;
  return true;
}

function BulkDialog({
  kind,
  target,
  exact,
  pending,
  roles,
  environments,
  refusal,
  onEdit,
  onCancel,
  onConfirm,
}: {
  kind: Kind;
  target: Target;
  exact: boolean;
  pending: boolean;
  roles: Option[];
  environments: Option[];
  refusal: { message: string } | null;
  /** The field changed: a refusal of what it held no longer applies. */
  onEdit: () => void;
  onCancel: () => void;
  onConfirm: (fields: Record<string, string>) => void;
}) {
  const [reason, setReason] = useState('');
  const [choice, setChoice] = useState('');
  const [error, setError] = useState<string | null>(null);
  const action = ACTIONS[kind];
  const { title, confirmLabel } = bulkWording(kind, target, exact);
  const one = target.scope === 'selection' && target.ids.length === 1;
  const many = (target.scope === 'selection' ? target.ids.length : target.count) > 100;
  const fieldId = `bulk-${kind}-field`;
  // The missing value's field takes focus, as on the profile's Ban, so the error is read where it is fixed.
  const refuse = (message: string) => {
    setError(message);
    document.getElementById(fieldId)?.focus();
  };
  useEffect(() => {
    if (refusal) document.getElementById(fieldId)?.focus();
  }, [refusal, fieldId]);
  const shown = error ?? refusal?.message ?? null;
  const edited = () => {
    setError(null);
    onEdit();
  };
  const confirm = () => {
    if (kind === 'ban' && !reason.trim()) return refuse(one ? 'Give a reason: it is kept in their history.' : 'Give a reason: it is kept in each user\'s history.');
    if (kind === 'role' && !choice) return refuse('Choose a role.');
    if ((kind === 'addEnvironment' || kind === 'removeEnvironment') && !choice) return refuse('Choose an environment.');
    onConfirm(kind === 'ban' ? { reason } : kind === 'role' ? { roleId: choice } : kind === 'unlock' || kind === 'reset' ? {} : { environmentId: choice });
  };
  return (
    <ConfirmDialog
      open
      onOpenChange={(open) => !open && onCancel()}
      title={title}
      description={typeof action.says === 'function' ? action.says(one) : action.says}
      confirmLabel={pending ? 'Working…' : confirmLabel}
      tone={action.danger ? 'danger' : 'primary'}
      pending={pending}
      onConfirm={confirm}
    >
      {kind === 'ban' && (
        <div className="mt-4 space-y-1">
          <label htmlFor={fieldId} className="block text-sm font-medium text-slate-800">Reason</label>
          <textarea id={fieldId} value={reason} onChange={(e) => { setReason(e.target.value); edited(); }} rows={3} className={inputClass} aria-invalid={shown ? true : undefined} aria-describedby={`${fieldId}-help ${fieldId}-error`} />
          <p id={`${fieldId}-help`} className="text-xs text-slate-600">{one ? 'Kept in their history.' : 'Kept in each user\'s history.'}</p>
        </div>
      )}
      {(kind === 'role' || kind === 'addEnvironment' || kind === 'removeEnvironment') && (
        <div className="mt-4 space-y-1">
          <label id={`${fieldId}-label`} className="block text-sm font-medium text-slate-800">{kind === 'role' ? 'New role' : 'Environment'}</label>
          <Select
            id={fieldId}
            aria-labelledby={`${fieldId}-label`}
            value={choice}
            onValueChange={(v) => { setChoice(v); edited(); }}
            placeholder={kind === 'role' ? 'Choose a role' : 'Choose an environment'}
            options={(kind === 'role' ? roles : environments).map((o) => ({ value: o.id, label: o.name }))}
            invalid={Boolean(shown)}
            describedBy={`${fieldId}-error`}
          />
        </div>
      )}
      <div role="alert" className="mt-1">
        <FieldErrors id={`${fieldId}-error`} errors={shown ? [shown] : undefined} />
      </div>
      {/* Each batch commits as it goes and the server carries on without the browser: say so, not "Cancel". */}
      <p role="status" className="mt-3 text-sm text-slate-700 empty:hidden">
        {pending && `Under way: closing this does not stop it, and the result appears on this page when it is done.${many ? ' Thousands of users can take several minutes.' : ''}`}
      </p>
    </ConfirmDialog>
  );
}
