// FormStatus's result is announced once: by its live region, never also by a role of its own inside it.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { ActionState } from '@/lib/action-state';
import { FormStatus } from './form-status';

const render = (state: ActionState) => renderToStaticMarkup(createElement(FormStatus, { state }));
const announcers = (html: string) => html.match(/aria-live=|role="(status|alert)"/g) ?? [];

describe('FormStatus', () => {
  it.each([
    { status: 'success', message: 'Your password has been changed.' },
    { status: 'error', message: 'Enter your current password.' },
  ] as ActionState[])('announces a $status once, by its live region', (state) => {
    const html = render(state);
    expect(html).toContain(state.status === 'idle' ? '' : state.message);
    expect(announcers(html)).toEqual(['aria-live=']);
  });

  it('keeps its live region in the page while there is nothing to say', () => {
    expect(announcers(render({ status: 'idle' }))).toEqual(['aria-live=']);
  });
});
