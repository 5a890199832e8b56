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

export type ColumnMap = {
  /** Column index of each base field found. */
  base: Partial<Record<BaseField, number>>;
  /** Column index of each profile field found, by key. */
  profile: Record<string, number>;
  /** Human names of the columns a file must have but lacks. */
  missing: string[];
  /** Headers that matched nothing (ignored). */
  ignored: string[];
};

/** Matches a header row to fields. Profile fields match their label or their key. */
export function matchColumns(headers: readonly string[], profileFields: readonly RequiredField[]): ColumnMap {
  const base: ColumnMap['base'] = {};
  const profile: ColumnMap['profile'] = {};
  const ignored: string[] = [];
  const profileIndex = new Map<string, string>();
  for (const f of profileFields) {
    profileIndex.set(normalizeHeader(f.label), f.key);
    profileIndex.set(normalizeHeader(f.key), f.key);
  }
  headers.forEach((raw, index) => {
    const header = normalizeHeader(raw ?? '');
    if (!header) return;
    const field = ALIAS_INDEX.get(header);
    if (field && base[field] === undefined) base[field] = index;
    else if (!field && profileIndex.has(header) && profile[profileIndex.get(header)!] === undefined)
      profile[profileIndex.get(header)!] = index;
    else ignored.push(raw);
  });
  const missing = BASE_COLUMNS.filter((c) => ['firstName', 'lastName', 'email', 'role'].includes(c.field) && base[c.field] === undefined).map(
    (c) => c.header,
  );
  return { base, profile, missing, ignored };
}

/** The unique required fields of a set of roles, in first-seen order (one grid column each). */
export function profileColumns(roles: readonly { requiredFields: readonly RequiredField[] }[]): RequiredField[] {
  const seen = new Map<string, RequiredField>();
  for (const role of roles) for (const f of role.requiredFields) if (!seen.has(f.key)) seen.set(f.key, f);
  return [...seen.values()];
}
