import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, environments, organizations, roles, users } from '@/db/schema';
import { testDb } from '@/db/testing';
import { AppError } from '@/lib/errors';
import { isSetupComplete, setupOrganization } from './setup';

const meta = { ip: null, userAgent: null };
const input = { organizationName: 'Acme', firstName: 'Ada', lastName: 'Lovelace', email: 'Ada@Acme.test', password: 'Analytical-Engine-1843' };
let db: Db;

beforeAll(async () => {
  db = await testDb();
});

describe('setupOrganization', () => {
  it('refuses a weak password and leaves nothing behind', async () => {
    const error = await db.transaction((tx) => setupOrganization(tx, { ...input, password: 'password' }, meta)).catch((e) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error.fieldErrors.password).toContain('Use at least 12 characters.');
    expect(await db.select().from(organizations)).toHaveLength(0);
    expect(await isSetupComplete(db)).toBe(false);
  });

  it('creates the organization, Production, the built-in roles and the first Administrator', async () => {
    await db.transaction((tx) => setupOrganization(tx, input, meta));
    expect(await isSetupComplete(db)).toBe(true);
    const envs = await db.select().from(environments);
    expect(envs.map((e) => e.name)).toEqual(['Production']);
    expect(envs[0]!.contextIdentifier).toMatch(/^[0-9a-f-]{36}$/);
    expect((await db.select().from(roles)).map((r) => r.name).sort()).toEqual(['Account Manager', 'Administrator', 'User']);
    const [admin] = await db.select().from(users);
    expect(admin).toMatchObject({ email: 'Ada@Acme.test', status: 'active' });
    expect(admin!.passwordHash).toMatch(/^\$2[aby]\$12\$/);
    expect((await db.select().from(auditEvents)).map((e) => e.action)).toEqual(['organization.setup', 'user.created']);
  });

  it('can run only once', async () => {
    const error = await db.transaction((tx) => setupOrganization(tx, { ...input, email: 'other@acme.test' }, meta)).catch((e) => e);
    expect(error).toMatchObject({ code: 'conflict' });
    expect(await db.select().from(users)).toHaveLength(1);
  });

  it('stays done when no Administrator is left: setup is never offered again', async () => {
    const [userRole] = await db.select().from(roles).where(eq(roles.name, 'User'));
    await db.update(users).set({ roleId: userRole!.id, status: 'inactive' }).where(eq(users.email, 'Ada@Acme.test'));
    expect(await isSetupComplete(db)).toBe(true);
    const error = await db.transaction((tx) => setupOrganization(tx, { ...input, email: 'intruder@acme.test' }, meta)).catch((e) => e);
    expect(error).toMatchObject({ code: 'conflict' });
    expect(await db.select().from(organizations)).toHaveLength(1);
  });
});
