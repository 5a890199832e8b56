// The warning that an API user's key expires within 14 days: one email per API user to each active
// Administrator, through the outbox, from the hourly job. Marking the API user in the same transaction
// makes a second run (or a second instance) send nothing more.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { apiUsers } from '@/db/schema';
import { recordAudit, SYSTEM } from '@/lib/audit';
import { rows } from '@/lib/db-rows';
import { enqueueMail, organizationName, portalUrl } from '@/lib/mail/outbox';
import { apiUserExpiringMail } from '@/lib/mail/templates';
import { administratorRole } from '@/lib/users/admin-guard';
import { expiringSoon } from './manage';

export async function warnExpiringApiUsers(db: Db): Promise<{ warned: number }> {
  return db.transaction(async (tx) => {
    // SKIP LOCKED: two instances running the job at once split the work instead of doubling it. NO KEY
    // UPDATE, as the update below needs: FOR UPDATE also skipped every key with a change under way (held
    // FOR KEY SHARE, see confirmCaller), so a busy integration's key could expire without a warning.
    const due = await tx
      .select({ id: apiUsers.id, username: apiUsers.username, expiresAt: apiUsers.expiresAt })
      .from(apiUsers)
      .where(expiringSoon())
      .for('no key update', { skipLocked: true });
    if (due.length === 0) return { warned: 0 };
    const admins = await rows<{ id: string; email: string; first_name: string }>(
      tx,
      sql`select u.id, u.email, u.first_name from users u join roles r on r.id = u.role_id where u.status = 'active' and ${administratorRole(sql.raw('r'))}`,
    );
    const org = await organizationName(tx);
    for (const apiUser of due) {
      for (const admin of admins)
        await enqueueMail(tx, { email: admin.email, userId: admin.id }, apiUserExpiringMail(org, admin.first_name, apiUser.username, apiUser.expiresAt, portalUrl('/users/api')));
      await tx.update(apiUsers).set({ expiryWarnedAt: new Date() }).where(eq(apiUsers.id, apiUser.id));
      await recordAudit(tx, {
        actor: SYSTEM,
        action: 'api_user.expiry_warned',
        target: { type: 'api_user', id: apiUser.id, label: apiUser.username },
        detail: `Expires ${apiUser.expiresAt.toISOString()}; ${admins.length} Administrator(s) emailed`,
      });
    }
    return { warned: due.length };
  });
}
