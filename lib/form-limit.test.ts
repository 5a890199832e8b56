import { describe, expect, it } from 'vitest';
import { FORM_BODY_LIMIT_BYTES, formBodySize, formTooLargeMessage } from './form-limit';

describe('formBodySize', () => {
  it('counts UTF-8 bytes of names and values and the size of files', () => {
    const small = formBodySize([['firstName', 'Zoë']]);
    expect(small).toBeGreaterThanOrEqual('firstName'.length + 4);
    const big = formBodySize([['firstName', 'a'.repeat(FORM_BODY_LIMIT_BYTES)]]);
    expect(big).toBeGreaterThan(FORM_BODY_LIMIT_BYTES);
    expect(formBodySize([['file', new File([new Uint8Array(2048)], 'x.csv')]])).toBeGreaterThanOrEqual(2048);
  });

  it('says what happened and what to do', () => {
    expect(formTooLargeMessage(1.5 * 1024 * 1024)).toBe(
      'This form is too large to send (1.5 MB; the limit is 1 MB). Shorten the longest field and try again. Nothing was saved.',
    );
  });
});
