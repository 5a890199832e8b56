// Validating an import before anything is written: each row against the same schemas and rules as Add
// (newUserSchema, checkGrant's role and environment rules, a role's required fields, email in use),
// plus duplicates within the file, the importer's scope and the last-Administrator rule. Database
// checks run once per chunk of rows (one query for all the chunk's emails), never once per row, and
// validated rows are stored chunk by chunk in import_rows, so memory stays flat however long the file.
import { sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import type { RequiredField } from '@/db/schema';
import { ADMINISTRATOR, isAdministrator } from '@/lib/auth/permissions';
import { canGrant, canSeeEnvironment, isSelf, type Principal } from '@/lib/auth/principal';
import { rows as rowsOf } from '@/lib/db-rows';
import { AppError } from '@/lib/errors';
import { profileProblems } from '@/lib/roles';
import { administratorRole } from '@/lib/users/admin-guard';
import { newUserSchema } from '@/lib/users/create';
import { changeRefusal } from '@/lib/users/scope';
import { OWN_ENVIRONMENT, OWN_ROLE } from '@/lib/users/update';
import { unneutraliseFormula } from '@/lib/spreadsheet-safety';
import { nameKey } from '@/lib/validation';
import { copyRows } from './copy';
import { BASE_COLUMNS, matchColumns, normalizeHeader, profileColumns, type BaseField, type ColumnMap } from './columns';
import { MAX_COLUMNS } from './read';

export type ImportRole = { id: string; name: string; builtIn: boolean; permissions: string[]; requiredFields: RequiredField[]; allEnvironments: boolean };
export type ImportEnvironment = { id: string; name: string; archived: boolean };

export type ValidationContext = {
  principal: Principal;
  roles: ImportRole[];
  environments: ImportEnvironment[];
  /** Rows that name no environment go here (the importer's current environment). */
  defaultEnvironmentId: string | null;
  /** A new user's role when the Role cell is empty (User, as on the Add form); an existing user keeps theirs. */
  defaultRoleId: string | null;
  existing: 'skip' | 'update';
};

export type RowError = { column: string; message: string };
export type NewUserData = {
  email: string;
  firstName: string;
  lastName: string;
  roleId: string;
  environmentIds: string[];
  tags: { name: string; value: string }[];
  profile: Record<string, string>;
  /** Updates: the file named no environment, so the user's memberships stay as they are. */
  keepEnvironments?: boolean;
  /** The Role cell was empty: a new user gets the default role, an existing user keeps theirs. */
  keepRole?: boolean;
  /** No environment named and no current one: fine for an update (memberships kept), an error for a new user. */
  noEnvironment?: boolean;
  userId?: string;
  /** Updates: the user's version at the preview; the run skips a user changed since. */
  version?: number;
};
export type CheckedRow = { rowNo: number; cells: string[]; kind: 'new' | 'update' | 'skip' | 'error'; data: NewUserData | null; errors: RowError[]; message: string | null };
export type ImportCounts = { totalRows: number; newCount: number; updateCount: number; skipCount: number; errorCount: number };

export const CHUNK = 5_000;

// C0 controls other than tab, line feed and carriage return, DEL, C1 controls, and the Unicode
// line/paragraph separators and bidi overrides that make a name display as something else.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;
const codePoint = (s: string) => `U+${s.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

// The JavaScript twin of administratorRole() in lib/users/admin-guard.ts.
const isAdministratorRole = (role: { name: string; builtIn: boolean; permissions: readonly string[]; allEnvironments: boolean }) =>
  (role.builtIn && role.name === ADMINISTRATOR) || isAdministrator(role);

/** "Name=Value; Other" as tags. */
export function parseTags(cell: string): { name: string; value: string }[] {
  return cell
    .split(/[;\n]/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf('=');
      return at < 0 ? { name: part, value: '' } : { name: part.slice(0, at).trim(), value: part.slice(at + 1).trim() };
    });
}


/**
 * A cell's value as quoted in a message: without the characters the control-character error already
 * names (a NUL cannot even be stored), and cut short, so a 10 MB cell makes a one-line message.
 */
const CONTROL_OR_BROKEN = /[\p{Cc}\p{Cs}]/gu;
const HIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/gu;
/** Text without the characters that hide or reorder what is around it, or that PostgreSQL cannot store (NUL). */
export const visibleText = (value: string) => value.replace(HIDDEN, '');
const shown = (value: string) => {
  const text = visibleText(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
};

/** Problems listed for one Environments cell; a cell naming thousands of unknown ones gets a count for the rest. */
const MAX_ENVIRONMENT_ERRORS = 10;

const splitList = (cell: string) =>
  cell
    .split(/[;,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);

const NO_ENVIRONMENT: RowError = { column: 'Environments', message: 'Enter at least one environment.' };
const errorMessage = (errors: RowError[]) => errors.map((e) => `${e.column}: ${e.message}`).join(' ');

/**
 * What editing the user on their profile would refuse of an update (lib/users/update.ts), by column:
 * changing one's own role, leaving one of one's own environments, or a user of a role bound to
 * environments left in none (an Administrator, who belongs to none, made an Account Manager with no
 * environment named). Kept memberships stay as they are, archived or not.
 */
export function editRefusal(
  principal: Principal,
  user: { id: string; roleId: string; environmentIds: readonly string[] },
  row: { roleId: string; allEnvironments: boolean; environmentIds: readonly string[]; keepEnvironments: boolean },
  active: (environmentId: string) => boolean,
): RowError | null {
  const self = isSelf(principal, user.id);
  if (self && row.roleId !== user.roleId) return { column: 'Role', message: OWN_ROLE };
  if (row.allEnvironments) return null;
  const after = row.keepEnvironments ? user.environmentIds : row.environmentIds;
  if (after.length === 0) return NO_ENVIRONMENT;
  if (self && user.environmentIds.some((id) => active(id) && canSeeEnvironment(principal, id) && !after.includes(id)))
    return { column: 'Environments', message: OWN_ENVIRONMENT };
  return null;
}

/** Each base field's column header, for messages. */
const HEADER = Object.fromEntries(BASE_COLUMNS.map((c) => [c.field, c.header])) as Record<BaseField, string>;

/** A cell's text; a report or export fixed and uploaded again holds the apostrophes its writer put before = + - @. */
const cellAt = (cells: string[], index: number | undefined) => (index === undefined ? '' : unneutraliseFormula(cells[index] ?? ''));

function refuseControl(errors: RowError[], column: string, value: string) {
  const bad = CONTROL.exec(value);
  if (bad) errors.push({ column, message: `Contains a control character (${codePoint(bad[0])}). Remove it and try again.` });
}

/**
 * Checks what one row can be checked on its own; the email's use elsewhere is checked per chunk. It
 * runs once per row of files of 100,000 rows, so it makes no functions of its own per row.
 */
export function checkRow(rowNo: number, cells: string[], columns: ColumnMap, ctx: ValidationContext, lookups: Lookups): CheckedRow {
  const errors: RowError[] = [];
  const text = {} as Record<BaseField, string>;
  for (const { field, header } of BASE_COLUMNS) refuseControl(errors, header, (text[field] = cellAt(cells, columns.base[field])));
  for (const key in columns.profile) refuseControl(errors, lookups.profileLabel.get(key) ?? key, cellAt(cells, columns.profile[key]));

  const roleName = text.role.trim();
  const role = roleName ? lookups.roleByName.get(nameKey(roleName)) : lookups.defaultRole;
  if (!role) errors.push({ column: HEADER.role, message: roleName ? `There is no role named "${shown(roleName)}". Roles: ${lookups.roleNames}.` : 'Enter a role.' });
  else if (!canGrant(ctx.principal, role))
    errors.push({ column: HEADER.role, message: `You cannot grant the ${role.name} role: it has permissions or reach you do not hold.` });

  // Environments are checked whatever the role cell holds, so one pass shows every problem of the row;
  // a role that reaches every environment needs none and takes none.
  let environmentIds: string[] = [];
  // Each name once: a cell repeating one name 100,000 times is checked (and told) once.
  const names = [...new Set(splitList(text.environments))];
  if (!role?.allEnvironments) {
    let refused = 0;
    for (const name of names) {
      const found = lookups.environmentByName.get(nameKey(name));
      // One the importer does not manage is answered as one that does not exist: an Account Manager is
      // never told the names of other environments (nor is anyone, anywhere else in the portal).
      const env = found && canSeeEnvironment(ctx.principal, found.id) ? found : undefined;
      let message: string | undefined;
      if (!env) message = ctx.principal.allEnvironments ? `There is no environment named "${shown(name)}".` : `None of your environments is named "${shown(name)}".`;
      else if (env.archived) message = `The ${env.name} environment is archived: choose an active one.`;
      else environmentIds.push(env.id);
      if (message && ++refused <= MAX_ENVIRONMENT_ERRORS) errors.push({ column: HEADER.environments, message });
    }
    if (refused > MAX_ENVIRONMENT_ERRORS)
      errors.push({ column: HEADER.environments, message: `And ${(refused - MAX_ENVIRONMENT_ERRORS).toLocaleString('en')} more environments that cannot be used.` });
    if (names.length === 0 && ctx.defaultEnvironmentId) environmentIds = [ctx.defaultEnvironmentId];
    environmentIds = [...new Set(environmentIds)];
  }

  const profile: Record<string, string> = {};
  for (const field of role?.requiredFields ?? []) profile[field.key] = cellAt(cells, Object.hasOwn(columns.profile, field.key) ? columns.profile[field.key] : undefined).trim();
  for (const { field, missing, message } of profileProblems(role?.requiredFields ?? [], profile))
    errors.push({ column: field.label, message: missing ? `Enter the ${field.label} (required for the ${role!.name} role).` : message });

  const parsed = newUserSchema.safeParse({
    firstName: text.firstName,
    lastName: text.lastName,
    email: text.email,
    roleId: role?.id ?? '00000000-0000-4000-8000-000000000000',
    environmentIds,
    tags: parseTags(text.tags),
    profile,
  });
  if (!parsed.success) {
    const columnOf: Record<string, string> = { ...HEADER, environmentIds: HEADER.environments, roleId: HEADER.role };
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      const column = key === 'profile' ? (lookups.profileLabel.get(String(issue.path[1])) ?? 'Profile') : (columnOf[key] ?? key);
      if (!errors.some((e) => e.column === column)) errors.push({ column, message: issue.message });
    }
  }
  // No environment named and no current one: a new user has nowhere to go, but an update keeps the
  // user's memberships, so a row with no other problem waits for checkExisting to know which it is.
  const noEnvironment = role !== undefined && !role.allEnvironments && names.length === 0 && !ctx.defaultEnvironmentId;
  if (noEnvironment && errors.length > 0 && !errors.some((e) => e.column === NO_ENVIRONMENT.column)) errors.push(NO_ENVIRONMENT);
  if (errors.length > 0 || !parsed.success || !role)
    return { rowNo, cells, kind: 'error', data: null, errors, message: errorMessage(errors) };
  return { rowNo, cells, kind: 'new', data: { ...parsed.data, roleId: role.id, keepEnvironments: names.length === 0, keepRole: !roleName, ...(noEnvironment && { noEnvironment }) }, errors: [], message: null };
}

type Lookups = {
  roleByName: Map<string, ImportRole>;
  defaultRole: ImportRole | undefined;
  roleNames: string;
  environmentByName: Map<string, ImportEnvironment>;
  profileLabel: Map<string, string>;
};

function lookupsFor(ctx: ValidationContext): Lookups {
  const grantable = ctx.roles.filter((r) => canGrant(ctx.principal, r));
  return {
    roleByName: new Map(ctx.roles.map((r) => [nameKey(r.name), r])),
    defaultRole: ctx.roles.find((r) => r.id === ctx.defaultRoleId),
    roleNames: grantable.map((r) => r.name).join(', ') || 'none you may grant',
    environmentByName: new Map(ctx.environments.map((e) => [nameKey(e.name), e])),
    profileLabel: new Map(profileColumns(ctx.roles).map((f) => [f.key, f.label])),
  };
}

type Existing = { id: string; roleId: string; email: string; status: string; version: number; name: string; builtIn: boolean; permissions: string[]; allEnvironments: boolean; environmentIds: string[] };

/** Settles rows whose email is already taken (skip, update or refuse), with one query for the chunk. */
/**
 * The profile values a row gives for a role: its required fields' non-blank cells, each checked against
 * the field's pattern (a blank cell keeps the stored value, as a blank Environments or Tags cell does).
 */
function profileGiven(cells: string[], columns: ColumnMap, role: ImportRole, lookups: Lookups): { profile: Record<string, string>; errors: RowError[] } {
  const profile: Record<string, string> = {};
  for (const field of role.requiredFields) {
    const value = Object.hasOwn(columns.profile, field.key) ? cellAt(cells, columns.profile[field.key]).trim() : '';
    if (value) profile[field.key] = value;
  }
  const errors = profileProblems(role.requiredFields, profile)
    .filter((p) => !p.missing)
    .map((p) => ({ column: lookups.profileLabel.get(p.field.key) ?? p.field.label, message: p.message }));
  return { profile, errors };
}

async function checkExisting(db: Queryable, chunk: CheckedRow[], ctx: ValidationContext, demotions: number[], columns: ColumnMap, lookups: Lookups) {
  const candidates = chunk.filter((r) => r.kind === 'new');
  if (candidates.length === 0) return;
  const emails = candidates.map((r) => r.data!.email.toLowerCase());
  const found = await rowsOf<Existing>(
    db,
    sql`select u.id, u.role_id as "roleId", lower(u.email) as email, u.status, u.version, r.name, r.built_in as "builtIn", r.permissions, r.all_environments as "allEnvironments", u.environment_ids as "environmentIds"
        from users u join roles r on r.id = u.role_id
        where lower(u.email) = any(${`{${emails.map((e) => `"${e.replace(/["\\]/g, '\\$&')}"`).join(',')}}`}::text[])`,
  );
  const byEmail = new Map(found.map((u) => [u.email, u]));
  const roleById = new Map(ctx.roles.map((r) => [r.id, r]));
  const active = (id: string) => ctx.environments.some((e) => e.id === id && !e.archived);
  for (const row of candidates) {
    const user = byEmail.get(row.data!.email.toLowerCase());
    if (!user) {
      if (row.data!.noEnvironment) Object.assign(row, { kind: 'error', data: null, errors: [NO_ENVIRONMENT], message: errorMessage([NO_ENVIRONMENT]) });
      continue;
    }
    if (ctx.existing === 'skip') {
      Object.assign(row, { kind: 'skip', message: 'A user with this email already exists: skipped.' });
      continue;
    }
    const p = ctx.principal;
    const visible = p.allEnvironments || user.allEnvironments || user.environmentIds.some((id) => p.environmentIds.includes(id));
    const refusal = !visible
      ? 'A user with this email exists outside your environments: you cannot update them.'
      : user.status === 'banned'
        ? 'This user is banned: validate them on their profile before updating them by import.'
        : changeRefusal(p, { email: user.email, rolePermissions: user.permissions, roleAllEnvironments: user.allEnvironments }, user.environmentIds);
    // An empty Role cell keeps the user's role, as an empty Environments or Tags cell keeps theirs; the
    // row was checked against the default role, so its profile is read again for the user's own: the
    // columns of that role's fields are taken (they were passed over), and checked.
    const roleId = row.data!.keepRole ? user.roleId : row.data!.roleId;
    if (!refusal && roleId !== row.data!.roleId) {
      const own = profileGiven(row.cells, columns, roleById.get(roleId)!, lookups);
      if (own.errors.length > 0) {
        Object.assign(row, { kind: 'error', data: null, errors: own.errors, message: errorMessage(own.errors) });
        continue;
      }
      row.data!.profile = own.profile;
    }
    const error = refusal
      ? { column: 'Email', message: refusal }
      : editRefusal(p, user, { ...row.data!, roleId, allEnvironments: roleById.get(roleId)!.allEnvironments, keepEnvironments: row.data!.keepEnvironments === true }, active);
    if (error) {
      Object.assign(row, { kind: 'error', data: null, errors: [error], message: errorMessage([error]) });
      continue;
    }
    row.kind = 'update';
    row.data!.userId = user.id;
    row.data!.roleId = roleId;
    row.data!.version = user.version;
    if (user.status === 'active' && isAdministratorRole(user) && !isAdministratorRole(roleById.get(row.data!.roleId)!))
      demotions.push(row.rowNo);
  }
}

async function storeChunk(db: Queryable, jobId: string, chunk: CheckedRow[]) {
  await copyRows(
    db,
    'import_rows',
    ['job_id', 'row_no', 'cells', 'kind', 'data', 'errors', 'message'],
    chunk.map((r) => [jobId, r.rowNo, JSON.stringify(r.cells), r.kind, r.data && JSON.stringify(r.data), r.errors.length ? JSON.stringify(r.errors) : null, r.message]),
  );
}

/**
 * Reads the header and every row, validates them, and stores them under the job. Refuses (AppError,
 * nothing kept) a file without the required columns or without any user rows.
 */
export async function validateImport(
  db: Queryable,
  jobId: string,
  input: AsyncIterable<string[]>,
  ctx: ValidationContext,
): Promise<ImportCounts & { headers: string[] }> {
  const iterator = input[Symbol.asyncIterator]();
  try {
    return await checkRows(db, jobId, iterator, ctx);
  } finally {
    // A file refused part way (no Email column, say) is let go of: its reader closes the file.
    await iterator.return?.();
  }
}

async function checkRows(db: Queryable, jobId: string, iterator: AsyncIterator<string[]>, ctx: ValidationContext): Promise<ImportCounts & { headers: string[] }> {
  const lookups = lookupsFor(ctx);
  let headers: string[] | undefined;
  let rowNo = 0;
  // The header is the first row with any text in it, as far as its last named column.
  while (!headers) {
    const next = await iterator.next();
    if (next.done) throw new AppError('invalid', 'The file is empty. Add a header row (First name, Last name, Email, Role, ...) and one row per user.');
    rowNo++;
    const width = next.value.findLastIndex((c) => c.trim()) + 1;
    // A header is a label, never stored data: control characters (a NUL cannot be stored) are left out.
    if (width > 0) headers = next.value.slice(0, width).map((c) => c.replace(CONTROL_OR_BROKEN, '').trim());
  }
  const columns = matchColumns(headers, profileColumns(ctx.roles));
  if (columns.missing.length > 0)
    throw new AppError(
      'invalid',
      `The file has no ${columns.missing.join(', ')} column${columns.missing.length > 1 ? 's' : ''}. The first row must name the columns: First name, Last name, Email, Role (Environments, Tags and the roles' required fields are optional columns).${headers.length === MAX_COLUMNS ? ` Only the first ${MAX_COLUMNS} columns are read.` : ''}`,
    );

  // Two columns for one field (an "Email" and an "E-mail address", say): which one holds the users'
  // values is a guess the import does not make.
  if (columns.duplicates.length > 0)
    throw new AppError(
      'invalid',
      `${columns.duplicates
        .map((d) => `The file has ${d.columns.length} ${d.field} columns (${d.columns.map((c) => `${c.letter} "${c.header}"`).join(', ')})`)
        .join('. ')}. Keep one column per field (delete or rename the others), then upload the file again.`,
    );

  // The header again, as where files were put one after the other: no user, and not three errors.
  const header = headers.map(normalizeHeader);
  const isHeader = (cells: string[]) => header.every((h, i) => normalizeHeader(cells[i] ?? '') === h);

  const counts: ImportCounts = { totalRows: 0, newCount: 0, updateCount: 0, skipCount: 0, errorCount: 0 };
  const seen = new Map<string, number>();
  const demotions: number[] = [];
  let chunk: CheckedRow[] = [];
  // A chunk is stored while the next one is read and checked (the server's work beside this process's);
  // the next chunk's own queries wait for it, as statements of one transaction do.
  let storing: Promise<void> = Promise.resolve();
  const flush = async () => {
    await storing;
    await checkExisting(db, chunk, ctx, demotions, columns, lookups);
    for (const r of chunk) counts[`${r.kind}Count`]++;
    storing = storeChunk(db, jobId, chunk);
    storing.catch(() => {}); // awaited at the next flush
    chunk = [];
  };
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    rowNo++;
    // What lies right of the header is under no column: neither checked nor stored.
    const cells = next.value.slice(0, headers.length);
    if (!cells.some((c) => c.trim())) continue;
    counts.totalRows++;
    const row = isHeader(cells)
      ? { rowNo, cells, kind: 'skip' as const, data: null, errors: [], message: 'This row repeats the header row: skipped.' }
      : checkRow(rowNo, cells, columns, ctx, lookups);
    if (row.data) {
      const email = row.data.email.toLowerCase();
      const first = seen.get(email);
      if (first !== undefined) {
        const message = `This email is also on row ${first}: each user once per file.`;
        Object.assign(row, { kind: 'error', data: null, errors: [{ column: 'Email', message }], message: `Email: ${message}` });
      } else seen.set(email, rowNo);
    }
    chunk.push(row);
    if (chunk.length >= CHUNK) await flush();
  }
  await flush();
  await storing;
  if (counts.totalRows === 0)
    throw new AppError('invalid', 'The file has a header row but no users. Add one row per user under the header.');
  if (demotions.length > 0) counts.errorCount += await refuseLastAdministratorDemotions(db, jobId, demotions, counts);
  return { ...counts, headers };
}

/** When the file would demote every active Administrator, the demoting rows become errors. */
async function refuseLastAdministratorDemotions(db: Queryable, jobId: string, rowNos: number[], counts: ImportCounts): Promise<number> {
  const admins = await rowsOf<{ n: number }>(
    db,
    sql`select count(*)::int as n from users u join roles r on r.id = u.role_id
        where u.status = 'active' and ${administratorRole(sql.raw('r'))}`,
  );
  if ((admins[0]?.n ?? 0) > rowNos.length) return 0;
  const message = 'This change would leave the organization without an active Administrator. Keep at least one.';
  await db.execute(sql`
    update import_rows set kind = 'error', data = null,
      errors = ${JSON.stringify([{ column: 'Role', message }])}::jsonb, message = ${`Role: ${message}`}
    where job_id = ${jobId}::uuid and row_no = any(${`{${rowNos.join(',')}}`}::int[])`);
  counts.updateCount -= rowNos.length;
  return rowNos.length;
}
