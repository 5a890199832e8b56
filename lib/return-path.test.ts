// The way back to /change-password's `next` (proxy.ts → requireUser): whatever the header holds, it
// never names another site, and Next's own parameters are not carried.
import { describe, expect, it } from 'vitest';
import { changePasswordHref, requestedPath } from './return-path';

describe('changePasswordHref', () => {
  it.each([
    ['/users?status=locked', '/change-password?next=%2Fusers%3Fstatus%3Dlocked'],
    ['/users/0b9c/edit#history', '/change-password?next=%2Fusers%2F0b9c%2Fedit%23history'],
    ['/users/./locked', '/change-password?next=%2Fusers%2Flocked'],
  ])('carries the on-site path %s', (requested, href) => {
    expect(changePasswordHref(requested)).toBe(href);
  });

  it.each([null, undefined, '', '/', '/change-password', '/change-password?next=%2Fusers'])('has no way back worth carrying for %s', (requested) => {
    expect(changePasswordHref(requested)).toBe('/change-password');
  });

  it.each([
    '/.//evil.example/phish',
    '/%2e//evil.example',
    '/.%2f/evil.example',
    '//evil.example',
    '/\\evil.example',
    '/\t/evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    `/${'a'.repeat(3000)}`,
  ])('never carries %s, nor anything a browser would read as another site', (hostile) => {
    const href = changePasswordHref(hostile);
    expect(href).toBe('/change-password');
    const next = new URL(href, 'https://userdesk.test').searchParams.get('next');
    expect(next).toBeNull();
  });

  it('its next always resolves on this site', () => {
    for (const requested of ['/users?next=//evil.example', '/users?q=%2F%2Fevil', '/users?q=a%0d%0aLocation:%20//evil'])
      for (const href of [changePasswordHref(requested)]) {
        const next = new URL(href, 'https://userdesk.test').searchParams.get('next');
        expect(new URL(next!, 'https://userdesk.test').origin).toBe('https://userdesk.test');
      }
  });
});

describe('requestedPath', () => {
  it("keeps the path and query, drops Next's _rsc", () => {
    expect(requestedPath(new URL('http://h/users?status=locked&_rsc=abc12'))).toBe('/users?status=locked');
    expect(requestedPath(new URL('http://h/users?_rsc=abc12'))).toBe('/users');
    expect(requestedPath(new URL('http://h/users/locked'))).toBe('/users/locked');
  });
});
