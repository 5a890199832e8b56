import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { closeClient, getClient } from '@/db/client';
import { importJobs, importRows, users } from '@/db/schema';
import { setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import { createImport, startImport } from './jobs';
import { claimJob, runJob } from './run';

// The killed runner and this test share the database: on PGlite that means a folder (opened by one
// process at a time), on PostgreSQL the test file's own database.
const dir = mkdtempSync(path.join(tmpdir(), 'import-resume-'));
if (process.env.VITEST_DB !== 'postgres') process.env.PGLITE_DIR = path.join(dir, 'pglite');

it('a job whose runner is killed mid-batch resumes from its last whole batch, each row written once', async () => {
  const db = await testDb();
  const { adminId, environmentId } = await setUpOrganization(db);
  const admin = { actor: { type: 'user' as const, id: adminId, label: 'ada@example.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  const file = path.join(dir, 'kill.csv');
  writeFileSync(file, ['First name,Last name,Email,Role', ...Array.from({ length: 25 }, (_, i) => `K${i},Kill,kill${i}@example.test,User`)].join('\n'));
  const job = await createImport(db, admin, { path: file, fileName: 'kill.csv' }, { existing: 'skip', environmentId });
  await db.transaction((tx) => startImport(tx, admin, job.id, { allOrNothing: false, sendInvitations: true }));
  await closeClient();

  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'testing/run-and-hang.ts'), job.id, '10'], {
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('mid-batch') && resolve());
    child.on('exit', (code) => reject(new Error(`The runner exited (${code}) before reaching the second batch.`)));
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('exit', resolve));

  const again = getClient().db;
  const [before] = await again.select().from(importJobs).where(eq(importJobs.id, job.id));
  expect(before).toMatchObject({ status: 'running', nextRow: 12, rowsDone: 10 }); // row 1 is the header
  expect((await again.select({ n: sql<number>`count(*)::int` }).from(users).where(sql`${users.email} like 'kill%'`))[0]!.n).toBe(10);

  expect(await claimJob(again, 0)).toBe(job.id);
  expect(await runJob(again, job.id, { batchSize: 10 })).toBe('done');
  const emails = await again.select({ email: users.email }).from(users).where(sql`${users.email} like 'kill%'`);
  expect(emails.length).toBe(25);
  expect(new Set(emails.map((e) => e.email)).size).toBe(25);
  const invitations = await again.execute(sql`select count(*)::int as n from outbox_messages where to_address like 'kill%'`);
  expect(JSON.stringify(invitations)).toContain('"n":25');
  const [after] = await again.select().from(importJobs).where(eq(importJobs.id, job.id));
  expect(after).toMatchObject({ status: 'done', createdCount: 25, rowsDone: 25 });
  expect((await again.select().from(importRows).where(eq(importRows.jobId, job.id))).length).toBe(25);
}, 240_000); // two processes opening the database, on a loaded machine
