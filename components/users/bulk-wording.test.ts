import { describe, expect, it } from 'vitest';
import { allMatchingSelected, bulkJobHeading, bulkWording, countOf } from './bulk-wording';

describe('the wording of a bulk action', () => {
  it('marks an estimated count as an estimate in the title and on the button alike', () => {
    for (const kind of ['ban', 'unlock', 'reset', 'role', 'addEnvironment', 'removeEnvironment'] as const) {
      const { title, confirmLabel } = bulkWording(kind, { scope: 'matching', count: 12_345 }, false);
      expect(title).toContain('about 12,345 users');
      expect(confirmLabel).toMatch(/about 12,345 users$/);
    }
    expect(bulkWording('ban', { scope: 'matching', count: 12_345 }, false)).toEqual({
      title: 'Ban all users matching the filters (about 12,345 users)?',
      confirmLabel: 'Ban about 12,345 users',
    });
    expect(allMatchingSelected(12_345, false)).toBe('All users matching selected (about 12,345 users)');
    expect(countOf(12_345, false)).toBe('about 12,345');
  });

  it('says an exact count as it is, and names one chosen user in the title only', () => {
    expect(bulkWording('addEnvironment', { scope: 'matching', count: 60 }, true)).toEqual({
      title: 'Add all 60 users matching the filters to an environment?',
      confirmLabel: 'Add 60 users',
    });
    expect(allMatchingSelected(60, true)).toBe('All 60 users matching selected');
    expect(bulkWording('role', { scope: 'selection', ids: ['a', 'b'], label: '2 users' }, false)).toEqual({
      title: 'Change the role of 2 users?',
      confirmLabel: 'Change role of 2 users',
    });
    expect(bulkWording('role', { scope: 'selection', ids: ['a'], label: 'lou@acme.test' }, true)).toEqual({ title: 'Change the role of lou@acme.test?', confirmLabel: 'Change role' });
    expect(bulkWording('ban', { scope: 'selection', ids: ['a'], label: 'lou@acme.test' }, true)).toEqual({ title: 'Ban lou@acme.test?', confirmLabel: 'Ban' });
  });

  it('says what a background job is doing, naming the environment, with "about" past the exact count', () => {
    expect(bulkJobHeading('unlock', 30_000)).toBe('Unlocking 30,000 users');
    expect(bulkJobHeading('addEnvironment', 2_500, 'Sandbox')).toBe('Adding 2,500 users to Sandbox');
    expect(bulkJobHeading('removeEnvironment', 1, null)).toBe('Removing 1 user from the environment');
    expect(bulkJobHeading('ban', 843_201)).toBe('Banning about 843,201 users');
  });
});
