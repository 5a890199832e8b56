import { describe, expect, it } from 'vitest';
import { SECURITY_DEFAULTS } from '@/db/schema';
import { checkPassword, describePolicy } from './password-policy';

describe('checkPassword', () => {
  it('accepts a password that meets the default policy', () => {
    expect(checkPassword('Sturdy-Passphrase-7', SECURITY_DEFAULTS)).toEqual([]);
  });

  it('names every rule a password breaks', () => {
    expect(checkPassword('brqzx', SECURITY_DEFAULTS)).toEqual([
      'Use at least 12 characters.',
      'Include an uppercase letter.',
      'Include a digit.',
    ]);
  });

  it('rejects common passwords when the policy says so, and not otherwise', () => {
    const policy = { ...SECURITY_DEFAULTS, passwordMinLength: 8, requireUppercase: false, requireDigit: false };
    expect(checkPassword('baseball', policy)).toEqual(['Choose a less common password.']);
    expect(checkPassword('baseball', { ...policy, rejectCommonPasswords: false })).toEqual([]);
  });

  it('refuses passwords longer than 72 bytes instead of truncating them', () => {
    expect(checkPassword(`Aa1${'é'.repeat(40)}`, SECURITY_DEFAULTS)).toContain('Use at most 72 bytes.');
  });

  it('requires a symbol only when configured', () => {
    const policy = { ...SECURITY_DEFAULTS, requireSymbol: true };
    expect(checkPassword('Sturdypassphrase7', policy)).toEqual(['Include a symbol.']);
    expect(checkPassword('Sturdy passphrase7', policy)).toEqual([]);
  });

  it('refuses a password built on the email address', () => {
    expect(checkPassword('Margaret-Hamilton-1969', SECURITY_DEFAULTS, { email: 'margaret@nasa.test' })).toEqual([
      'Do not include your email address.',
    ]);
  });

  it('refuses the whole email address however short its name part, and the person\'s name', () => {
    // Before: an address like jd@example.test (a name part under 4 letters) was never looked for.
    expect(checkPassword('Jd@example.test1', SECURITY_DEFAULTS, { email: 'jd@example.test' })).toEqual(['Do not include your email address.']);
    expect(checkPassword('Margaret-Hamilton-1969', SECURITY_DEFAULTS, { email: 'mh@nasa.test', firstName: 'Margaret', lastName: 'Hamilton' })).toEqual([
      'Do not include your name.',
    ]);
    // Short names count only written together; elsewhere they are too common to refuse.
    expect(checkPassword('Bo-Sturdy-Li-Passphrase-7', SECURITY_DEFAULTS, { email: 'x@y.test', firstName: 'Bo', lastName: 'Li' })).toEqual([]);
    expect(checkPassword('Bo-Li-Sturdy-Passphrase-7', SECURITY_DEFAULTS, { email: 'x@y.test', firstName: 'Bo', lastName: 'Li' })).toEqual(['Do not include your name.']);
    expect(checkPassword('Margaret-Hamilton-1969', { ...SECURITY_DEFAULTS, rejectCommonPasswords: false }, { firstName: 'Margaret' })).toEqual([]);
  });

  it('describes the policy in one sentence', () => {
    expect(describePolicy(SECURITY_DEFAULTS)).toBe(
      'Use at least 12 characters, a lowercase letter, an uppercase letter, a digit; common passwords, and ones with your name or email address, are refused.',
    );
  });
});
