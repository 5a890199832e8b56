import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { PersonName } from './person-name';

describe('PersonName', () => {
  it('isolates each part, so a right-to-left name keeps the comma between its parts', () => {
    expect(renderToStaticMarkup(createElement(PersonName, { first: 'سامي', last: 'Haddad', lastFirst: true }))).toBe('<bdi>Haddad</bdi>, <bdi>سامي</bdi>');
    expect(renderToStaticMarkup(createElement(PersonName, { first: 'Ada', last: 'לוי' }))).toBe('<bdi>Ada</bdi> <bdi>לוי</bdi>');
  });

  it('escapes what it is given', () => {
    expect(renderToStaticMarkup(createElement(PersonName, { first: '<b>x</b>', last: 'y' }))).toBe('<bdi>&lt;b&gt;x&lt;/b&gt;</bdi> <bdi>y</bdi>');
  });
});
