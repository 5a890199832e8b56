// Roles: listing them for the user screens and the roles screen, and the rules of changing them
// (SPEC.md section 2): built-in roles keep what makes them work, nobody grants what they lack, a role
// in use is not deleted until its users are moved, and a change of permissions ends its holders' sessions.
import { createHash } from 'node:crypto';
import { RE2JS } from 're2js';
import { asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Queryable, Tx } from '@/db/client';
import { roles, users, type RequiredField, type Role } from '@/db/schema';
import { diff, recordAudit, recordAudits, type RequestMeta } from '@/lib/audit';
import { ADMINISTRATOR, BUILT_IN_ROLES, PERMISSIONS, type Permission } from '@/lib/auth/permissions';
import { canGrant, requirePermissionOf, type Principal } from '@/lib/auth/principal';
import { AppError, type FieldErrors } from '@/lib/errors';
import { listNameSchema, nameKey, plainTextSchema } from '@/lib/validation';
import { PERMISSION_HELP } from './permission-help';
import { isStandardColumn, normalizeHeader } from '@/lib/import/columns';
import { onUniqueViolation, rows } from '@/lib/db-rows';
import { assertActiveAdministratorRemains } from '@/lib/users/admin-guard';

export async function listRoles(q: Queryable) {
  return q
    .select({ id: roles.id, name: roles.name, permissions: roles.permissions, requiredFields: roles.requiredFields, allEnvironments: roles.allEnvironments })
    .from(roles)
    .orderBy(asc(roles.name));
}

export type RoleOption = Awaited<ReturnType<typeof listRoles>>[number];

/** The roles the principal may give (see canGrant). */
export const grantableRoles = (principal: Principal, all: RoleOption[]) => all.filter((r) => canGrant(principal, r));

/** The roles screen: every role with how many users hold it. */
export async function listRolesWithCounts(q: Queryable) {
  const counts = await rows<{ role_id: string; n: number }>(q, sql`select role_id, count(*)::int as n from users group by role_id`);
  const byRole = new Map(counts.map((c) => [c.role_id, Number(c.n)]));
  const all = await q.select().from(roles).orderBy(asc(roles.name));
  return all.map((r) => ({ ...r, userCount: byRole.get(r.id) ?? 0 }));
}

export const FIELD_KEY = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

export const requiredFieldSchema = z.object({
  label: z.string().trim().min(1, 'Enter a label for each required field.').max(80, 'Field labels are at most 80 characters.'),
  key: z.string().trim().regex(FIELD_KEY, 'Keys start with a letter and use letters, digits and _ (at most 40).'),
  pattern: z
    .string()
    .trim()
    .max(200, 'Patterns are at most 200 characters.')
    .optional()
    .transform((p) => p || undefined)
    .refine((p) => p === undefined || isValidPattern(p), 'This pattern is not valid: check brackets and parentheses. Patterns use the usual regular-expression syntax, without look-arounds or back-references.'),
  // The pattern in words, for the people who fill the field in: shown under it and in its error.
  hint: plainTextSchema('format hint', 120)
    .optional()
    .transform((h) => h || undefined),
});

// Patterns are written by Administrators and run against every Add, edit, import row and API call, so
// they run on RE2 (linear time, no backtracking): no pattern can stall the server on a crafted value
// (ReDoS). RE2 has no look-arounds or back-references; such patterns are refused when saved.
const compiled = new Map<string, RE2JS | null>();
function compilePattern(pattern: string): RE2JS | null {
  let found = compiled.get(pattern);
  if (found === undefined) {
    try {
      found = RE2JS.compile(pattern);
    } catch {
      found = null;
    }
    if (compiled.size >= 500) compiled.clear();
    compiled.set(pattern, found);
  }
  return found;
}

const isValidPattern = (pattern: string) => compilePattern(pattern) !== null;

/** True when the value matches the field's pattern in full (no pattern: anything). */
export const matchesPattern = (field: RequiredField, value: string) => !field.pattern || (compilePattern(field.pattern)?.matches(value) ?? false);

/**
 * A profile's value for a key, trimmed, or undefined. Only the object's own values: a field keyed
 * `constructor` or `toString` (both valid keys) must not read what every object inherits.
 */
export const profileValue = (profile: Readonly<Record<string, string | undefined>>, key: string): string | undefined => {
  const value: unknown = Object.hasOwn(profile, key) ? profile[key] : undefined;
  return typeof value === 'string' ? value.trim() : undefined;
};

/** The profile as stored: the role's own fields, trimmed; anything else sent along is not kept. */
export const roleProfile = (fields: readonly RequiredField[], profile: Readonly<Record<string, string | undefined>>): Record<string, string> =>
  Object.fromEntries(fields.flatMap((f) => (profileValue(profile, f.key) ? [[f.key, profileValue(profile, f.key)!]] : [])));

/**
 * The keys of a profile that name none of the role's fields, as field errors: a misspelt key (employeID)
 * is refused, never dropped, so a client is not told a value it sent was saved when it was not.
 */
export function strayProfileFields(role: { name: string; requiredFields: readonly RequiredField[] }, profile: Readonly<Record<string, unknown>> = {}): FieldErrors {
  const fields = role.requiredFields.map((f) => `${f.key} (${f.label})`).join(', ');
  const message = (key: string) => (fields ? `The ${role.name} role has no field ${key}: its fields are ${fields}.` : `The ${role.name} role has no profile fields, so ${key} cannot be given.`);
  return Object.fromEntries(Object.keys(profile).filter((key) => !role.requiredFields.some((f) => f.key === key)).map((key) => [`profile.${key}`, [message(key)]]));
}

/** What is wrong with a profile for a role's required fields: each field missing or not matching its pattern. */
export function profileProblems(fields: readonly RequiredField[], profile: Readonly<Record<string, string | undefined>>): { field: RequiredField; missing: boolean; message: string }[] {
  const problems = [];
  for (const field of fields) {
    const value = profileValue(profile, field.key);
    if (!value) problems.push({ field, missing: true, message: `Enter the ${field.label}.` });
    else if (!matchesPattern(field, value))
      problems.push({ field, missing: false, message: `The ${field.label} does not have the expected format${field.hint ? `: ${field.hint}` : ''}.` });
  }
  return problems;
}

export const roleInputSchema = z
  .object({
    name: listNameSchema('role name', 60),
    permissions: z.array(z.enum(PERMISSIONS, 'Choose permissions from the list.')).default([]),
    allEnvironments: z.boolean().default(false),
    requiredFields: z.array(requiredFieldSchema).max(20, 'A role asks for at most 20 fields.').default([]),
  })
  .refine((r) => new Set(r.requiredFields.map((f) => f.key.toLowerCase())).size === r.requiredFields.length, {
    message: 'Each required field needs its own key.',
    path: ['requiredFields'],
  })
  .superRefine((r, ctx) => {
    // An import takes a column for a field by its label or its key (lib/import/columns.ts): each must name one field only.
    const issue = (row: number, input: 'label' | 'key', message: string) => ctx.addIssue({ code: 'custom', path: ['requiredFields', row, input], message });
    const labels = new Map<string, number>();
    const keys = new Map<string, number>();
    r.requiredFields.forEach((f, row) => {
      const [label, key] = [normalizeHeader(f.label), normalizeHeader(f.key)];
      const sameLabel = labels.get(label) ?? keys.get(label);
      // Keys equal but for case are the refusal above.
      const sameKey = labels.get(key) ?? [...r.requiredFields.keys()].find((i) => i < row && normalizeHeader(r.requiredFields[i]!.key) === key && r.requiredFields[i]!.key.toLowerCase() !== f.key.toLowerCase());
      if (isStandardColumn(f.label)) issue(row, 'label', `“${f.label}” is already a column of every import: choose another label.`);
      else if (isStandardColumn(f.key)) issue(row, 'key', `“${f.key}” reads as a column every import already has: choose another key.`);
      else if (sameLabel !== undefined) issue(row, 'label', `Field ${sameLabel + 1} already goes by this label or key, so an import could not tell the two apart: choose another label.`);
      else if (sameKey !== undefined) issue(row, 'key', `Field ${sameKey + 1} already goes by this label or key, so an import could not tell the two apart: choose another key.`);
      if (!labels.has(label)) labels.set(label, row);
      if (!keys.has(key)) keys.set(key, row);
    });
  });

export type RoleInput = z.infer<typeof roleInputSchema>;

const NOT_GRANTABLE = 'You cannot give a role permissions or reach (all environments) that you do not hold yourself.';

function assertGrantable(principal: Principal, role: { permissions: readonly string[]; allEnvironments: boolean }, field = 'permissions') {
  if (!canGrant(principal, role)) throw new AppError('forbidden', NOT_GRANTABLE, { [field]: [NOT_GRANTABLE] });
}

// Matched as the import matches names (case and spacing aside): few roles, read them all. The lock queues
// two concurrent saves of one name, so the second is told the name is taken (not hit by the unique index).
async function nameTaken(tx: Tx, name: string, exceptId?: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(7311014)`);
  const all = await tx.select({ id: roles.id, name: roles.name }).from(roles);
  return all.some((r) => r.id !== exceptId && nameKey(r.name) === nameKey(name));
}

/**
 * A field that another role asks for under the same label or key but another key: an import, which
 * has one column per key and reads a column by label or key, could not tell which one a column fills.
 */
async function assertFieldsAgreeWithOtherRoles(tx: Tx, fields: readonly RequiredField[], exceptId?: string) {
  if (fields.length === 0) return;
  const names = (f: RequiredField) => [normalizeHeader(f.label), normalizeHeader(f.key)];
  for (const other of await tx.select({ id: roles.id, name: roles.name, requiredFields: roles.requiredFields }).from(roles)) {
    if (other.id === exceptId) continue;
    for (const theirs of other.requiredFields)
      for (const mine of fields)
        if (theirs.key !== mine.key && names(theirs).some((n) => names(mine).includes(n))) {
          const message = `The ${other.name} role asks for “${theirs.label}” (key ${theirs.key}): use its label and key for “${mine.label}”, or other ones, so an import can tell the two apart.`;
          throw new AppError('invalid', message, { requiredFields: [message] });
        }
  }
}

const NAME_TAKEN = 'A role with this name already exists.';
const nameTakenError = () => new AppError('invalid', NAME_TAKEN, { name: [NAME_TAKEN] });

const auditView = (r: Pick<Role, 'name' | 'permissions' | 'allEnvironments' | 'requiredFields'>) => ({
  name: r.name,
  // Labels people read ("See users"), in the fixed order of the checkboxes.
  permissions: PERMISSIONS.filter((p) => r.permissions.includes(p)).map((p) => PERMISSION_HELP[p].label),
  allEnvironments: r.allEnvironments,
  requiredFields: r.requiredFields.map((f) => ({ name: f.label, value: f.key + (f.pattern ? ` /${f.pattern}/` : '') })),
});

/**
 * What the editor of a role saw, as a short fingerprint of what a save changes: a save made from an
 * older view is refused instead of silently overwriting a change saved meanwhile.
 */
export const roleVersion = (r: Pick<Role, 'name' | 'permissions' | 'allEnvironments' | 'requiredFields'>) =>
  createHash('sha256').update(JSON.stringify([r.name, [...r.permissions].sort(), r.allEnvironments, r.requiredFields])).digest('hex').slice(0, 20);

export const STALE_ROLE = 'Someone else changed this role after you opened it. Reload the page to see their change, then make yours again.';

export async function createRole(tx: Tx, principal: Principal, input: RoleInput, meta?: RequestMeta) {
  requirePermissionOf(principal, 'roles.manage');
  assertGrantable(principal, input);
  if (await nameTaken(tx, input.name)) throw nameTakenError();
  await assertFieldsAgreeWithOtherRoles(tx, input.requiredFields);
  // The index on lower(name) has the last word: PostgreSQL folds some letters (İ to i) that nameKey does not.
  const [role] = await onUniqueViolation('roles_name_idx', nameTakenError, () =>
    tx
      .insert(roles)
      .values({ name: input.name, permissions: input.permissions, allEnvironments: input.allEnvironments, requiredFields: input.requiredFields })
      .returning(),
  );
  await recordAudit(tx, {
    actor: principal.actor,
    action: 'role.created',
    target: { type: 'role', id: role!.id, label: role!.name },
    changes: diff<Record<string, unknown>>({}, auditView(role!)),
    meta,
  });
  return role!;
}

async function findRole(tx: Tx, roleId: string, lock = false) {
  const query = tx.select().from(roles).where(eq(roles.id, roleId));
  const [role] = await (lock ? query.for('update') : query);
  if (!role) throw new AppError('not_found', 'This role no longer exists.');
  return role;
}

/**
 * What a built-in role must keep: its name, and exactly the permissions and reach it exists for (SPEC.md
 * section 2: a User has no admin screens, an Account Manager manages the users of their environments).
 * Adding users.write to User would make every User a manager; another set is a custom role.
 */
function builtInViolation(role: Role, input: RoleInput): string | null {
  if (!role.builtIn) return null;
  if (input.name !== role.name) return `The ${role.name} role is built in: its name cannot change.`;
  const spec = BUILT_IN_ROLES.find((b) => b.name === role.name);
  if (!spec) return null;
  const missing = spec.permissions.filter((p: Permission) => !input.permissions.includes(p));
  if (missing.length > 0) return `The ${role.name} role is built in and keeps its permissions (${missing.join(', ')}).`;
  const extra = input.permissions.filter((p) => !(spec.permissions as readonly string[]).includes(p));
  if (extra.length > 0)
    return `The ${role.name} role is built in and takes no other permissions (${extra.join(', ')}). Add a custom role for people who need more.`;
  if (role.name === ADMINISTRATOR && !input.allEnvironments) return 'The Administrator role always reaches every environment.';
  if (role.name !== ADMINISTRATOR && input.allEnvironments) return `The ${role.name} role is limited to its holders' environments.`;
  return null;
}

/**
 * A principal of some environments acts on a role's holders only when all of them are in those
 * environments (changeRefusal's rule, for everyone holding the role).
 */
async function assertHoldersWithin(tx: Tx, principal: Principal, role: { id: string; name: string }) {
  if (principal.allEnvironments) return;
  const [outside] = await rows<{ id: string }>(
    tx,
    sql`select id from users where role_id = ${role.id} and not (environment_ids <@ ${`{${principal.environmentIds.join(',')}}`}::uuid[] and cardinality(environment_ids) > 0) limit 1`,
  );
  if (outside) throw new AppError('forbidden', `Some users of ${role.name} are in environments you do not manage.`);
}

/** `input.version` is the roleVersion the editor saw (the form always sends it). */
export async function updateRole(tx: Tx, principal: Principal, roleId: string, input: RoleInput & { version?: string }, meta?: RequestMeta) {
  requirePermissionOf(principal, 'roles.manage');
  const role = await findRole(tx, roleId, true);
  // Editing a role is granting it: one may neither add nor touch what one lacks.
  assertGrantable(principal, role);
  if (input.version !== undefined && input.version !== roleVersion(role)) throw new AppError('conflict', STALE_ROLE);
  assertGrantable(principal, input);
  const violation = builtInViolation(role, input);
  if (violation) throw new AppError('invalid', violation, { permissions: [violation] });
  if (await nameTaken(tx, input.name, role.id)) throw nameTakenError();
  await assertFieldsAgreeWithOtherRoles(tx, input.requiredFields, role.id);

  const changes = diff(auditView(role), auditView({ ...role, ...input }));
  if (Object.keys(changes).length === 0) return { changed: false, sessionsEnded: 0 };
  // What a role grants is granted to each holder: not to people in environments the editor does not manage.
  if (changes.permissions || changes.allEnvironments) await assertHoldersWithin(tx, principal, role);
  await onUniqueViolation('roles_name_idx', nameTakenError, () =>
    tx
      .update(roles)
      .set({ name: input.name, permissions: input.permissions, allEnvironments: input.allEnvironments, requiredFields: input.requiredFields })
      .where(eq(roles.id, role.id)),
  );
  let sessionsEnded = 0;
  if (changes.permissions || changes.allEnvironments) {
    // Its holders' sessions end at their next request, as a role change does (set-wise, one statement).
    const ended = await tx
      .update(users)
      .set({ sessionVersion: sql`${users.sessionVersion} + 1` })
      .where(eq(users.roleId, role.id))
      .returning({ id: users.id });
    sessionsEnded = ended.length;
    // A custom role equal to Administrator may hold the last Administrators.
    await assertActiveAdministratorRemains(tx);
  }
  await recordAudit(tx, {
    actor: principal.actor,
    action: 'role.updated',
    target: { type: 'role', id: role.id, label: input.name },
    changes,
    detail: sessionsEnded > 0 ? `${sessionsEnded} holder(s) signed out.` : undefined,
    meta,
  });
  return { changed: true, sessionsEnded };
}

export const roleInUseMessage = (name: string, count: number) =>
  `The ${name} role is held by ${count} user${count === 1 ? '' : 's'}: move them to another role before deleting it.`;

export async function deleteRole(tx: Tx, principal: Principal, roleId: string, meta?: RequestMeta) {
  requirePermissionOf(principal, 'roles.manage');
  const role = await findRole(tx, roleId, true);
  if (role.builtIn) throw new AppError('conflict', `The ${role.name} role is built in and cannot be deleted.`);
  assertGrantable(principal, role);
  // The row lock above makes a concurrent move into this role wait; a user added meanwhile is counted here.
  const [{ n }] = (await rows<{ n: number }>(tx, sql`select count(*)::int as n from users where role_id = ${role.id}`)) as [{ n: number }];
  if (Number(n) > 0) throw new AppError('conflict', roleInUseMessage(role.name, Number(n)));
  await tx.delete(roles).where(eq(roles.id, role.id));
  await recordAudit(tx, {
    actor: principal.actor,
    action: 'role.deleted',
    target: { type: 'role', id: role.id, label: role.name },
    changes: diff<Record<string, unknown>>(auditView(role), { name: null, permissions: null, allEnvironments: null, requiredFields: null }),
    meta,
  });
  return { name: role.name };
}

export const MOVE_BATCH = 500;

export const OWN_ROLE = 'You cannot change your own role: ask an Administrator.';

/**
 * Moves every holder of one role to another, MOVE_BATCH users per statement, each audited as a role
 * change, their sessions ended; refused when it would leave no active Administrator.
 */
export async function moveRoleUsers(tx: Tx, principal: Principal, fromRoleId: string, toRoleId: string, meta?: RequestMeta) {
  requirePermissionOf(principal, 'users.write');
  requirePermissionOf(principal, 'roles.manage');
  if (fromRoleId === toRoleId) throw new AppError('invalid', 'Choose a different role to move the users to.', { toRoleId: ['Choose a different role.'] });
  const from = await findRole(tx, fromRoleId, true);
  const to = await findRole(tx, toRoleId);
  assertGrantable(principal, from, 'toRoleId');
  assertGrantable(principal, to, 'toRoleId');
  if (from.allEnvironments && !to.allEnvironments)
    throw new AppError('invalid', `Users of ${from.name} belong to every environment: move them to a role that does too, or edit them one by one.`, {
      toRoleId: ['Choose a role with all environments.'],
    });
  await assertHoldersWithin(tx, principal, from);
  // Nobody changes their own role (updateUser refuses it one by one): moving the role they hold would.
  const self = principal.actsAs ?? (principal.actor.type === 'user' ? principal.actor.id : undefined);
  if (self && (await rows(tx, sql`select 1 from users where id = ${self} and role_id = ${from.id}`)).length > 0)
    throw new AppError('forbidden', `You hold ${from.name} yourself, and you cannot change your own role: ask an Administrator.`, { toRoleId: [OWN_ROLE] });
  // The new role's required fields, as a role change one by one asks for them: holders without a value
  // for one of them would hold the role without it.
  if (to.requiredFields.length > 0) {
    const lacking = sql.join(to.requiredFields.map((f) => sql`coalesce(btrim(profile ->> ${f.key}), '') = ''`), sql` or `);
    const [row] = await rows<{ n: number | string }>(tx, sql`select count(*) as n from users where role_id = ${from.id} and (${lacking})`);
    const n = Number(row?.n ?? 0);
    if (n > 0)
      throw new AppError('invalid', `${n.toLocaleString('en')} of the users of ${from.name} have no ${to.requiredFields.map((f) => f.label).join(' or ')}, which ${to.name} asks for.`, {
        toRoleId: [`${to.name} asks for ${to.requiredFields.map((f) => f.label).join(', ')}: give them to its users one by one (or by import), or choose another role.`],
      });
  }
  let moved = 0;
  for (;;) {
    const batch = await rows<{ id: string; email: string; environment_ids: string[] | string }>(
      tx,
      sql`update users set role_id = ${to.id}, session_version = session_version + 1, version = version + 1, updated_at = now()
          where id in (select id from users where role_id = ${from.id} order by id limit ${MOVE_BATCH} for update)
          returning id, email, environment_ids`,
    );
    if (batch.length === 0) break;
    moved += batch.length;
    await recordAudits(
      tx,
      batch.map((u) => ({
        actor: principal.actor,
        action: 'user.role_changed',
        target: { type: 'user', id: u.id, label: u.email },
        environmentId: firstEnvironment(u.environment_ids),
        changes: { role: { before: from.name, after: to.name } },
        detail: `Moved off the ${from.name} role.`,
        meta,
      })),
    );
  }
  if (moved > 0) await assertActiveAdministratorRemains(tx);
  return { moved, from: from.name, to: to.name };
}

function firstEnvironment(value: string[] | string): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  // PGlite may hand back the array literal: {a,b}
  return value.replace(/^\{|\}$/g, '').split(',').filter(Boolean)[0] ?? null;
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined || v === '' ? [] : [String(v)]);

/**
 * The roles form posts flat fields (permissions, fieldLabel/fieldKey/fieldPattern/fieldHint rows): as RoleInput.
 * Blank rows are left out. An error of one row's input is keyed by that row as the form numbers it
 * (`requiredFields.2.pattern`), so the form shows it under that input.
 */
export const roleFormSchema = z.preprocess(
  (raw) => {
    const form = (raw ?? {}) as Record<string, unknown>;
    const labels = list(form.fieldLabel);
    const keys = list(form.fieldKey);
    const patterns = list(form.fieldPattern);
    const hints = list(form.fieldHint);
    const rows = Array.from({ length: Math.max(labels.length, keys.length, patterns.length, hints.length) }, (_, row) => ({
      row,
      field: { label: labels[row] ?? '', key: keys[row] ?? '', pattern: patterns[row] ?? '', hint: hints[row] ?? '' },
    })).filter(({ field: f }) => f.label.trim() || f.key.trim() || f.pattern.trim() || f.hint.trim());
    return {
      input: { name: form.name, permissions: list(form.permissions), allEnvironments: form.allEnvironments === 'on', requiredFields: rows.map((r) => r.field) },
      formRows: rows.map((r) => r.row),
    };
  },
  z.object({ input: z.unknown(), formRows: z.array(z.number()) }).transform(({ input, formRows }, ctx) => {
    const parsed = roleInputSchema.safeParse(input);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const [top, index, field] = issue.path;
      const key = top === 'requiredFields' && typeof index === 'number' && field !== undefined ? `requiredFields.${formRows[index] ?? index}.${String(field)}` : top;
      ctx.addIssue({ code: 'custom', message: issue.message, path: key === undefined ? [] : [key] });
    }
    return z.NEVER;
  }),
);
