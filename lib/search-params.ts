// Reading a page's URL query parameters. Anything can arrive in a URL (repeated keys, NUL bytes,
// numbers past bigint, dates that do not exist), so every reader here returns a value the database
// accepts, or undefined: a bad parameter is dropped, never a 5xx. None of these functions throws.

type Raw = string | string[] | undefined | null;

/** The first value of a parameter (`?a=1&a=2` gives "1"); undefined when absent or empty. */
export function firstParam(value: Raw): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first !== '' ? first : undefined;
}

/**
 * Every parameter reduced to its first value: the shape zod schemas of page params expect. A page's
 * searchParams and a route's URL read alike (a route's Object.fromEntries would keep the last value).
 */
export function pageParams(raw: URLSearchParams | Record<string, Raw>): Record<string, string | undefined> {
  if (raw instanceof URLSearchParams) return Object.fromEntries([...new Set(raw.keys())].map((key) => [key, firstParam(raw.get(key))]));
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, firstParam(value)]));
}

// What PostgreSQL refuses in text: NUL, and unpaired surrogates (no UTF-8 form).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// ... and, in free text typed by a person, every C0/C1 control character as well.
const UNSAFE_TEXT_ALL = new RegExp(`${NOT_TEXT.source}|[\\u0001-\\u001f\\u007f-\\u009f]`, 'g');

/** True when PostgreSQL accepts the string as a text value. */
export const isPgText = (value: string) => !NOT_TEXT.test(value);

/** Free text (a search): control characters become spaces, then trimmed; undefined when nothing is left. */
export function textParam(value: Raw, maxLength = 100): string | undefined {
  const text = [...(firstParam(value)?.replace(UNSAFE_TEXT_ALL, ' ').trim() ?? '')].slice(0, maxLength).join('').trim();
  return text || undefined;
}

const BIGINT_MAX = 9_223_372_036_854_775_807n;

/** A positive id of a bigint column, in digits only; undefined past bigint or past what a JS number holds exactly. */
export function idParam(value: Raw): number | undefined {
  const text = firstParam(value);
  if (!text || !/^[0-9]{1,19}$/.test(text)) return undefined;
  const n = BigInt(text);
  return n > 0n && n <= BIGINT_MAX && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A uuid, or undefined. */
export function uuidParam(value: Raw): string | undefined {
  const text = firstParam(value);
  return text && UUID.test(text) ? text : undefined;
}

// PostgreSQL's own text form of a timestamptz (ISO DateStyle), as `::text` writes it:
// "2026-11-25 15:19:42.123456+00", "... +05:30", "... -03:30:15"; and '-infinity' for the sort key of
// "never". Years are limited to 4 digits (AD 1-9999): the cursors this app makes never hold others.
const TIMESTAMPTZ = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?([+-])(\d{2})(?::(\d{2})(?::(\d{2}))?)?$/;

/**
 * A Date PostgreSQL takes as drivers send it (ISO text, in UTC): years 1 to 9999. JavaScript's Date
 * also holds year 0 and beyond 9999, which PostgreSQL's input refuses ("date/time field value out of
 * range": a 500 where the value came from a URL or a form).
 */
export const isPgDate = (date: Date) => !Number.isNaN(date.getTime()) && date.getUTCFullYear() >= 1 && date.getUTCFullYear() <= 9999;

/**
 * True when the string is a timestamptz PostgreSQL accepts and this app could have written: the
 * calendar is checked as PostgreSQL checks it (no 30 February, hour < 24, offset within ±15:59:59).
 */
export function isTimestamptzText(value: string): boolean {
  if (value === '-infinity') return true;
  const m = TIMESTAMPTZ.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second, , offsetHour, offsetMinute, offsetSecond] = m.slice(1).map((s) => s ?? '0');
  const y = Number(year);
  const daysInMonth = new Date(Date.UTC(2000, Number(month), 0)).getUTCDate(); // leap year by default: checked below
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return (
    y >= 1 &&
    Number(month) >= 1 &&
    Number(month) <= 12 &&
    Number(day) >= 1 &&
    Number(day) <= (Number(month) === 2 && !leap ? 28 : daysInMonth) &&
    Number(hour) <= 23 &&
    Number(minute) <= 59 &&
    Number(second) <= 59 &&
    Number(offsetHour) <= 15 &&
    Number(offsetMinute) <= 59 &&
    Number(offsetSecond) <= 59
  );
}
