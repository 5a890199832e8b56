// Audit events as sentences people read: names instead of ids and emails where known, field labels
// instead of column keys, human values instead of JSON, grouped by day. One renderer for the profile
// history and the audit log screen, so neither ever shows an event code.
import { isPermission } from '@/lib/auth/permissions';
import { PERMISSION_HELP } from '@/lib/roles/permission-help';
import type { AuditEvent } from '@/db/schema';

export type DescribedEvent = {
  id: number;
  at: Date;
  sentence: string;
  changes: { field: string; before: string; after: string }[];
};

export type DescribeOptions = {
  /** The user whose history is shown: sentences then say "the role" instead of "Sam Lee's role". */
  about?: string;
};

type Names = ReadonlyMap<string, string>;

/** The end of a new user's audit detail when no invitation went with their creation (an import that sent none). */
export const NO_INVITATION = '; no invitation sent';

const FIELD_LABELS: Record<string, string> = {
  email: 'email',
  firstName: 'first name',
  lastName: 'last name',
  name: 'name',
  role: 'role',
  tags: 'tags',
  status: 'status',
  environments: 'environments',
  lockReason: 'lock reason',
  requirePasswordChange: 'password change at next sign-in',
  // Security settings
  lockoutThreshold: 'failed attempts before lock',
  autoUnlockMinutes: 'automatic unlock (minutes)',
  passwordMinLength: 'minimum password length',
  requireLowercase: 'lowercase letter required',
  requireUppercase: 'uppercase letter required',
  requireDigit: 'digit required',
  requireSymbol: 'symbol required',
  rejectCommonPasswords: 'common passwords rejected',
  passwordMaxAgeDays: 'password maximum age (days)',
  passwordWarningDays: 'expiry warning (days)',
  inactivityDays: 'inactivity before inactivation (days)',
  invitationLifetimeDays: 'invitation link lifetime (days)',
  resetLifetimeMinutes: 'reset link lifetime (minutes)',
};

const STATUS_LABELS: Record<string, string> = {
  invited: 'Invited',
  active: 'Active',
  locked: 'Locked',
  inactive: 'Inactive',
  banned: 'Banned',
};

const LOCK_REASONS: Record<string, string> = { failed_attempts: 'too many failed sign-ins', password_expired: 'password expired' };

/** A key the table does not know still reads as words: `passwordMaxAge` -> "password max age". */
/** What each action is called in the audit log's filter: plain words, never the event code. */
const ACTION_LABELS: Record<string, string> = {
  'api_user.created': 'API user created',
  'api_user.deleted': 'API user deleted',
  'api_user.expiry_warned': 'API user expiry warning sent',
  'api_user.revoked': 'API user revoked',
  'api_user.suspended': 'API user stopped (its person inactive)',
  'api_user.token_issued': 'API token issued',
  'audit.purged': 'Audit events purged',
  'audit.retention_changed': 'Audit retention changed',
  'auth.sign_in': 'Signed in',
  'auth.sign_in_failed': 'Sign-in failed',
  'auth.sign_in_rate_limited': 'Sign-in rate limited',
  'auth.sign_in_refused': 'Sign-in refused',
  'environment.archived': 'Environment archived',
  'environment.created': 'Environment created',
  'environment.deleted': 'Environment deleted',
  'environment.renamed': 'Environment renamed',
  'environment.restored': 'Environment restored',
  'import.completed': 'Import completed',
  'import.failed': 'Import failed',
  'import.cancelled': 'Import cancelled',
  'import.cancel_requested': 'Import cancellation requested',
  'mail.cancelled': 'Email cancelled',
  'mail.retried': 'Email sent again',
  'organization.setup': 'Organization set up',
  'role.created': 'Role created',
  'role.deleted': 'Role deleted',
  'role.updated': 'Role changed',
  'settings.security_updated': 'Security settings changed',
  'user.activated': 'User activated',
  'user.administrator_granted': 'Administrator granted (break-glass)',
  'user.banned': 'User banned',
  'user.created': 'User added',
  'user.credentials_sent': 'Sign-in details sent',
  'user.inactivated': 'User made inactive',
  'user.invitation_sent': 'Invitation sent',
  'user.lock_withheld': 'Lock withheld (last Administrator)',
  'user.locked': 'User locked',
  'user.password_changed': 'Password changed',
  'user.reset': 'User reset',
  'user.reset_requested': 'Password reset requested',
  'user.reset_request_limited': 'Password reset refused (too many)',
  'user.role_changed': 'Role of a user changed',
  'user.unlocked': 'User unlocked',
  'user.updated': 'User details changed',
  'user.validated': 'User validated',
};

/** An action's name for people; an action without its own label reads "Kind: verb". */
export function actionLabel(action: string): string {
  const known = ACTION_LABELS[action];
  if (known) return known;
  const [kind = '', verb = ''] = action.split('.');
  return `${capitalize(fieldLabel(kind))}: ${fieldLabel(verb)}`;
}

export function fieldLabel(key: string): string {
  return FIELD_LABELS[key] ?? key.replace(/[_.]+/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().trim();
}

function capitalize(text: string) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Any stored value as text a person reads: no quotes, no braces. */
export function valueText(field: string, value: unknown, names?: Names): string {
  if (value === null || value === undefined || value === '') return 'none';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (field === 'status' && typeof value === 'string') return STATUS_LABELS[value] ?? value;
  if (field === 'lockReason' && typeof value === 'string') return LOCK_REASONS[value] ?? value;
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    return value
      .map((item) => {
        if (item && typeof item === 'object' && 'name' in item) {
          const tag = item as { name: unknown; value?: unknown };
          return tag.value === undefined || tag.value === '' ? String(tag.name) : `${String(tag.name)}=${String(tag.value)}`;
        }
        if (field === 'permissions' && typeof item === 'string' && isPermission(item)) return PERMISSION_HELP[item].label;
        return typeof item === 'string' ? (names?.get(item) ?? item) : valueText(field, item, names);
      })
      .join(', ');
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${fieldLabel(k)} ${valueText(k, v, names)}`)
      .join(', ');
  if (typeof value === 'string') return names?.get(value) ?? value;
  return String(value);
}

function actorName(event: AuditEvent, names?: Names): string {
  if (event.actorType === 'system') return 'Userdesk';
  if (event.actorType === 'anonymous') return 'Someone';
  return (event.actorId && names?.get(event.actorId)) || event.actorLabel;
}

function targetName(event: AuditEvent, names?: Names): string {
  return (event.targetId && names?.get(event.targetId)) || event.targetLabel || 'a user';
}

function fromIp(event: AuditEvent) {
  return event.ip ? ` from ${event.ip}` : '';
}

function describeChanges(event: AuditEvent, names?: Names) {
  return Object.entries(event.changes ?? {}).map(([key, change]) => ({
    field: capitalize(fieldLabel(key)),
    before: valueText(key, change.before, names),
    after: valueText(key, change.after, names),
  }));
}

/** "Dana Whitfield changed the role from User to Account Manager" / "... Sam Lee's name, email and tags". */
function changeSentence(actor: string, whose: string, event: AuditEvent, names?: Names) {
  const entries = Object.entries(event.changes ?? {});
  if (entries.length === 0) return `${actor} saved without changes`;
  if (entries.length === 1) {
    const [key, change] = entries[0]!;
    return `${actor} changed ${whose} ${fieldLabel(key)} from ${valueText(key, change.before, names)} to ${valueText(key, change.after, names)}`;
  }
  const labels = entries.map(([key]) => fieldLabel(key));
  return `${actor} changed ${whose} ${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`;
}

function sentenceOf(event: AuditEvent, names: Names | undefined, options: DescribeOptions): string {
  const actor = actorName(event, names);
  const target = targetName(event, names);
  const aboutTarget = options.about !== undefined && options.about === event.targetId;
  const selfAct = event.actorId !== null && event.actorId === event.targetId;
  // "the" when the page is about the target, otherwise the possessive of their name.
  const whose = aboutTarget ? 'the' : `${target}'s`;
  const whom = target;
  const detail = event.detail?.trim();

  switch (event.action) {
    case 'organization.setup': {
      const name = detail?.match(/"(.+)"/)?.[1];
      return name ? `${actor} set up the organization ${name}` : `${actor} set up the organization`;
    }
    case 'user.created': {
      const role = event.changes?.role?.after;
      const as = role ? ` as ${valueText('role', role, names)}` : '';
      if (selfAct) return `${actor} created their own account${as} when setting up the organization`;
      // Invited, and told: not a user created with a password (API), nor one imported without invitations.
      const invited = event.changes?.status?.after === 'invited' && !detail?.endsWith(NO_INVITATION);
      return `${actor} added ${whom}${as}${invited ? ' and sent an invitation' : ''}`;
    }
    case 'user.updated':
    case 'user.role_changed':
      return changeSentence(actor, selfAct && !aboutTarget ? 'their' : whose, event, names);
    case 'user.banned':
      return detail ? `${actor} banned ${whom}, giving the reason “${detail}”` : `${actor} banned ${whom}`;
    case 'user.validated': {
      const after = event.changes?.status?.after;
      // Validate gives back what the ban covered: a lock under it stays (lib/users/update.ts validateUser).
      if (after === 'invited') return `${actor} lifted the ban on ${whom}, who must accept a new invitation`;
      if (after === 'locked') return `${actor} lifted the ban on ${whom}, who is still locked`;
      return `${actor} lifted the ban on ${whom} and restored access`;
    }
    case 'user.unlocked':
      return event.actorType === 'system' ? `${capitalize(whom)} was unlocked automatically after the lockout period` : `${actor} unlocked ${whom}`;
    case 'user.reset':
      return `${actor} reset the password of ${whom} and emailed a link to choose a new one`;
    case 'user.invitation_sent':
      return `${actor} sent a new invitation to ${whom}`;
    case 'user.activated':
      return `${capitalize(whom)} accepted the invitation and set a password`;
    case 'user.password_changed':
      if (!selfAct) return `${actor} changed the password of ${whom}`;
      if (detail?.includes('reset link')) return `${capitalize(whom)} chose a new password from a reset link`;
      if (detail?.includes('invitation')) return `${capitalize(whom)} set a password from the invitation link`;
      return `${capitalize(whom)} changed their password`;
    case 'user.reset_requested':
      return `${capitalize(whom)} asked for a password reset link${fromIp(event)}`;
    case 'user.reset_request_limited':
      return `A password reset for ${whom}${fromIp(event)} was refused: too many reset links for that account in the last hour`;
    case 'user.locked': {
      if (detail?.toLowerCase().includes('expired')) return `${capitalize(whom)} was locked because the password expired`;
      const count = detail?.match(/(\d+)/)?.[1];
      return count ? `${capitalize(whom)} was locked after ${count} failed sign-ins` : `${capitalize(whom)} was locked`;
    }
    case 'user.lock_withheld': {
      const count = detail?.match(/(\d+)/)?.[1];
      return `${capitalize(whom)} was not locked${count ? ` after ${count} failed sign-ins` : ''}: the last active Administrator`;
    }
    case 'user.inactivated': {
      const days = detail?.match(/(\d+)/)?.[1];
      if (event.actorType === 'system') return days ? `${capitalize(whom)} was made inactive after ${days} days without signing in` : `${capitalize(whom)} was made inactive`;
      return `${actor} made ${whom} inactive`;
    }
    case 'auth.sign_in':
      return `${capitalize(whom)} signed in${fromIp(event)}`;
    case 'auth.sign_in_failed': {
      if (!event.targetId) {
        const email = detail?.replace(/^Unknown email\s*/i, '');
        return `Failed sign-in for an unknown email${email ? ` (${email})` : ''}${fromIp(event)}`;
      }
      return aboutTarget ? `Failed sign-in with a wrong password${fromIp(event)}` : `Failed sign-in to ${whom} with a wrong password${fromIp(event)}`;
    }
    case 'auth.sign_in_refused': {
      const why = detail?.replace(/^Account is\s*/i, '').trim();
      return `${capitalize(whom)} was refused sign-in because the account is ${why || 'not active'}${fromIp(event)}`;
    }
    case 'auth.sign_in_rate_limited':
      return `A sign-in${fromIp(event)} was refused: too many failed attempts from that address`;
    case 'settings.security_updated':
      return changeSentence(actor, 'the security settings:', event, names);
  }
  const later = step6Sentence(event, actor, target) ?? integrationSentence(event, actor, target);
  if (later) return later;
  // An action this renderer does not know yet still reads as words, never as its code.
  const [kind = '', verb = ''] = event.action.split('.');
  const what = fieldLabel(verb || kind);
  const object = event.targetId || event.targetLabel ? ` ${whom}` : kind && verb ? ` (${fieldLabel(kind)})` : '';
  return `${actor} ${what}${object}`;
}

export function describeAuditEvent(event: AuditEvent, names?: Names, options: DescribeOptions = {}): DescribedEvent {
  return { id: event.id, at: event.at, sentence: sentenceOf(event, names, options), changes: describeChanges(event, names) };
}

/**
 * Describes a page of events (newest first) and collapses runs of failed sign-ins of the same target
 * from the same address into one line: "3 failed sign-ins from 203.0.113.9".
 */
export function describeAuditEvents(events: AuditEvent[], names?: Names, options: DescribeOptions = {}): DescribedEvent[] {
  const out: DescribedEvent[] = [];
  let run: { first: AuditEvent; count: number } | null = null;
  const flush = () => {
    if (!run) return;
    if (run.count === 1) out.push(describeAuditEvent(run.first, names, options));
    else {
      const e = run.first;
      const onWhom = e.targetId ? (options.about === e.targetId ? '' : ` to ${targetName(e, names)}`) : ' with unknown emails';
      out.push({ id: e.id, at: e.at, sentence: `${run.count} failed sign-ins${onWhom}${fromIp(e)}`, changes: [] });
    }
    run = null;
  };
  for (const event of events) {
    if (event.action === 'auth.sign_in_failed') {
      if (run && run.first.targetId === event.targetId && run.first.ip === event.ip && sameDay(run.first.at, event.at)) {
        run.count++;
        continue;
      }
      flush();
      run = { first: event, count: 1 };
      continue;
    }
    flush();
    out.push(describeAuditEvent(event, names, options));
  }
  flush();
  return out;
}

function sameDay(a: Date, b: Date) {
  return a.toISOString().slice(0, 10) === b.toISOString().slice(0, 10);
}

/** Groups events (already in display order) by calendar day in the given time zone; `day` is "Monday, 3 March 2025". */
export function groupByDay<T extends { at: Date }>(events: T[], timeZone = 'UTC'): { day: string; events: T[] }[] {
  const format = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone });
  const groups: { day: string; events: T[] }[] = [];
  for (const event of events) {
    const day = format.format(event.at);
    const last = groups.at(-1);
    if (last && last.day === day) last.events.push(event);
    else groups.push({ day, events: [event] });
  }
  return groups;
}

// --- Step 6 (issue 11): roles, environments, audit retention ---
function step6Sentence(event: AuditEvent, actor: string, target: string): string | null {
  const detail = event.detail?.trim();
  switch (event.action) {
    case 'role.created':
      return `${actor} created the role ${target}`;
    case 'role.updated': {
      const labels = Object.keys(event.changes ?? {}).map(fieldLabel);
      const what = labels.length > 1 ? `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}` : (labels[0] ?? 'settings');
      return `${actor} changed the ${what} of the role ${target}${detail ? `; ${detail.replace(/\.$/, '').toLowerCase()}` : ''}`;
    }
    case 'role.deleted':
      return `${actor} deleted the role ${target}`;
    case 'environment.created':
      return `${actor} added the environment ${target}`;
    case 'environment.renamed': {
      const before = event.changes?.name?.before;
      return before ? `${actor} renamed the environment ${String(before)} to ${target}` : `${actor} renamed the environment ${target}`;
    }
    case 'environment.archived':
      return `${actor} archived the environment ${target}`;
    case 'environment.restored':
      return `${actor} restored the environment ${target}`;
    case 'environment.deleted':
      return `${actor} deleted the environment ${target}`;
    case 'audit.retention_changed': {
      const after = Number(event.changes?.retentionDays?.after ?? 0);
      return after > 0 ? `${actor} set the audit log to keep events for ${after} days` : `${actor} set the audit log to keep events forever`;
    }
    case 'audit.purged': {
      const count = detail?.match(/^(\d+)/)?.[1] ?? 'old';
      return `${actor} purged ${count} audit events past the retention period`;
    }
  }
  return null;
}

// --- Imports, API users, the outbox and break-glass (issues 7, 9, 10, 13) ---
function integrationSentence(event: AuditEvent, actor: string, target: string): string | null {
  const detail = event.detail?.trim();
  const created = Number(event.changes?.created?.after ?? 0);
  const updated = Number(event.changes?.updated?.after ?? 0);
  const counts = `${created} ${created === 1 ? 'user' : 'users'} added, ${updated} updated`;
  switch (event.action) {
    case 'import.completed':
      return `${actor} imported ${target}: ${counts}`;
    case 'import.cancel_requested':
      return detail?.startsWith('Cancelled before')
        ? `${actor} cancelled the import of ${target} before it started`
        : `${actor} asked to cancel the import of ${target}: it stops after the batch being written`;
    case 'import.cancelled':
      // The actor is whose import it was; who cancelled it is the event before (import.cancel_requested).
      return `The import of ${target} by ${actor} stopped when cancelled (${counts} before it stopped)`;
    case 'import.failed':
      return `The import of ${target} by ${actor} failed (${counts}, kept in whole batches)`;
    case 'api_user.created':
      return `${actor} created the API user ${target}`;
    case 'api_user.revoked':
      return `${actor} revoked the API user ${target}: its key and tokens no longer work`;
    case 'api_user.deleted':
      return `${actor} deleted the API user ${target}`;
    case 'api_user.suspended':
      return `The API user ${target} stopped working: ${detail ? detail.charAt(0).toLowerCase() + detail.slice(1) : 'its person is no longer active'}. It works again once they are active`;
    case 'api_user.token_issued':
      return `The API user ${target} exchanged its key for a session token${fromIp(event)}`;
    case 'api_user.expiry_warned': {
      const date = detail?.match(/(\d{4}-\d{2}-\d{2})/)?.[1];
      return `The Administrators were warned that the API user ${target} expires${date ? ` on ${date}` : ' soon'}`;
    }
    case 'user.credentials_sent':
      return `${actor} emailed ${target} their sign-in details with a link to choose a password`;
    case 'user.administrator_granted':
      return `An operator made ${target} an active Administrator from the command line (break-glass)`;
    case 'mail.retried':
      return `${actor} queued the email ${target} to be sent again`;
    case 'mail.cancelled':
      return `${actor} cancelled the email ${target}`;
  }
  return null;
}
