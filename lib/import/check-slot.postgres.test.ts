// One check at a time per person, across sessions and app instances: each check holds a database
// connection for as long as its file takes, so a burst of uploads by one account (12 at once held an
// Administrator's Users page for two minutes) must not take every connection.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { createImport, takeCheckSlot } from './jobs';

it('a second check by the same person while one runs is refused (429), and nobody else is held up', async () => {
  const db = await testDb();
  const { adminId, environmentId } = await setUpOrganization(db);
  const other = await insertUser(db, { email: 'other.admin@example.test', role: 'Administrator' });
  const principal = (id: string): Principal => ({ actor: { type: 'user', id, label: id }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] });
  const dir = mkdtempSync(path.join(tmpdir(), 'import-slot-'));
  const upload = () => {
    const p = path.join(dir, `${Math.random()}.csv`);
    writeFileSync(p, 'First name,Last name,Email,Role\nSam,Slot,sam.slot@example.test,User\n');
    return { path: p, fileName: 'slot.csv' };
  };
  const options = { existing: 'skip' as const, environmentId };

  let release!: () => void;
  let taken!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const checking = new Promise<void>((resolve) => (taken = resolve));
  // A check of adminId's in progress, on another connection.
  const first = db.transaction(async (tx) => {
    await takeCheckSlot(tx, adminId);
    taken();
    await held;
  });
  await checking;
  const refused = createImport(db, principal(adminId), upload(), options);
  await expect(refused).rejects.toMatchObject({ status: 429, message: expect.stringContaining('still being checked') });
  await expect(createImport(db, principal(other.id), upload(), options)).resolves.toMatchObject({ newCount: 1 });
  release();
  await first;
  await expect(createImport(db, principal(adminId), upload(), options)).resolves.toMatchObject({ newCount: 1 });
});
