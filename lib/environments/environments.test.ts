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
    await expect(db.transaction((tx) => renameEnvironment(tx, admin, env.id, { name: 'PRODUCTION' }))).rejects.toThrow('already exists');
    await db.transaction((tx) => renameEnvironment(tx, admin, env.id, { name: 'Staging' }));
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

  it('refuses names with control or bidi characters and names differing only in case or spacing, straight to lib', async () => {
    for (const name of ['Prod\u202euction', 'Sand\u200bbox', 'Nul\u0000l', 'Tab\there', '   ']) {
      const refused = await db.transaction((tx) => addEnvironment(tx, admin, name)).catch((e) => e);
      expect(refused, JSON.stringify(name)).toMatchObject({ code: 'invalid', fieldErrors: { name: [expect.any(String)] } });
    }
    await expect(db.transaction((tx) => addEnvironment(tx, admin, ' production\u00a0'))).rejects.toThrow('already exists');
    const spaced = await db.transaction((tx) => addEnvironment(tx, admin, 'Europe   West'));
    expect(spaced.name).toBe('Europe West');
    await expect(db.transaction((tx) => addEnvironment(tx, admin, 'europe\u00a0west'))).rejects.toThrow('already exists');
    const other = await db.transaction((tx) => addEnvironment(tx, admin, 'Europe North'));
    await expect(db.transaction((tx) => renameEnvironment(tx, admin, other.id, { name: 'EUROPE  west' }))).rejects.toThrow('already exists');
    await expect(db.transaction((tx) => renameEnvironment(tx, admin, other.id, { name: 'Europe\u2066North' }))).rejects.toThrow('invisible');
    // Its own name in another case is a rename, not a clash.
    expect(await db.transaction((tx) => renameEnvironment(tx, admin, other.id, { name: 'EUROPE NORTH' }))).toMatchObject({ changed: true, name: 'EUROPE NORTH' });
  });

  it('names that only look different are one name, or refused (a Cyrillic letter in a Latin word)', async () => {
    const env = await db.transaction((tx) => addEnvironment(tx, admin, 'Produccio\u0301n'));
    expect(env.name).toBe('Producci\u00f3n');
    await expect(db.transaction((tx) => addEnvironment(tx, admin, 'producci\u00f3n'))).rejects.toThrow('already exists');
    await expect(db.transaction((tx) => addEnvironment(tx, admin, '\uff30roduction'))).rejects.toThrow('already exists');
    await expect(db.transaction((tx) => addEnvironment(tx, admin, 'S\u0430ndbox'))).rejects.toThrow('Cyrillic or Greek');
    await db.transaction((tx) => addEnvironment(tx, admin, '\u0130stanbul'));
    const folded = await db.transaction((tx) => renameEnvironment(tx, admin, env.id, { name: 'istanbul' })).catch((e) => e);
    expect(folded).toMatchObject({ code: 'invalid', message: 'An environment with this name already exists.' });
  });

  it('of two renames of one environment, the second is refused, not a silent overwrite; concurrent adds of one name give one', async () => {
    const env = await db.transaction((tx) => addEnvironment(tx, admin, 'Asia'));
    await db.transaction((tx) => renameEnvironment(tx, admin, env.id, { name: 'Asia Pacific', from: 'Asia' }));
    const late = await db.transaction((tx) => renameEnvironment(tx, admin, env.id, { name: 'APAC', from: 'Asia' })).catch((e) => e);
    expect(late).toMatchObject({ code: 'conflict', message: expect.stringContaining('Someone else renamed this environment') });
    expect((await db.select().from(environments).where(eq(environments.id, env.id)))[0]!.name).toBe('Asia Pacific');

    const results = await Promise.allSettled([1, 2, 3, 4].map(() => db.transaction((tx) => addEnvironment(tx, admin, 'Twin'))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const refused of results.filter((r) => r.status === 'rejected')) expect(refused.reason).toMatchObject({ code: 'invalid', message: 'An environment with this name already exists.' });
  });
});
