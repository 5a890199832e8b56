// Automatic inactivation: users whose last sign-in or (re)activation (by a manager: reactivate, Validate,
// Unlock, Reset), whichever is later, is older than the setting become inactive. One instance runs it
// at a time (advisory lock); running it again changes nothing more. The last active Administrator is
// never inactivated (SPEC.md section 5): of the active Administrators, the one seen most recently is
// always kept, so the job skips them instead of failing, and the guard then confirms one remains.
import { sql } from 'drizzle-orm';
import type { Db, Tx } from '@/db/client';
import { apiUsers, rateLimits } from '@/db/schema';
import { recordAudits, SYSTEM } from '@/lib/audit';
import { revokeTokens } from '@/lib/auth/tokens';
import { enqueueMail, organizationName, portalUrl } from '@/lib/mail/outbox';
import { apiUsersSuspendedMail } from '@/lib/mail/templates';
import { rows } from '@/lib/db-rows';
import { getOrganization, getSecuritySettings } from '@/lib/settings';
import { administratorRole, assertActiveAdministratorRemains } from '@/lib/users/admin-guard';

const INACTIVITY_LOCK = 7_311_003;

/** The working keys (not revoked or expired) that people just made inactive created or that act as them. */
async function keysStoppedWith(tx: Tx, personIds: string[]) {
  if (personIds.length === 0) return [];
  const ids = sql`${`{${personIds.join(',')}}`}::uuid[]`;
  return rows<{ id: string; username: string; personId: string; role: 'creator' | 'acts_as' }>(
    tx,
    sql`select a.id, a.username, a.created_by_id as "personId", 'creator' as role from ${apiUsers} a
          where a.created_by_id = any(${ids}) and a.revoked_at is null and a.expires_at > now()
        union all
        select a.id, a.username, a.user_id as "personId", 'acts_as' as role from ${apiUsers} a
          where a.scope = 'user' and a.user_id = any(${ids}) and a.revoked_at is null and a.expires_at > now()
            and a.created_by_id is distinct from a.user_id
        order by 2`,
  );
}

export async function runInactivityJob(db: Db): Promise<{ ran: boolean; inactivated: number }> {
  if (!(await getOrganization(db))) return { ran: false, inactivated: 0 };
  return db.transaction(async (tx) => {
    const [lock] = await rows<{ ok: boolean }>(tx, sql`select pg_try_advisory_xact_lock(${INACTIVITY_LOCK}) as ok`);
    if (!lock?.ok) return { ran: false, inactivated: 0 };
    // Housekeeping that shares the schedule: rate-limit windows long past.
    await tx.delete(rateLimits).where(sql`${rateLimits.windowStart} < now() - interval '1 day'`);
    const { inactivityDays } = await getSecuritySettings(tx);
    if (inactivityDays <= 0) return { ran: true, inactivated: 0 };
    const inactivated = await rows<{ id: string; email: string }>(
      tx,
      // Rows locked in id order, as bulk changes lock theirs: two such never wait on each other in a circle.
      // The Administrator kept is the most recently seen one who can sign in (has a password): keeping one
      // waiting on a reset link would leave the guard none, and fail the whole run, every hour.
      sql`update users set status = 'inactive', session_version = session_version + 1, version = version + 1, updated_at = now()
          where id in (
            select id from users
            where status = 'active'
              and coalesce(greatest(last_sign_in_at, activated_at), created_at) < now() - make_interval(days => ${inactivityDays})
              and id is distinct from (
                select u.id from users u join roles r on r.id = u.role_id
                where u.status = 'active' and ${administratorRole(sql.raw('r'))}
                order by (u.password_hash is null), coalesce(greatest(u.last_sign_in_at, u.activated_at), u.created_at) desc, u.id
                limit 1)
            order by id
            for update)
            and status = 'active'
          returning id, email`,
    );
    // Their outstanding reset links die too, as when a manager makes someone inactive.
    await revokeTokens(tx, inactivated.map((u) => u.id));
    const stopped = await keysStoppedWith(tx, inactivated.map((u) => u.id));
    await recordAudits(
      tx,
      inactivated.map((user) => {
        const theirs = stopped.filter((k) => k.personId === user.id).map((k) => k.username);
        return {
          actor: SYSTEM,
          action: 'user.inactivated',
          target: { type: 'user', id: user.id, label: user.email },
          detail: `No sign-in for ${inactivityDays} days${theirs.length ? `; API users stopped with them: ${theirs.join(', ')}` : ''}`,
          changes: { status: { before: 'active', after: 'inactive' } },
        };
      }),
    );
    // A key stops answering (403) once its creator or the user it acts as is inactive; the system says
    // so in the key's own history, where whoever looks after the integration will look.
    await recordAudits(
      tx,
      stopped.map((key) => ({
        actor: SYSTEM,
        action: 'api_user.suspended',
        target: { type: 'api_user', id: key.id, label: key.username },
        detail: `${key.role === 'creator' ? 'Its creator' : 'The user it acts as'}, ${inactivated.find((u) => u.id === key.personId)!.email}, was made inactive after ${inactivityDays} days without signing in`,
      })),
    );
    // And the Administrators (who alone manage API users) are told, as of a key about to expire.
    if (stopped.length > 0) {
      const admins = await rows<{ id: string; email: string; first_name: string }>(
        tx,
        sql`select u.id, u.email, u.first_name from users u join roles r on r.id = u.role_id where u.status = 'active' and ${administratorRole(sql.raw('r'))}`,
      );
      const org = await organizationName(tx);
      const list = stopped.map((k) => ({
        username: k.username,
        reason: `${k.role === 'creator' ? 'its creator' : 'the user it acts as'}, ${inactivated.find((u) => u.id === k.personId)!.email}, is inactive`,
      }));
      for (const admin of admins) await enqueueMail(tx, { email: admin.email, userId: admin.id }, apiUsersSuspendedMail(org, admin.first_name, list, portalUrl('/users/api')));
    }
    // Last, just before the commit: the guard's lock is the organization's (sign-in takes it to lock an
    // Administrator), held from here to the end of the transaction.
    if (inactivated.length > 0) await assertActiveAdministratorRemains(tx);
    return { ran: true, inactivated: inactivated.length };
  });
}
