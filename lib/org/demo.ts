// The demo organization (`npm run demo`): the first-run setup, a second account, three environments,
// thousands of realistic users (db/seed.ts), their history in the audit log, and mail in the outbox,
// all in one transaction on an empty database. It never touches a database that has an organization.
import { randomBytes } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db, Tx } from '@/db/client';
import { auditEvents, environments, organizations, userEnvironments, users } from '@/db/schema';
import { seedContext, seedPglite } from '@/db/seed';
import { recordAudit, type RequestMeta } from '@/lib/audit';
import { hashPassword } from '@/lib/auth/password';
import { enqueueMail } from '@/lib/mail/outbox';
import { lockedMail } from '@/lib/mail/templates';
import { sendInvitation } from '@/lib/users/access';
import { AppError } from '@/lib/errors';
import { setupOrganization } from './setup';

export const DEMO_ORGANIZATION = 'Northwind Demo';
export const DEMO_ACCOUNTS = {
  administrator: { firstName: 'Avery', lastName: 'Admin', email: 'admin@northwind.example', role: 'Administrator' },
  accountManager: { firstName: 'Morgan', lastName: 'Manager', email: 'manager@northwind.example', role: 'Account Manager' },
} as const;

export type DemoResult = {
  organizationName: string;
  accounts: { role: string; name: string; email: string; password: string }[];
  environments: string[];
  users: number;
  auditEvents: number;
  outboxMessages: number;
};

/** A password that passes the default policy: 18 random characters plus one of each class. */
export const generatePassword = () => `${randomBytes(14).toString('base64url')}-Aa7`;

export async function createDemo(db: Db, { users: count = 5000 } = {}, meta: RequestMeta = { ip: null, userAgent: 'npm run demo' }): Promise<DemoResult> {
  if (!Number.isInteger(count) || count < 0 || count > 1_000_000) throw new AppError('invalid', '--users must be a whole number from 0 to 1,000,000.');
  const passwords = { administrator: generatePassword(), accountManager: generatePassword() };
  const managerHash = await hashPassword(passwords.accountManager);
  return db.transaction(async (tx) => {
    // The same lock as setup: a setup in the browser and the demo cannot both create an organization.
    await tx.execute(sql`select pg_advisory_xact_lock(7311002)`);
    const [existing] = await tx.select({ name: organizations.name }).from(organizations).limit(1);
    if (existing)
      throw new AppError(
        'conflict',
        `This database already has an organization ("${existing.name}"), so the demo did not change anything: it only fills an empty database. ` +
          'Run it on another one, e.g. `PGLITE_DIR=.data/demo npm run demo` then `PGLITE_DIR=.data/demo npm run dev`, or with DATABASE_URL naming an empty PostgreSQL database.',
      );

    const { administrator, accountManager } = DEMO_ACCOUNTS;
    const { userId: adminId } = await setupOrganization(tx, { organizationName: DEMO_ORGANIZATION, ...administrator, password: passwords.administrator }, meta);
    const ctx = await seedContext(tx);
    const admin = { type: 'user' as const, id: adminId, label: administrator.email };
    const now = new Date();
    const [manager] = await tx
      .insert(users)
      .values({ ...accountManager, roleId: ctx.roleIds.manager, status: 'active', passwordHash: managerHash, passwordChangedAt: now, activatedAt: now })
      .returning({ id: users.id });
    await tx.insert(userEnvironments).values(ctx.environmentIds.slice(0, 2).map((environmentId) => ({ userId: manager!.id, environmentId })));
    await recordAudit(tx, {
      actor: admin,
      action: 'user.created',
      target: { type: 'user', id: manager!.id, label: accountManager.email },
      environmentId: ctx.environmentIds[0],
      changes: { role: { before: null, after: accountManager.role }, status: { before: null, after: 'active' } },
      meta,
    });

    await seedPglite(tx, ctx, count);
    const events = await writeHistory(tx, adminId, administrator.email);
    const messages = await writeOutbox(tx);
    const envs = await tx.select({ name: environments.name }).from(environments).orderBy(environments.name);
    return {
      organizationName: DEMO_ORGANIZATION,
      accounts: [
        { role: administrator.role, name: `${administrator.firstName} ${administrator.lastName}`, email: administrator.email, password: passwords.administrator },
        { role: accountManager.role, name: `${accountManager.firstName} ${accountManager.lastName}`, email: accountManager.email, password: passwords.accountManager },
      ],
      environments: envs.map((e) => e.name),
      users: count + 2,
      auditEvents: events,
      outboxMessages: messages,
    };
  });
}

type Seeded = { id: string; email: string; status: string; createdAt: Date; lockedAt: Date | null; lockReason: string | null; lastSignInAt: Date | null; banReason: string | null };

// The seeded users are the ones without a password (the two accounts above have one).
/** What happened to the seeded users, dated as it would have been: created, signed in, locked, banned. */
async function writeHistory(tx: Tx, adminId: string, adminEmail: string): Promise<number> {
  const seeded: Seeded[] = await tx
    .select({ id: users.id, email: users.email, status: users.status, createdAt: users.createdAt, lockedAt: users.lockedAt, lockReason: users.lockReason, lastSignInAt: users.lastSignInAt, banReason: users.banReason })
    .from(users)
    .where(isNull(users.passwordHash));
  const admin = { actorType: 'user' as const, actorId: adminId, actorLabel: adminEmail };
  const rows: (typeof auditEvents.$inferInsert)[] = [];
  for (const u of seeded) {
    const target = { targetType: 'user', targetId: u.id, targetLabel: u.email };
    rows.push({ ...admin, ...target, at: u.createdAt, action: 'user.created', changes: { status: { before: null, after: 'invited' } } });
    if (u.lastSignInAt) rows.push({ actorType: 'user', actorId: u.id, actorLabel: u.email, ...target, at: u.lastSignInAt, action: 'auth.sign_in', ip: '203.0.113.7' });
    if (u.status === 'locked' && u.lockedAt)
      rows.push({
        actorType: 'system',
        actorLabel: 'System',
        ...target,
        at: u.lockedAt,
        action: 'user.locked',
        detail: u.lockReason === 'password_expired' ? 'Password expired' : 'Locked after 10 failed sign-in attempts',
        changes: { status: { before: 'active', after: 'locked' } },
      });
    if (u.status === 'banned')
      rows.push({ ...admin, ...target, at: new Date(u.createdAt.getTime() + 86_400_000), action: 'user.banned', detail: u.banReason, changes: { status: { before: 'active', after: 'banned' } } });
  }
  for (let i = 0; i < rows.length; i += 1000) await tx.insert(auditEvents).values(rows.slice(i, i + 1000));
  return rows.length;
}

/** Mail as the portal would have queued it: invitations (with working links) and lock notices. */
async function writeOutbox(tx: Tx): Promise<number> {
  const pick = (status: 'invited' | 'locked') =>
    tx
      .select({ id: users.id, email: users.email, firstName: users.firstName, lockReason: users.lockReason })
      .from(users)
      .where(and(eq(users.status, status), isNull(users.passwordHash)))
      .orderBy(sql`${users.createdAt} desc`)
      .limit(25);
  const invited = await pick('invited');
  for (const user of invited) await sendInvitation(tx, user);
  const locked = await pick('locked');
  for (const user of locked)
    await enqueueMail(tx, { email: user.email, userId: user.id }, lockedMail(DEMO_ORGANIZATION, user.firstName, user.lockReason ?? 'failed_attempts'));
  return invited.length + locked.length;
}
