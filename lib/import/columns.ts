// Import columns: which header means which field (case, spaces and punctuation ignored, common
// aliases accepted), and which columns a file must have.
import type { RequiredField } from '@/db/schema';

export type BaseField = 'firstName' | 'lastName' | 'email' | 'role' | 'environments' | 'tags';

/** The grid's and the template's columns, in order, with the header each one is written under. */
export const BASE_COLUMNS: { field: BaseField; header: string }[] = [
  { field: 'firstName', header: 'First name' },
  { field: 'lastName', header: 'Last name' },
  { field: 'email', header: 'Email' },
  { field: 'role', header: 'Role' },
  { field: 'environments', header: 'Environments' },
  { field: 'tags', header: 'Tags' },
];

const ALIASES: Record<BaseField, string[]> = {
  firstName: ['first name', 'firstname', 'given name', 'forename', 'first', 'prénom', 'vorname'],
  lastName: ['last name', 'lastname', 'surname', 'family name', 'last', 'nom', 'nachname'],
  email: ['email', 'e-mail', 'email address', 'e-mail address', 'mail', 'emailaddress'],
  role: ['role', 'role name', 'user role'],
  environments: ['environments', 'environment', 'envs', 'env'],
  tags: ['tags', 'tag', 'labels'],
};

/** A header as compared: lower case, without spaces, hyphens, underscores, dots or a trailing "(...)". */
export const normalizeHeader = (header: string) =>
  header
    .normalize('NFC')
    .toLowerCase()
    .replace(/\(.*\)\s*$/, '')
    .replace(/[\s\-_.*:]+/g, '');

const ALIAS_INDEX = new Map<string, BaseField>(
  Object.entries(ALIASES).flatMap(([field, names]) => names.map((n) => [normalizeHeader(n), field as BaseField])),
);

/** True when an import reads this header as one of its standard columns (Email, Role, an alias of one). */
export const isStandardColumn = (header: string) => ALIAS_INDEX.has(normalizeHeader(header));

export type ColumnMap = {
  /** Column index of each base field found. */
  base: Partial<Record<BaseField, number>>;
  /** Column index of each profile field found, by key. */
  profile: Record<string, number>;
  /** Human names of the columns a file must have but lacks. */
  missing: string[];
  /** Headers that matched nothing (ignored). */
  ignored: string[];
  /** Fields named by more than one column (the first is used; a file with any is refused): their header and each column's letter and header. */
  duplicates: { field: string; columns: { letter: string; header: string }[] }[];
};

/** A column's letter as a spreadsheet shows it: 0 → A, 26 → AA. */
export function columnLetter(index: number): string {
  let letter = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letter = String.fromCharCode(65 + ((n - 1) % 26)) + letter;
  return letter;
}

/** Matches a header row to fields. Profile fields match their label or their key. */
export function matchColumns(headers: readonly string[], profileFields: readonly RequiredField[]): ColumnMap {
  const base: ColumnMap['base'] = {};
  const profile: ColumnMap['profile'] = {};
  const ignored: string[] = [];
  const named = new Map<string, { field: string; columns: { letter: string; header: string }[] }>();
  const profileIndex = new Map<string, string>();
  for (const f of profileFields) {
    profileIndex.set(normalizeHeader(f.label), f.key);
    profileIndex.set(normalizeHeader(f.key), f.key);
  }
  headers.forEach((raw, index) => {
    const header = normalizeHeader(raw ?? '');
    if (!header) return;
    const field = ALIAS_INDEX.get(header);
    const key = field ?? profileIndex.get(header);
    if (key) {
      const label = field ? BASE_COLUMNS.find((c) => c.field === field)!.header : (profileFields.find((f) => f.key === key)?.label ?? key);
      const entry = named.get(key) ?? { field: label, columns: [] };
      entry.columns.push({ letter: columnLetter(index), header: raw.trim() });
      named.set(key, entry);
    }
    if (field && base[field] === undefined) base[field] = index;
    // Own keys only: a field keyed "constructor" or "toString" is a valid key, not Object's.
    else if (!field && profileIndex.has(header) && !Object.hasOwn(profile, profileIndex.get(header)!))
      profile[profileIndex.get(header)!] = index;
    else ignored.push(raw);
  });
  const missing = BASE_COLUMNS.filter((c) => ['firstName', 'lastName', 'email', 'role'].includes(c.field) && base[c.field] === undefined).map(
    (c) => c.header,
  );
  const duplicates = [...named.values()].filter((d) => d.columns.length > 1);
  return { base, profile, missing, ignored, duplicates };
}

/** The unique required fields of a set of roles, in first-seen order (one grid column each). */
export function profileColumns(roles: readonly { requiredFields: readonly RequiredField[] }[]): RequiredField[] {
  const seen = new Map<string, RequiredField>();
  for (const role of roles) for (const f of role.requiredFields) if (!seen.has(f.key)) seen.set(f.key, f);
  return [...seen.values()];
}

/** The columns of a header row that no field takes (a misspelt or extra column), by letter and header, for the preview. */
export function ignoredColumns(headers: readonly string[], roles: readonly { requiredFields: readonly RequiredField[] }[]): { letter: string; header: string }[] {
  const map = matchColumns(headers, profileColumns(roles));
  const used = new Set([...Object.values(map.base), ...Object.values(map.profile)]);
  const duplicated = new Set(map.duplicates.flatMap((d) => d.columns.map((c) => c.letter)));
  return headers.flatMap((header, index) =>
    header.trim() && !used.has(index) && !duplicated.has(columnLetter(index)) ? [{ letter: columnLetter(index), header: header.trim() }] : [],
  );
}
