// The security settings form posted past the browser: garbage in a number field is refused with the
// field's name, never turned into 0 (which switches expiry, inactivation or automatic unlock off).
import { eq, sql } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, SECURITY_DEFAULTS, securitySettings } from '@/db/schema';
import { setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { StaleEditError } from '@/lib/errors';
import { getSecuritySettings } from './index';
import { securitySettingsSchema, updateSecuritySettings } from './security';

const form = { lockoutThreshold: '10', autoUnlockMinutes: '30', passwordMinLength: '12', passwordMaxAgeDays: '90', passwordWarningDays: '14', inactivityDays: '90', invitationLifetimeDays: '7', resetLifetimeMinutes: '60' };
const errorsFor = (field: string, value: unknown) => {
  const result = securitySettingsSchema.safeParse({ ...form, [field]: value });
  return result.success ? { accepted: (result.data as Record<string, unknown>)[field] } : result.error.issues.filter((i) => i.path[0] === field).map((i) => i.message);
};

describe('securitySettingsSchema', () => {
  it.each(['autoUnlockMinutes', 'passwordMaxAgeDays', 'passwordWarningDays', 'inactivityDays'])('an emptied %s is required, not 0', (field) => {
    for (const value of ['', '   ', undefined, null]) expect(errorsFor(field, value), JSON.stringify(value)).toEqual([expect.stringMatching(/ is required\.$/)]);
  });

  it.each([['1.5'], ['1e1'], ['0x10'], ['ten'], ['Infinity'], ['NaN'], [true], [[]]])('refuses %s as a whole number', (value) => {
    expect(errorsFor('lockoutThreshold', value)).toEqual(['Failed attempts before lock must be a whole number.']);
  });

  it('names each field as the form labels it', () => {
    expect(errorsFor('passwordMaxAgeDays', '')).toEqual(['Password maximum age (days) is required.']);
    expect(errorsFor('autoUnlockMinutes', '99999')).toEqual(['Automatic unlock after (minutes) must be at most 10080.']);
    expect(errorsFor('resetLifetimeMinutes', '1')).toEqual(['Reset link lifetime (minutes) must be at least 5.']);
    expect(errorsFor('passwordWarningDays', '90')).toEqual([expect.stringMatching(/^Expiry warning \(days\) must be fewer than the password maximum age/)]);
  });

  it('a whole number too large or too small for JavaScript is out of range, not "not a whole number"', () => {
    expect(errorsFor('autoUnlockMinutes', '99999999999999999999')).toEqual(['Automatic unlock after (minutes) must be at most 10080.']);
    expect(errorsFor('lockoutThreshold', '9'.repeat(400))).toEqual(['Failed attempts before lock must be at most 100.']);
    expect(errorsFor('inactivityDays', '-9007199254740993')).toEqual(['Inactivate after days without sign-in must be at least 0.']);
  });

  it('a warning not below the maximum age is said in the same answer as another field\'s error, not on the next save', () => {
    const result = securitySettingsSchema.safeParse({ ...form, lockoutThreshold: '2', resetLifetimeMinutes: '1.5', passwordMaxAgeDays: '10', passwordWarningDays: '20' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path[0], i.message])).toEqual([
      ['lockoutThreshold', 'Failed attempts before lock must be at least 3.'],
      ['resetLifetimeMinutes', 'Reset link lifetime (minutes) must be a whole number.'],
      ['passwordWarningDays', expect.stringMatching(/^Expiry warning \(days\) must be fewer than the password maximum age/)],
    ]);
    // Not compared when either of the two is itself wrong: its own error says it.
    const garbage = securitySettingsSchema.safeParse({ ...form, passwordMaxAgeDays: 'ten', passwordWarningDays: '20' });
    expect(garbage.error?.issues.map((i) => i.path[0])).toEqual(['passwordMaxAgeDays']);
  });

  it('keeps the ranges and reads what a form sends', () => {
    expect(errorsFor('lockoutThreshold', '2')).toEqual(['Failed attempts before lock must be at least 3.']);
    expect(errorsFor('lockoutThreshold', '101')).toEqual(['Failed attempts before lock must be at most 100.']);
    expect(errorsFor('inactivityDays', '-1')).toEqual(['Inactivate after days without sign-in must be at least 0.']);
    expect(errorsFor('lockoutThreshold', ' 12 ')).toEqual({ accepted: 12 });
    expect(errorsFor('passwordMaxAgeDays', '0')).toEqual({ accepted: 0 });
    expect(errorsFor('resetLifetimeMinutes', 15)).toEqual({ accepted: 15 });
  });
});

describe('two Administrators with the page open at once', () => {
  let db: Db;
  let admin: Principal;
  const stored = async () => {
    const { organizationId: _o, updatedAt: _u, passwordMaxAgeShortenedAt: _s, passwordGraceFrom: _g, ...values } = await getSecuritySettings(db);
    return values;
  };
  /** A save from the page: every field as shown or typed, and what the page showed when it was opened. */
  const save = (opened: Awaited<ReturnType<typeof stored>>, typed: Record<string, unknown>) =>
    db.transaction(async (tx) => updateSecuritySettings(tx, admin, securitySettingsSchema.parse({ ...opened, ...typed, opened: JSON.stringify(opened) })));
  const events = async () =>
    (await db.select({ changes: auditEvents.changes }).from(auditEvents).where(eq(auditEvents.action, 'settings.security_updated')).orderBy(auditEvents.id)).map((e) => e.changes);

  beforeAll(async () => {
    db = await testDb();
    const { adminId } = await setUpOrganization(db);
    admin = { actor: { type: 'user', id: adminId, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  });
  beforeEach(async () => {
    await db.update(securitySettings).set(SECURITY_DEFAULTS).where(sql`true`);
  });

  it('the second save keeps the first one\'s change to another field instead of putting the old value back', async () => {
    const opened = await stored();
    await save(opened, { lockoutThreshold: '5' });
    await save(opened, { passwordMinLength: '14', requireSymbol: !opened.requireSymbol ? 'on' : undefined });
    expect(await stored()).toMatchObject({ lockoutThreshold: 5, passwordMinLength: 14, requireSymbol: !opened.requireSymbol });
    expect((await events()).at(-1)).toEqual({ passwordMinLength: { before: 12, after: 14 }, requireSymbol: { before: opened.requireSymbol, after: !opened.requireSymbol } });
  });

  it('a field both changed is refused, naming the value saved meanwhile, until saved again from the page as it now is', async () => {
    const opened = await stored();
    await save(opened, { lockoutThreshold: '5' });
    const refused = save(opened, { lockoutThreshold: '7', inactivityDays: '30' });
    await expect(refused).rejects.toBeInstanceOf(StaleEditError);
    await expect(refused).rejects.toMatchObject({ fieldErrors: { lockoutThreshold: [expect.stringMatching(/^Failed attempts before lock was changed to 5 by someone else/)] } });
    expect(await stored()).toMatchObject({ lockoutThreshold: 5, inactivityDays: opened.inactivityDays });
    await save(await stored(), { lockoutThreshold: '7', inactivityDays: '30' });
    expect(await stored()).toMatchObject({ lockoutThreshold: 7, inactivityDays: 30 });
  });

  it('two changes that are fine apart but not together (the warning no longer below the maximum age) are refused', async () => {
    const opened = await stored();
    await save(opened, { passwordMaxAgeDays: '30' });
    await expect(save(opened, { passwordWarningDays: '45' })).rejects.toMatchObject({ fieldErrors: { passwordWarningDays: [expect.stringMatching(/^Expiry warning \(days\) must be fewer/)] } });
    expect(await stored()).toMatchObject({ passwordMaxAgeDays: 30, passwordWarningDays: 14 });
  });

  it('what the page showed, posted as garbage, is refused with nothing written', async () => {
    for (const opened of ['{', '[]', 'null', '{"lockoutThreshold":"x"}', '']) {
      const input = securitySettingsSchema.parse({ ...(await stored()), lockoutThreshold: '4', opened });
      await expect(db.transaction((tx) => updateSecuritySettings(tx, admin, input)), opened).rejects.toThrow('This form is out of date');
    }
    expect((await stored()).lockoutThreshold).toBe(10);
  });
});
