import { describe, expect, it } from 'vitest';
import { parseClipboard } from './import-grid';

describe('the import grid', () => {
  it('reads a block copied from a spreadsheet, quoted line breaks included', () => {
    expect(parseClipboard('Ann\tLee\ta@x.test\r\n"Two\nlines"\t"O""Neil"\tb@x.test\r\n')).toEqual([
      ['Ann', 'Lee', 'a@x.test'],
      ['Two\nlines', 'O"Neil', 'b@x.test'],
    ]);
  });
});
