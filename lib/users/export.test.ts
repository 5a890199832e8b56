import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { environments, userEnvironments, users } from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { EXPORT_STOPPED, exportUsersCsv } from './export';

let db: Db;
let environmentId: string;
const admin: Principal = { actor: { type: 'system' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };

beforeAll(async () => {
  db = await testDb();
  ({ environmentId } = await setUpOrganization(db));
});

describe('exportUsersCsv', () => {
  it('streams every user of the filter in batches, with hostile names neutralised', async () => {
    const n = 12;
    for (let i = 0; i < n; i++) await insertUser(db, { email: `csv${i}@example.test`, firstName: i === 0 ? '=cmd|calc' : 'Csv', lastName: 'Export', environmentId });
    const chunks: string[] = [];
    for await (const chunk of exportUsersCsv(db, admin, environmentId, { q: 'csv' }, 10)) chunks.push(chunk);
    expect(chunks.length).toBe(3); // header, a full batch, the rest
    const lines = chunks.join('').trim().split('\r\n');
    expect(lines).toHaveLength(n + 1);
    expect(lines[0]).toContain('"Email"');
    expect(chunks.join('')).toContain(`"'=cmd|calc"`);
    expect(chunks.join('')).not.toMatch(/(^|,)"=cmd/m);
  });

  it('stops a download under way once the person exporting is banned or moved out of the environment: nothing more is sent', async () => {
    for (let i = 0; i < 6; i++) await insertUser(db, { email: `csvstop${i}@example.test`, environmentId });
    for (const change of [{ status: 'banned' as const }, 'moved'] as const) {
      const exporter = await insertUser(db, { email: `csv-exporter-${typeof change === 'string' ? change : change.status}@example.test`, role: 'Account Manager', environmentId });
      const manager: Principal = { actor: { type: 'user', id: exporter.id, label: exporter.email }, permissions: ['users.read'], allEnvironments: false, environmentIds: [environmentId] };
      const rows = exportUsersCsv(db, manager, environmentId, { q: 'csvstop' }, 2);
      expect((await rows.next()).value).toContain('"Email"');
      expect((await rows.next()).value).toContain('csvstop');
      if (change === 'moved') await db.delete(userEnvironments).where(eq(userEnvironments.userId, exporter.id));
      else await db.update(users).set(change).where(eq(users.id, exporter.id));
      await expect(rows.next()).rejects.toMatchObject({ code: 'forbidden', message: EXPORT_STOPPED });
    }
    // Unchanged, the same export runs to its end.
    const steady = await insertUser(db, { email: 'csv-exporter-steady@example.test', role: 'Account Manager', environmentId });
    let text = '';
    for await (const chunk of exportUsersCsv(db, { actor: { type: 'user', id: steady.id, label: steady.email }, permissions: ['users.read'], allEnvironments: false, environmentIds: [environmentId] }, environmentId, { q: 'csvstop' }, 2)) text += chunk;
    expect(text.trim().split('\r\n')).toHaveLength(7);
  });

  it('contains nothing outside the filter', async () => {
    await insertUser(db, { email: 'elsewhere-csv@example.test', firstName: 'Out', lastName: 'Side' });
    let text = '';
    for await (const chunk of exportUsersCsv(db, admin, environmentId, { q: 'elsewhere-csv' })) text += chunk;
    expect(text.trim().split('\r\n')).toHaveLength(1);
  });

  it('names to a manager only the environments they work in: the others are counted, not named', async () => {
    const [secret] = await db.insert(environments).values({ name: 'Secret Merger' }).returning();
    const both = await insertUser(db, { email: 'two-envs-csv@example.test', environmentId });
    await db.insert(userEnvironments).values({ userId: both.id, environmentId: secret!.id });
    const csv = async (principal: Principal) => {
      let text = '';
      for await (const chunk of exportUsersCsv(db, principal, environmentId, { q: 'two-envs-csv' })) text += chunk;
      return text.trim().split('\r\n')[1];
    };
    const manager: Principal = { actor: { type: 'system' }, permissions: ['users.read'], allEnvironments: false, environmentIds: [environmentId] };
    expect(await csv(manager)).toContain('"Production; 1 other environment"');
    expect(await csv(manager)).not.toContain('Secret');
    expect(await csv(admin)).toContain('"Production; Secret Merger"');
  });
});
