import { describe, expect, it } from 'vitest';
import { safePath, safeRedirectUrl } from './safe-path';

describe('safePath', () => {
  it.each([
    ['/users?q=a', '/users?q=a'],
    ['/users/123#history', '/users/123#history'],
    ['/users/./locked', '/users/locked'],
    ['/settings/../users', '/users'],
    ['/users?next=//evil.example', '/users?next=//evil.example'],
  ])('keeps the on-site path %s → %s', (input, expected) => {
    expect(safePath(input)).toBe(expected);
  });

  // Every one of these, as a Location header or an href, would take a browser off the site (or is
  // garbage that has no business in a link).
  it.each([
    '/.//evil.example/phish',
    '/..//evil.example/phish',
    '/%2e//evil.example/phish',
    '/%2E%2E//evil.example',
    '/./\\evil.example',
    '/.%2f/evil.example',
    '/%2f%2fevil.example',
    '/%5cevil.example',
    '//evil.example/x',
    '///evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r\n/evil.example',
    ' //evil.example',
    '/\u0000/evil.example',
    'https://evil.example/',
    'http://localhost:3000/profile',
    'HTTPS:evil.example',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'evil.example',
    '@evil.example',
    '/a/../../..//evil.example',
    '/\u202e/evil',
    '/ok\tpath',
    `/${'a'.repeat(3000)}`,
    '',
    undefined,
    null,
  ])('refuses %j', (input) => {
    expect(safePath(input)).toBe('/');
  });

  it('never returns anything that resolves off the site, for any of these inputs', () => {
    for (const input of ['/.//x', '/%2e%2e/%2e%2e//x', '/x/..//..//y', '/./././/x'])
      expect(new URL(safePath(input), 'https://portal.example').origin).toBe('https://portal.example');
  });

  // Encoded backslashes and control characters, tabs and newlines inside, look-alike slashes, script
  // schemes in every case, and addresses too long for a Location header.
  it.each([
    '/%5c/evil.example',
    '/%5C%5Cevil.example',
    '/%2e%2e%5cevil.example',
    '//%09/evil.example',
    '//%0a/evil.example',
    '/%2f/evil.example',
    '/users/\t/x',
    '/us\ters',
    '/users\n//evil.example',
    '/a?\\evil',
    '/a#\\evil',
    'jAvAsCrIpT:alert(1)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    'vbscript:msgbox(1)',
    '\u2215\u2215evil.example',
    '\uff0f\uff0fevil.example',
    `/users?q=${'a'.repeat(2100)}`,
  ])('refuses %j', (input) => {
    expect(safePath(input)).toBe('/');
  });

  it('keeps look-alike slashes and encoded controls as harmless path text, never as a host', () => {
    for (const input of ['/\u2215\u2215evil.example', '/\uff0f\uff0fevil.example', '/\u2044evil.example', '/%09/evil.example', '/%0d%0aSet-Cookie:x=1', '/javascript:alert(1)', '/\u0085/evil']) {
      const out = safePath(input);
      expect(out.startsWith('/') && !out.startsWith('//'), input).toBe(true);
      expect(/[\s\\]/.test(out), input).toBe(false);
      expect(new URL(out, 'https://portal.example').origin, input).toBe('https://portal.example');
    }
  });
});

describe('safeRedirectUrl (next-auth callbackUrl)', () => {
  const base = 'https://portal.example';
  it.each([
    ['/users', 'https://portal.example/users'],
    ['https://portal.example/users?q=a', 'https://portal.example/users?q=a'],
    ['https://portal.example.evil.example/', 'https://portal.example/'],
    ['https://evil.example/', 'https://portal.example/'],
    ['/.//evil.example', 'https://portal.example/'],
    ['https://portal.example/.//evil.example', 'https://portal.example/'],
    ['//evil.example', 'https://portal.example/'],
    ['https://portal.example//evil.example', 'https://portal.example/'],
    ['https://portal.example/%5cevil.example', 'https://portal.example/'],
    ['https://portal.example\\@evil.example', 'https://portal.example/@evil.example'],
    ['https://user:pass@evil.example/', 'https://portal.example/'],
    ['http://portal.example/users', 'https://portal.example/'],
    ['javascript:alert(1)', 'https://portal.example/'],
    ['/%5c%5cevil.example', 'https://portal.example/'],
    ['//%09/evil.example', 'https://portal.example/'],
    [`/${'a'.repeat(3000)}`, 'https://portal.example/'],
  ])('%s → %s', (input, expected) => {
    expect(safeRedirectUrl(input, base)).toBe(expected);
  });
});
