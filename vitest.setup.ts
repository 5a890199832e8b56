// Gives each test file a fresh, migrated database of its own (see vitest.config.ts), and a temporary
// directory of its own, removed after it (files a test writes, and any a library leaves).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, inject } from 'vitest';
import { closeClient } from '@/db/client';

// The system's, remembered: a worker that runs several files would otherwise nest each in the last one's.
process.env.USERDESK_SYSTEM_TMPDIR ??= tmpdir();
const scratch = mkdtempSync(path.join(process.env.USERDESK_SYSTEM_TMPDIR, 'userdesk-test-'));
process.env.TMPDIR = scratch;
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

if (process.env.VITEST_DB === 'postgres') {
  const base = process.env.TEST_DATABASE_URL!;
  const name = `${new URL(base).pathname.slice(1) || 'userdesk'}_t_${randomBytes(6).toString('hex')}`.slice(0, 63);
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}" template "${inject('templateDatabase')}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
  afterAll(async () => {
    await closeClient();
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  });
} else {
  delete process.env.DATABASE_URL;
  process.env.PGLITE_DIR = 'memory://';
  afterAll(closeClient);
}
