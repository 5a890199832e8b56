// Field schemas shared by forms, imports and the APIs, so a rule reads the same everywhere.
import { z } from 'zod';

/** Text that is missing is asked for; anything else that is not one string (a field posted twice, a JSON number) is named. */
const textOf = (what: string, required: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? required : `The ${what} must be one piece of text.`) });

export const emailSchema = textOf('email address', 'Enter an email address.')
  .trim()
  .min(1, 'Enter an email address.')
  .max(254, 'Email addresses are at most 254 characters.')
  .pipe(z.email('Enter a valid email address, like name@example.com.'));

// Control (Cc) and format (Cf) characters: zero-width spaces, bidi overrides and isolates, soft hyphens,
// BOMs; plus line/paragraph separators. Shown next to other text they hide it or reorder it, so a name
// can look blank or like someone else's. Exception: ZWNJ/ZWJ between two letters, which Persian and
// Indic names need. Also half a surrogate pair (Cs: JSON can carry "\ud800", which is no character and
// which PostgreSQL refuses in jsonb) and the noncharacters U+FFFE/U+FFFF (not allowed in XML).
const JOINER_IN_WORD = /(?<=[\p{L}\p{M}])[\u200c\u200d](?=[\p{L}\p{M}])/gu;
const HIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029\ufffe\uffff]/u;
// Letters that render as nothing (Hangul fillers, braille blank): a name of only these is blank, so a
// name must hold some character other than these and white space.
const SHOWN = /[^\u115f\u1160\u3164\uffa0\u2800\s]/u;

/**
 * True when the text holds a character that hides or reorders what is shown around it. The joiners are
 * themselves such characters, so text without any (nearly every name) is answered without a copy.
 */
export const hasHiddenCharacters = (text: string) => HIDDEN.test(text) && HIDDEN.test(text.replace(JOINER_IN_WORD, ''));

const hiddenMessage = (what: string) =>
  `The ${what} contains invisible, control or broken characters (such as zero-width or right-to-left marks). Type it again without them.`;

/** Free text shown to people (names, tags, reasons): trimmed, on one line, no hidden characters, at most `max`. */
export const plainTextSchema = (what: string, max: number, required = `Enter the ${what}.`) =>
  textOf(what, required)
    .trim()
    // A line break (pasted from a document or a spreadsheet cell) is named as such, not as a hidden character.
    .refine((v) => !/[\r\n]/.test(v), { error: `The ${what} must be on one line: remove the line break.`, abort: true })
    .refine((v) => !hasHiddenCharacters(v), hiddenMessage(what))
    .max(max, `The ${what} is at most ${max} characters.`);

/** As plainTextSchema, and required: blank (or only invisible letters) is refused with `required`. */
export const requiredTextSchema = (what: string, max: number, required = `Enter the ${what}.`) =>
  plainTextSchema(what, max, required).refine((v) => SHOWN.test(v), required);

export const nameSchema = (what: string) => requiredTextSchema(what, 100);

/**
 * Text typed in a box of several lines (a ban's reason, a key's description) but shown on one line: its
 * line breaks and tabs become spaces before `schema` checks it, instead of being refused as control characters.
 */
export const oneLine = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' ? v.replace(/\r\n|[\r\n\t]/g, ' ') : v), schema);

// A word that mixes Latin letters with Cyrillic or Greek ones ("Аdministrator", its first letter Cyrillic)
// reads as another name. Words each in one alphabet ("Support команда") are fine.
const LOOKALIKE_SCRIPTS = [/\p{Script=Latin}/u, /\p{Script=Cyrillic}/u, /\p{Script=Greek}/u];
const mixesScripts = (text: string) => text.split(' ').some((word) => LOOKALIKE_SCRIPTS.filter((script) => script.test(word)).length > 1);

/**
 * A name people pick from a list (a role, an environment): as requiredTextSchema, stored composed (NFC)
 * with each run of spaces (a doubled or non-breaking space) as one, so two names never differ only in
 * spacing or in how an accent is encoded; a word mixing look-alike alphabets is refused.
 */
export const listNameSchema = (what: string, max: number) =>
  requiredTextSchema(what, max)
    .transform((v) => v.normalize('NFC').replace(/\s+/g, ' '))
    .refine(
      (v) => !mixesScripts(v),
      `The ${what} mixes Latin letters with Cyrillic or Greek ones in one word, so it can pass for another name. Type it again in one alphabet.`,
    );

/**
 * How a role or environment name is matched: case ignored, runs of spaces taken as one, and look-alike
 * encodings (a decomposed accent, full-width letters, ligatures) taken as the letters they show (NFKC).
 */
export const nameKey = (name: string) => name.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * A whole number from a form or an API, digits only: an emptied field is `required` (z.coerce would make
 * it 0, which switches things off), and "1e1" or "0x10" are not whole numbers. Digits past what a
 * JavaScript number holds exactly are still a whole number: out of range (every range here is far inside it).
 */
const exactOrBeyond = (n: number) => Math.min(Math.max(n, Number.MIN_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);

export const wholeNumberSchema = (min: number, max: number, messages: { required: string; whole: string; min: string; max: string }) =>
  z.preprocess(
    (v) => (v === null ? undefined : typeof v !== 'string' ? v : v.trim() === '' ? undefined : /^[+-]?\d+$/.test(v.trim()) ? exactOrBeyond(Number(v.trim())) : Number.NaN),
    z
      .number({ error: (issue) => (issue.input === undefined ? messages.required : messages.whole) })
      .int(messages.whole)
      .min(min, messages.min)
      .max(max, messages.max),
  );
