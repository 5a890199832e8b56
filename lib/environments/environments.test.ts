import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { auditEvents, environments } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { addEnvironment, archiveEnvironment, deleteEnvironment, listAllEnvironments, renameEnvironment, restoreEnvironment } from '.';

let db: Db;
let production: string;
const admin: Principal = { actor: { type: 'system' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };

beforeAll(async () => {
  db = await testDb();
  ({ environmentId: production } = await setUpOrganization(db));
});

describe('environments', () => {
  it('adds, renames (names unique, case-insensitively) and audits', async () => {
    const env = await db.transaction((tx) => addEnvironment(tx, admin, 'Sandbox'));
    await expect(db.transaction((tx) => addEnvironment(tx, admin, 'sandbox'))).rejects.toThrow('already exists');
    await expect(db.transaction((tx) => renameEnvironment(tx, admin, env.id, 'PRODUCTION'))).rejects.toThrow('already exists');
    await db.transaction((tx) => renameEnvironment(tx, admin, env.id, 'Staging'));
    const [row] = await db.select().from(environments).where(eq(environments.id, env.id));
    expect(row).toMatchObject({ name: 'Staging', contextIdentifier: env.contextIdentifier });
    const actions = (await db.select().from(auditEvents).where(eq(auditEvents.targetId, env.id)).orderBy(auditEvents.id)).map((e) => e.action);
    expect(actions).toEqual(['environment.created', 'environment.renamed']);
  });

  it('never deletes an environment with users (archive instead), nor the last active one', async () => {
    const env = await db.transaction((tx) => addEnvironment(tx, admin, 'Busy'));
    await insertUser(db, { email: 'busy@example.test', environmentId: env.id });
    await expect(db.transaction((tx) => deleteEnvironment(tx, admin, env.id))).rejects.toThrow('archive it instead');
    await db.transaction((tx) => archiveEnvironment(tx, admin, env.id));
    const listed = (await listAllEnvironments(db)).find((e) => e.id === env.id)!;
    expect(listed).toMatchObject({ users: 1 });
    expect(listed.archivedAt).not.toBeNull();
    await db.transaction((tx) => restoreEnvironment(tx, admin, env.id));

    const empty = await db.transaction((tx) => addEnvironment(tx, admin, 'Empty'));
    await db.transaction((tx) => deleteEnvironment(tx, admin, empty.id));
    expect(await db.select().from(environments).where(eq(environments.id, empty.id))).toHaveLength(0);

    // Archive all but Production, then Production itself is refused.
    for (const e of await db.select().from(environments)) if (e.id !== production) await db.transaction((tx) => archiveEnvironment(tx, admin, e.id));
    await expect(db.transaction((tx) => archiveEnvironment(tx, admin, production))).rejects.toThrow('only active environment');
  });

  it('only Administrators manage environments', async () => {
    const manager: Principal = { actor: { type: 'system' }, permissions: ['settings.manage', 'users.read'], allEnvironments: false, environmentIds: [production] };
    await expect(db.transaction((tx) => addEnvironment(tx, manager, 'Mine'))).rejects.toThrow('Only Administrators');
    const reader: Principal = { ...admin, permissions: ['users.read'] };
    await expect(db.transaction((tx) => addEnvironment(tx, reader, 'Mine'))).rejects.toThrow('permission');
  });
});
