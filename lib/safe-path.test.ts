import { describe, expect, it } from 'vitest';
import { safePath } from './safe-path';

describe('safePath', () => {
  it.each([
    ['/users?q=a', '/users?q=a'],
    ['http://localhost:3000/profile', '/'],
    ['//evil.example/x', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['javascript:alert(1)', '/'],
    ['/ok\tpath', '/'],
    [undefined, '/'],
  ])('%s → %s', (input, expected) => {
    expect(safePath(input)).toBe(expected);
  });
});
