// The last-Administrator rule (SPEC.md section 5): the organization always keeps at least one active
// Administrator. Every path that demotes, bans, inactivates or otherwise takes an Administrator out of
// "active" calls assertActiveAdministratorRemains inside its transaction, after writing the change.
import { sql } from 'drizzle-orm';
import type { Queryable, Tx } from '@/db/client';
import { rows } from '@/lib/db-rows';
import { AppError } from '@/lib/errors';
import { ADMINISTRATOR, PERMISSIONS } from '@/lib/auth/permissions';

/** One advisory-lock key for every change that may remove an Administrator, whoever makes it. */
export const ADMIN_GUARD_LOCK = 7_311_007;

export const LAST_ADMINISTRATOR =
  'This would leave the organization without an active Administrator. Make someone else an Administrator first.';

/** A reset clears the password: the last Administrator who can sign in would be waiting on an email. */
export const LAST_ADMINISTRATOR_RESET =
  'This is the only active Administrator who can sign in: a reset would leave nobody able to sign in as an Administrator until the emailed link is used. Make someone else an Administrator first, or let them change their own password on their profile.';

/**
 * SQL true for a role that makes its holder an Administrator: the built-in Administrator role, or any
 * role that reaches every environment and holds every permission (a custom role equal to it).
 * `role` is the alias or table the roles row is reached by.
 */
export const administratorRole = (role = sql.raw('roles')) =>
  sql`((${role}.built_in and ${role}.name = ${ADMINISTRATOR}) or (${role}.all_environments and ${role}.permissions @> ${`{${PERMISSIONS.join(',')}}`}::text[]))`;

/** True when the user (as stored now) is an active Administrator. */
export const isActiveAdministrator = (q: Queryable, userId: string) => administratorById(q, userId, true);

/**
 * Whether the user's role makes them an Administrator, whatever their status: a change that has just
 * locked someone asks this, to take the guard (and its organization-wide lock) only when it can matter.
 */
export const holdsAdministratorRole = (q: Queryable, userId: string) => administratorById(q, userId, false);

async function administratorById(q: Queryable, userId: string, activeOnly: boolean): Promise<boolean> {
  const [row] = await rows<{ yes: boolean }>(
    q,
    sql`select exists(select 1 from users u join roles r on r.id = u.role_id
        where u.id = ${userId} ${activeOnly ? sql`and u.status = 'active'` : sql``} and ${administratorRole(sql.raw('r'))}) as yes`,
  );
  return row?.yes === true;
}

/**
 * Call inside the transaction AFTER writing a change that may demote/ban/inactivate/lock users, or clear
 * an Administrator's password (a reset). Takes a transaction-scoped advisory lock, so concurrent changes
 * queue here one at a time; each then counts in a fresh statement (READ COMMITTED) that sees the
 * changes committed before it, plus its own. Of two concurrent demotions of the last two
 * Administrators, the second therefore finds none left and fails. An Administrator counts only while
 * they can sign in: active, with a password (a reset leaves them active, waiting on an emailed link).
 */
export async function assertActiveAdministratorRemains(tx: Tx, message = LAST_ADMINISTRATOR): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${ADMIN_GUARD_LOCK})`);
  const [row] = await rows<{ ok: boolean }>(
    tx,
    sql`select exists(select 1 from users u join roles r on r.id = u.role_id
        where u.status = 'active' and u.password_hash is not null and ${administratorRole(sql.raw('r'))}) as ok`,
  );
  if (row?.ok !== true) throw new AppError('conflict', message);
}
