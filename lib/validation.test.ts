import { describe, expect, it } from 'vitest';
import { banSchema } from '@/lib/users/update';
import { newUserSchema } from '@/lib/users/create';
import { hasHiddenCharacters } from './validation';

const valid = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@example.test',
  roleId: '00000000-0000-4000-8000-000000000000',
  environmentIds: [],
  tags: [{ name: 'ExternalUserId', value: '123' }],
};
const errorsOf = (input: unknown) => {
  const result = newUserSchema.safeParse(input);
  return result.success ? {} : result.error.flatten().fieldErrors;
};

describe('hidden characters in names, tags and reasons', () => {
  it.each([
    ['zero-width space only', '\u200b\u200b'],
    ['zero-width joiner only', '\u200d'],
    ['right-to-left override', 'Ada\u202eecalevoL'],
    ['left-to-right isolate', '\u2066Ada\u2069'],
    ['byte-order mark inside', 'A\ufeffda'],
    ['soft hyphen', 'Ad\u00ada'],
    ['NUL', 'Ada\u0000'],
    ['escape (Cc)', 'Ada\u001b[31m'],
    ['line separator', 'Ada\u2028Admin'],
    ['word joiner', 'Ada\u2060'],
  ])('refuses a first name with %s, naming the field', (_, firstName) => {
    const errors = errorsOf({ ...valid, firstName });
    expect(errors.firstName?.[0]).toMatch(/first name (contains invisible|is blank)|Enter the first name/);
  });

  it('names a line break in a one-line field as such, not as a hidden character', () => {
    for (const lastName of ['Love\nlace', 'Love\r\nlace', 'Love\rlace'])
      expect(errorsOf({ ...valid, lastName }).lastName).toEqual(['The last name must be on one line: remove the line break.']);
    expect(errorsOf({ ...valid, tags: [{ name: 'Ext', value: 'a\nb' }] }).tags?.[0]).toMatch(/must be on one line/);
  });

  it('keeps a reason typed on several lines (the Ban dialog is a box of lines), as one line', () => {
    expect(banSchema.safeParse({ version: 1, reason: 'Left the company.\r\nLaptop returned.' })).toMatchObject({ success: true, data: { reason: 'Left the company. Laptop returned.' } });
    expect(banSchema.safeParse({ version: 1, reason: '\n\n' }).error?.issues[0]?.message).toBe("Give a reason: it is kept in the user's history.");
    expect(banSchema.safeParse({ version: 1, reason: 'Left\n\u202e' }).success).toBe(false);
    expect(banSchema.safeParse({ version: 1, reason: 42 }).error?.issues[0]?.message).toBe('The reason must be one piece of text.');
  });

  it('refuses a name made only of invisible letters as blank', () => {
    expect(errorsOf({ ...valid, lastName: '\u3164\u3164' }).lastName).toEqual(['Enter the last name.']);
  });

  it('refuses hidden characters in tag names and values', () => {
    expect(errorsOf({ ...valid, tags: [{ name: 'Ext\u200bId', value: '1' }] }).tags).toBeDefined();
    expect(errorsOf({ ...valid, tags: [{ name: 'ExtId', value: '1\u202e2' }] }).tags).toBeDefined();
  });

  it('refuses hidden characters in a ban reason, and a reason of only zero-width characters', () => {
    expect(banSchema.safeParse({ version: 1, reason: 'Left\u202e' }).success).toBe(false);
    expect(banSchema.safeParse({ version: 1, reason: '\u200b' }).success).toBe(false);
    expect(banSchema.safeParse({ version: 1, reason: 'Left the company' }).success).toBe(true);
  });

  it('accepts ordinary names in any script, including joiners inside Persian and Indic words', () => {
    for (const firstName of ['Zoë', 'José María', 'Łukasz', '李', 'O\'Brien', 'Jean-Luc', 'می\u200cخواهم', 'क्\u200dष'])
      expect(errorsOf({ ...valid, firstName })).toEqual({});
    expect(hasHiddenCharacters('\u200cAda')).toBe(true);
  });
});
