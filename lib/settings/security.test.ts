// The security settings form posted past the browser: garbage in a number field is refused with the
// field's name, never turned into 0 (which switches expiry, inactivation or automatic unlock off).
import { describe, expect, it } from 'vitest';
import { securitySettingsSchema } from './security';

const form = { lockoutThreshold: '10', autoUnlockMinutes: '30', passwordMinLength: '12', passwordMaxAgeDays: '90', passwordWarningDays: '14', inactivityDays: '90', invitationLifetimeDays: '7', resetLifetimeMinutes: '60' };
const errorsFor = (field: string, value: unknown) => {
  const result = securitySettingsSchema.safeParse({ ...form, [field]: value });
  return result.success ? { accepted: (result.data as Record<string, unknown>)[field] } : result.error.issues.filter((i) => i.path[0] === field).map((i) => i.message);
};

describe('securitySettingsSchema', () => {
  it.each(['autoUnlockMinutes', 'passwordMaxAgeDays', 'passwordWarningDays', 'inactivityDays'])('an emptied %s is required, not 0', (field) => {
    for (const value of ['', '   ', undefined, null]) expect(errorsFor(field, value), JSON.stringify(value)).toEqual([expect.stringMatching(/ is required\.$/)]);
  });

  it.each([['1.5'], ['1e1'], ['0x10'], ['ten'], ['9'.repeat(400)], ['Infinity'], ['NaN'], [true], [[]]])('refuses %s as a whole number', (value) => {
    expect(errorsFor('lockoutThreshold', value)).toEqual(['Failed attempts before lock must be a whole number.']);
  });

  it('names each field as the form labels it', () => {
    expect(errorsFor('passwordMaxAgeDays', '')).toEqual(['Password maximum age (days) is required.']);
    expect(errorsFor('autoUnlockMinutes', '99999')).toEqual(['Automatic unlock after (minutes) must be at most 10080.']);
    expect(errorsFor('resetLifetimeMinutes', '1')).toEqual(['Reset link lifetime (minutes) must be at least 5.']);
    expect(errorsFor('passwordWarningDays', '90')).toEqual([expect.stringMatching(/^Expiry warning \(days\) must be fewer than the password maximum age/)]);
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
