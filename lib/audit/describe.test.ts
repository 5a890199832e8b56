import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '@/db/schema';
import { actionLabel, describeAuditEvent, describeAuditEvents, groupByDay, NO_INVITATION } from './describe';

const DANA = '00000000-0000-4000-8000-00000000000d';
const MARCUS = '00000000-0000-4000-8000-00000000000a';
const PROD = '00000000-0000-4000-8000-0000000000e1';
const names = new Map([
  [DANA, 'Dana Whitfield'],
  [MARCUS, 'Marcus Oyelaran'],
  [PROD, 'Production'],
]);

let nextId = 1;
function event(values: Partial<AuditEvent>): AuditEvent {
  return {
    id: nextId++,
    at: new Date('2026-03-03T10:00:00Z'),
    actorType: 'user',
    actorId: DANA,
    actorLabel: 'dana@example.test',
    action: 'user.updated',
    targetType: 'user',
    targetId: MARCUS,
    targetLabel: 'marcus@example.test',
    environmentId: null,
    changes: null,
    detail: null,
    ip: null,
    userAgent: null,
    xact: 1,
    ...values,
  };
}

// Every action the code base writes today, with a realistic event.
const samples: AuditEvent[] = [
  event({ action: 'organization.setup', targetId: null, targetLabel: null, detail: 'Organization "Acme" created with environment Production' }),
  event({ action: 'user.created', changes: { email: { before: null, after: 'marcus@example.test' }, name: { before: null, after: 'Marcus Oyelaran' }, role: { before: null, after: 'User' }, status: { before: null, after: 'invited' } } }),
  event({ action: 'user.created', targetId: DANA, changes: { role: { before: null, after: 'Administrator' } } }),
  event({ action: 'user.updated', changes: { firstName: { before: 'Marc', after: 'Marcus' }, tags: { before: [], after: [{ name: 'ExternalUserId', value: '123' }] } } }),
  event({ action: 'user.updated', changes: { environments: { before: [], after: [PROD] } } }),
  event({ action: 'user.role_changed', changes: { role: { before: 'User', after: 'Account Manager' } } }),
  event({ action: 'user.banned', detail: 'Left the company', changes: { status: { before: 'active', after: 'banned' } } }),
  event({ action: 'user.validated', detail: 'Ban lifted (was: x)', changes: { status: { before: 'banned', after: 'active' } } }),
  event({ action: 'user.unlocked', changes: { status: { before: 'locked', after: 'active' }, lockReason: { before: 'failed_attempts', after: null } } }),
  event({ action: 'user.unlocked', actorType: 'system', actorId: null, actorLabel: 'System', detail: 'Automatic unlock after the lockout period' }),
  event({ action: 'user.reset', detail: 'Password cleared; reset link emailed' }),
  event({ action: 'user.invitation_sent', detail: 'Invitation resent; earlier links no longer work' }),
  event({ action: 'user.activated', actorId: MARCUS, detail: 'Password set from the invitation link' }),
  event({ action: 'user.password_changed', actorId: MARCUS, detail: 'Password set from a reset link' }),
  event({ action: 'user.password_changed', actorId: MARCUS }),
  event({ action: 'user.reset_requested', actorId: MARCUS, ip: '203.0.113.9' }),
  event({ action: 'user.reset_request_limited', actorType: 'anonymous', actorId: null, detail: 'Already 3 reset links in the last hour', ip: '203.0.113.9' }),
  event({ action: 'user.locked', actorType: 'system', actorId: null, actorLabel: 'System', detail: 'Locked after 10 failed sign-in attempts' }),
  event({ action: 'user.locked', actorType: 'system', actorId: null, actorLabel: 'System', detail: 'Password expired' }),
  event({ action: 'user.lock_withheld', actorType: 'system', actorId: null, actorLabel: 'System', detail: 'Not locked after 10 failed sign-in attempts: the last active Administrator' }),
  event({ action: 'user.inactivated', actorType: 'system', actorId: null, actorLabel: 'System', detail: 'No sign-in for 90 days' }),
  event({ action: 'auth.sign_in', actorId: MARCUS, ip: '198.51.100.4' }),
  event({ action: 'auth.sign_in_failed', actorType: 'anonymous', actorId: null, actorLabel: 'Anonymous', detail: 'Wrong password (attempt 3)', ip: '203.0.113.9' }),
  event({ action: 'auth.sign_in_failed', actorType: 'anonymous', actorId: null, actorLabel: 'Anonymous', targetId: null, targetLabel: null, detail: 'Unknown email nobody@example.test' }),
  event({ action: 'auth.sign_in_refused', actorId: MARCUS, detail: 'Account is locked' }),
  event({ action: 'auth.sign_in_rate_limited', actorType: 'anonymous', actorId: null, targetId: null, targetLabel: null, detail: 'Email x@example.test', ip: '203.0.113.9' }),
  event({ action: 'role.created', targetType: 'role', targetId: null, targetLabel: 'Auditor' }),
  event({ action: 'role.updated', targetType: 'role', targetId: null, targetLabel: 'Auditor', changes: { permissions: { before: ['audit.read'], after: ['audit.read', 'users.read'] } } }),
  event({ action: 'role.deleted', targetType: 'role', targetId: null, targetLabel: 'Auditor' }),
  event({ action: 'environment.created', targetType: 'environment', targetId: null, targetLabel: 'Staging' }),
  event({ action: 'environment.renamed', targetType: 'environment', targetId: null, targetLabel: 'QA', changes: { name: { before: 'Staging', after: 'QA' } } }),
  event({ action: 'environment.archived', targetType: 'environment', targetId: null, targetLabel: 'QA' }),
  event({ action: 'environment.restored', targetType: 'environment', targetId: null, targetLabel: 'QA' }),
  event({ action: 'environment.deleted', targetType: 'environment', targetId: null, targetLabel: 'QA' }),
  event({ action: 'audit.retention_changed', targetType: 'settings', targetId: null, targetLabel: 'Audit retention', changes: { retentionDays: { before: 0, after: 365 } } }),
  event({ action: 'audit.purged', actorType: 'system', actorId: null, actorLabel: 'System', targetType: null, targetId: null, targetLabel: null, detail: '1200 events before 2025-03-03 purged' }),
  event({ action: 'import.completed', targetType: 'import', targetId: null, targetLabel: 'people.xlsx', changes: { created: { before: null, after: 120 }, updated: { before: null, after: 3 } } }),
  event({ action: 'import.cancel_requested', targetType: 'import', targetId: null, targetLabel: 'people.xlsx', detail: 'Stops after the batch being written.' }),
  event({ action: 'import.cancel_requested', targetType: 'import', targetId: null, targetLabel: 'people.xlsx', detail: 'Cancelled before it started.' }),
  event({ action: 'import.cancelled', targetType: 'import', targetId: null, targetLabel: 'people.xlsx', changes: { created: { before: null, after: 5000 }, updated: { before: null, after: 0 } } }),
  event({ action: 'api_user.created', targetType: 'api_user', targetId: null, targetLabel: 'erp-sync' }),
  event({ action: 'api_user.revoked', targetType: 'api_user', targetId: null, targetLabel: 'erp-sync' }),
  event({ action: 'api_user.deleted', targetType: 'api_user', targetId: null, targetLabel: 'erp-sync' }),
  event({ action: 'api_user.token_issued', actorType: 'api_user', actorId: null, actorLabel: 'erp-sync', targetType: 'api_user', targetId: null, targetLabel: 'erp-sync', ip: '198.51.100.4' }),
  event({ action: 'api_user.expiry_warned', actorType: 'system', actorId: null, actorLabel: 'System', targetType: 'api_user', targetId: null, targetLabel: 'erp-sync', detail: 'Expires 2026-12-01T00:00:00.000Z; 2 Administrator(s) emailed' }),
  event({ action: 'api_user.suspended', actorType: 'system', actorId: null, actorLabel: 'System', targetType: 'api_user', targetId: null, targetLabel: 'erp-sync', detail: 'Its creator, sam@example.test, was made inactive after 90 days without signing in' }),
  event({ action: 'user.credentials_sent', actorType: 'api_user', actorId: null, actorLabel: 'erp-sync' }),
  event({ action: 'user.administrator_granted', actorType: 'system', actorId: null, actorLabel: 'Operator root@host (admin:grant)', changes: { role: { before: 'User', after: 'Administrator' } } }),
  event({ action: 'mail.retried', targetType: 'mail', targetId: null, targetLabel: 'Your invitation — Acme' }),
  event({ action: 'mail.cancelled', targetType: 'mail', targetId: null, targetLabel: 'Your invitation — Acme' }),
  event({ action: 'settings.security_updated', targetType: 'settings', targetLabel: 'Security settings', changes: { passwordMinLength: { before: 12, after: 14 } } }),
];

function actionsWrittenByTheCodeBase(): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.tsx?$/.test(entry) && !entry.endsWith('.test.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const match of text.matchAll(/action:\s*(?:[^'\n]*\?\s*)?'([a-z_]+\.[a-z_]+)'(?:\s*:\s*'([a-z_]+\.[a-z_]+)')?/g)) {
          found.add(match[1]!);
          if (match[2]) found.add(match[2]);
        }
      }
    }
  };
  walk(join(process.cwd(), 'lib'));
  return found;
}

describe('describeAuditEvent', () => {
  it('covers every action the code base records, with no event code, JSON or raw id', () => {
    const covered = new Set(samples.map((s) => s.action));
    for (const action of actionsWrittenByTheCodeBase()) expect(covered, `no sample for ${action}`).toContain(action);
    for (const sample of samples) {
      const { sentence, changes } = describeAuditEvent(sample, names);
      const text = [sentence, ...changes.flatMap((c) => [c.field, c.before, c.after])].join(' | ');
      expect(text).not.toMatch(/\b(user|auth|settings|organization|role|environment|audit|import|api_user|mail)\.[a-z_]+/); // user.created, auth.sign_in ...
      expect(text).not.toMatch(/[{}[\]"]|null|undefined/);
      expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
      expect(text).not.toMatch(/_/);
    }
  });

  it('names every action the code base records in plain words in the filter', () => {
    for (const action of actionsWrittenByTheCodeBase()) {
      const label = actionLabel(action);
      expect(label, action).not.toMatch(/[_.:]/);
      expect(label, action).toMatch(/^[A-Z]/);
    }
  });

  it('uses names and field labels', () => {
    const role = samples.find((s) => s.action === 'user.role_changed')!;
    expect(describeAuditEvent(role, names, { about: MARCUS }).sentence).toBe('Dana Whitfield changed the role from User to Account Manager');
    expect(describeAuditEvent(role, names).sentence).toBe("Dana Whitfield changed Marcus Oyelaran's role from User to Account Manager");
    expect(describeAuditEvent(role).sentence).toBe("dana@example.test changed marcus@example.test's role from User to Account Manager");
    const created = describeAuditEvent(samples[1]!, names);
    expect(created.sentence).toBe('Dana Whitfield added Marcus Oyelaran as User and sent an invitation');
    // Only where one was sent: not a user created with a password (API), nor one imported without invitations.
    const withPassword = event({ action: 'user.created', changes: { role: { before: null, after: 'User' }, status: { before: null, after: 'active' } }, detail: 'Password set by the creator' });
    expect(describeAuditEvent(withPassword, names).sentence).toBe('Dana Whitfield added Marcus Oyelaran as User');
    const imported = event({ action: 'user.created', changes: { role: { before: null, after: 'User' }, status: { before: null, after: 'invited' } }, detail: `Imported from staff.xlsx${NO_INVITATION}` });
    expect(describeAuditEvent(imported, names).sentence).toBe('Dana Whitfield added Marcus Oyelaran as User');
    expect(created.changes).toContainEqual({ field: 'Name', before: 'none', after: 'Marcus Oyelaran' });
    expect(describeAuditEvent(samples[4]!, names).changes).toEqual([{ field: 'Environments', before: 'none', after: 'Production' }]);
    expect(describeAuditEvent(samples[3]!, names).changes).toContainEqual({ field: 'Tags', before: 'none', after: 'ExternalUserId=123' });
    expect(describeAuditEvent(samples.at(-1)!, names).sentence).toBe('Dana Whitfield changed the security settings: minimum password length from 12 to 14');
  });

  it('says what a lifted ban gave back: access, a new invitation to accept, or a lock still to lift', () => {
    const validated = (after: string) => describeAuditEvent(event({ action: 'user.validated', changes: { status: { before: 'banned', after } } }), names).sentence;
    expect(validated('active')).toBe('Dana Whitfield lifted the ban on Marcus Oyelaran and restored access');
    expect(validated('invited')).toBe('Dana Whitfield lifted the ban on Marcus Oyelaran, who must accept a new invitation');
    expect(validated('locked')).toBe('Dana Whitfield lifted the ban on Marcus Oyelaran, who is still locked');
  });

  it('still reads an action it does not know as words', () => {
    const { sentence } = describeAuditEvent(event({ action: 'widget.polished', targetLabel: 'integration-bot', targetId: null }), names);
    expect(sentence).toBe('Dana Whitfield polished integration-bot');
  });
});

describe('describeAuditEvents', () => {
  it('collapses consecutive failed sign-ins from one address', () => {
    const failed = (ip: string) => event({ action: 'auth.sign_in_failed', actorType: 'anonymous', actorId: null, ip, detail: 'Wrong password' });
    const described = describeAuditEvents([failed('203.0.113.9'), failed('203.0.113.9'), failed('203.0.113.9'), failed('198.51.100.1'), samples[5]!], names, { about: MARCUS });
    expect(described.map((d) => d.sentence)).toEqual([
      '3 failed sign-ins from 203.0.113.9',
      'Failed sign-in with a wrong password from 198.51.100.1',
      'Dana Whitfield changed the role from User to Account Manager',
    ]);
  });
});

describe('groupByDay', () => {
  it('groups by the calendar day of the given time zone', () => {
    const events = [{ at: new Date('2026-03-03T23:30:00Z') }, { at: new Date('2026-03-03T10:00:00Z') }, { at: new Date('2026-03-02T10:00:00Z') }];
    expect(groupByDay(events, 'UTC').map((g) => [g.day, g.events.length])).toEqual([
      ['Tuesday, 3 March 2026', 2],
      ['Monday, 2 March 2026', 1],
    ]);
    expect(groupByDay(events, 'Europe/Berlin').map((g) => g.events.length)).toEqual([1, 1, 1]);
  });
});
