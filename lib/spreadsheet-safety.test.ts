import { describe, expect, it } from 'vitest';
import { csvCell, csvLine, neutraliseFormula, unneutraliseFormula } from './spreadsheet-safety';

describe('formula neutralisation, for every file the portal writes', () => {
  it.each([
    ['=HYPERLINK("http://evil.example")', `'=HYPERLINK("http://evil.example")`],
    ['+1+2', "'+1+2"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', "'\rcmd"],
    // Behind blanks or control characters, which some readers skip before deciding.
    [' =1+1', "' =1+1"],
    ['\u00a0+1', "'\u00a0+1"],
    ['\u0001=HYPERLINK("x")', `'\u0001=HYPERLINK("x")`],
    ['\u200b@x', "'\u200b@x"],
    // Full-width signs, which some locales take for the ASCII ones.
    ['\uff1dSUM(A1)', "'\uff1dSUM(A1)"],
    ['\uff0b1', "'\uff0b1"],
    ['\uff0d1', "'\uff0d1"],
    ['\uff20x', "'\uff20x"],
    // Not formulas.
    ['plain', 'plain'],
    ['a=b', 'a=b'],
    ["O'Brien", "O'Brien"],
    ['', ''],
  ])('%j', (input, expected) => expect(neutraliseFormula(input)).toBe(expected));

  it('CSV cells are always quoted, quotes doubled, formulas neutralised inside the quotes', () => {
    expect(csvCell('Ada "the" Admin')).toBe('"Ada ""the"" Admin"');
    expect(csvCell('=1+1')).toBe(`"'=1+1"`);
    expect(csvCell(null)).toBe('""');
    expect(csvCell(42)).toBe('"42"');
    expect(csvLine(['a', '-b'])).toBe(`"a","'-b"\r\n`);
  });

  it('a value read back from such a file loses only the apostrophe its writer added', () => {
    for (const value of ['=1+1', '-Smith', '@team', '\uff0d1', ' =x', 'plain', "O'Brien", "'quoted'", ''])
      expect(unneutraliseFormula(neutraliseFormula(value))).toBe(value);
    expect(unneutraliseFormula("'Brien")).toBe("'Brien");
  });
});
