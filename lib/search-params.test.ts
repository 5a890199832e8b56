import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { testDb } from '@/db/testing';
import { rows } from '@/lib/db-rows';
import { parseCursor } from '@/lib/time-cursor';
import { firstParam, idParam, isPgDate, isPgText, isTimestamptzText, pageParams, textParam, uuidParam } from './search-params';

let db: Db;
beforeAll(async () => {
  db = await testDb();
});

/** True when PostgreSQL accepts `value::type` (a refusal would have been a 500). */
async function accepts(value: string, type: 'timestamptz' | 'text' | 'bigint'): Promise<boolean> {
  try {
    await rows(db, sql`select ${value}::${sql.raw(type)} as v`);
    return true;
  } catch {
    return false;
  }
}

// Strings shaped like the hostile ones: near-misses of PostgreSQL's timestamptz text, and any text.
const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
const nearTimestamp = fc
  .tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), fc.constantFrom('', '.5', '.123456'), fc.constantFrom('+00', '-05', '+05:30', '+16', '+01:60', '-03:30:15'))
  .map(([y, mo, d, h, mi, s, frac, off]) => `${y}-${mo}-${d} ${h}:${mi}:${s}${frac}${off}`);
const anyText = fc.string({ unit: fc.constantFrom('a', '1', '-', ':', ' ', '+', '.', 'T', 'Z', '\u0000', '\ud800', '\udc00', 'é', '😀') });

describe('cursor value validation agrees with PostgreSQL', () => {
  it.each([
    ['1', false],
    ['2024-02-30', false],
    ['2024-02-30 00:00:00+00', false],
    ['2023-02-29 00:00:00+00', false],
    ['2024-02-29 00:00:00+00', true],
    ['+275760-09-13T00:00:00.000Z', false],
    ['275760-09-13 00:00:00+00', false],
    ['2026-11-25 15:19:42.123456+00', true],
    ['2026-11-25 24:00:01+00', false],
    ['2026-11-25 10:00:00+16', false],
    ['2026-11-25 10:00:00+05:30', true],
    ['-infinity', true],
    ['infinity', false],
    ['2026-11-25 10:00:00+00\u0000', false],
    ['', false],
  ])('timestamptz %j -> %s', async (value, valid) => {
    expect(isTimestamptzText(value)).toBe(valid);
    if (valid) expect(await accepts(value, 'timestamptz')).toBe(true);
  });

  it('accepts only timestamps PostgreSQL accepts (fuzzed)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(nearTimestamp, anyText), async (value) => {
        if (isTimestamptzText(value)) expect(await accepts(value, 'timestamptz')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts every timestamp PostgreSQL writes (round trip)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), async (date) => {
        const [row] = await rows<{ v: string }>(db, sql`select (${date.toISOString()}::timestamptz)::text as v`);
        expect(isTimestamptzText(row!.v)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('takes only Dates PostgreSQL accepts as drivers send them (year 0000 was a 500 through cursors, readAt and seenAt)', async () => {
    for (const iso of ['0000-01-01T00:00:00.000Z', '-000001-12-31T00:00:00.000Z', '+010000-01-01T00:00:00.000Z']) expect(isPgDate(new Date(iso)), iso).toBe(false);
    expect(parseCursor('0000-06-01T00:00:00.000000Z_00000000-0000-4000-8000-000000000000')).toBeNull();
    await fc.assert(
      fc.asyncProperty(fc.date({ min: new Date('-000100-01-01T00:00:00Z'), max: new Date('+012000-01-01T00:00:00Z'), noInvalidDate: true }), async (date) => {
        if (isPgDate(date)) expect(await accepts(date.toISOString(), 'timestamptz')).toBe(true);
        const cursor = `${date.toISOString().slice(0, 19)}.000000Z_00000000-0000-4000-8000-000000000000`;
        const parsed = parseCursor(cursor);
        if (parsed) expect(await accepts(parsed.at, 'timestamptz')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('accepts only text PostgreSQL accepts (NUL and lone surrogates are refused)', async () => {
    expect(isPgText('Müller 😀')).toBe(true);
    for (const bad of ['a\u0000b', '\ud800', 'x\udc00']) expect(isPgText(bad)).toBe(false);
    await fc.assert(
      fc.asyncProperty(anyText, async (value) => {
        if (isPgText(value)) expect(await accepts(value, 'text')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('page parameter readers never throw and return only what the database takes', () => {
  const raw = fc.oneof(fc.constant(undefined), fc.constant(null), fc.string(), fc.array(fc.string()), fc.string({ unit: 'binary' }));

  it('idParam: digits within bigint and a JS number, else nothing', async () => {
    expect(idParam('99999999999999999999')).toBeUndefined();
    expect(idParam('9223372036854775807')).toBeUndefined(); // bigint, but not exact as a number
    expect(idParam('12')).toBe(12);
    expect(idParam(['7', '8'])).toBe(7);
    for (const bad of ['0', '-1', '1e3', '1.5', ' 1', '0x10', '']) expect(idParam(bad), bad).toBeUndefined();
    await fc.assert(
      fc.asyncProperty(fc.oneof(raw, fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String)), async (value) => {
        const id = idParam(value);
        if (id !== undefined) {
          expect(Number.isSafeInteger(id) && id > 0).toBe(true);
          expect(await accepts(String(id), 'bigint')).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('textParam: no control characters, trimmed, at most 100 characters', () => {
    expect(textParam('\u0000')).toBeUndefined();
    expect(textParam(' a\u0000b ')).toBe('a b');
    expect(textParam(['x', 'y'])).toBe('x');
    fc.assert(
      fc.property(raw, (value) => {
        const text = textParam(value);
        if (text === undefined) return;
        expect(text).toBe(text.trim());
        expect(text.length).toBeGreaterThan(0);
        expect([...text].length).toBeLessThanOrEqual(100);
        expect(isPgText(text)).toBe(true);
        // eslint-disable-next-line no-control-regex -- matching control characters is the point
        expect(/[\u0000-\u001f\u007f-\u009f]/.test(text)).toBe(false);
      }),
    );
  });

  it('firstParam, pageParams and uuidParam keep one string value or nothing', () => {
    expect(pageParams({ a: ['1', '2'], b: '', c: undefined, d: 'x' })).toEqual({ a: '1', b: undefined, c: undefined, d: 'x' });
    expect(uuidParam('00000000-0000-4000-8000-00000000000g')).toBeUndefined();
    fc.assert(
      fc.property(raw, (value) => {
        const first = firstParam(value);
        expect(first === undefined || (typeof first === 'string' && first !== '')).toBe(true);
        const uuid = uuidParam(value);
        expect(uuid === undefined || /^[0-9a-f-]{36}$/i.test(uuid)).toBe(true);
      }),
    );
  });
});
