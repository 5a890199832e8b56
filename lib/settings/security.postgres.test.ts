// Two Administrators saving the security settings at once: whatever the second save changes, even a
// value it puts back from a form opened before the first save, is in the audit log with its true before.
import { eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents } from '@/db/schema';
import { setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { getSecuritySettings } from './index';
import { securitySettingsSchema, updateSecuritySettings } from './security';

let db: Db;
let admin: Principal;

beforeAll(async () => {
  db = await testDb();
  const { adminId } = await setUpOrganization(db);
  admin = { actor: { type: 'user', id: adminId, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  // The first save holds the row a moment after reading it, so the second reads while it is in flight.
  await db.execute(sql.raw(`create function slow_settings() returns trigger language plpgsql as $$ begin perform pg_sleep(0.6); return new; end $$`));
  await db.execute(sql.raw(`create trigger slow_settings before update on security_settings for each row execute function slow_settings()`));
});

it('a concurrent save that reverts another\'s change is audited as such', async () => {
  const { organizationId: _o, updatedAt: _u, ...current } = await getSecuritySettings(db);
  const opened = securitySettingsSchema.parse(current);
  const first = db.transaction((tx) => updateSecuritySettings(tx, admin, { ...opened, lockoutThreshold: opened.lockoutThreshold === 5 ? 6 : 5 }));
  await new Promise((resolve) => setTimeout(resolve, 200));
  // Opened before the first save: it carries the old threshold back.
  const second = db.transaction((tx) => updateSecuritySettings(tx, admin, { ...opened, passwordMinLength: opened.passwordMinLength + 2 }));
  await Promise.all([first, second]);
  const events = await db.select({ changes: auditEvents.changes }).from(auditEvents).where(eq(auditEvents.action, 'settings.security_updated')).orderBy(auditEvents.id);
  // Replaying the audited changes over what was there gives what is there now.
  const replayed: Record<string, unknown> = { ...opened };
  for (const e of events) for (const [field, change] of Object.entries(e.changes as Record<string, { before: unknown; after: unknown }>)) {
    expect(change.before, field).toEqual(replayed[field]);
    replayed[field] = change.after;
  }
  const { organizationId: _o2, updatedAt: _u2, passwordMaxAgeShortenedAt: _s, passwordGraceFrom: _g, ...now } = await getSecuritySettings(db);
  expect(replayed).toEqual(now);
}, 30_000);
