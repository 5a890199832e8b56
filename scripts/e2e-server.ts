// Starts one production server (scripts/server.mjs, as `npm start`) for the browser tests on a fresh database of its own:
// a new PostgreSQL database when DATABASE_URL is set, else a new embedded-database folder.
// `--seed` fills it with the accounts of e2e/accounts.ts; without it the server shows first-run setup.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import postgres from 'postgres';

const port = process.env.PORT ?? '3000';
const seed = process.argv.includes('--seed');
const baseUrl = process.env.DATABASE_URL;
let dropDatabase: (() => Promise<void>) | undefined;

if (baseUrl) {
  // Named after the base database, so whoever owns that one (CI) can sweep up after an abrupt stop;
  // the creation time in the name lets later runs drop leftovers more than an hour old.
  const prefix = `${new URL(baseUrl).pathname.slice(1) || 'userdesk'}_e2e_`.slice(0, 40);
  const name = `${prefix}${Math.floor(Date.now() / 1000)}_${port}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  const leftovers = await admin<{ datname: string }[]>`select datname from pg_database where starts_with(datname, ${prefix})`;
  for (const { datname } of leftovers) {
    const created = Number(datname.slice(prefix.length).split('_')[0]);
    if (created && created < Date.now() / 1000 - 3600) await admin.unsafe(`drop database if exists "${datname}" with (force)`);
  }
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
  dropDatabase = async () => {
    const sql = postgres(baseUrl, { max: 1, onnotice: () => {} });
    await sql.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {});
    await sql.end();
  };
} else {
  const dir = `.data/e2e-${port}`;
  rmSync(dir, { recursive: true, force: true });
  process.env.PGLITE_DIR = dir;
  dropDatabase = async () => rmSync(dir, { recursive: true, force: true });
}

process.env.NEXTAUTH_SECRET = randomBytes(32).toString('base64url');
process.env.NEXTAUTH_URL = `http://127.0.0.1:${port}`;

if (seed) {
  const { runMigrations } = await import('@/db/migrate');
  const { closeClient } = await import('@/db/client');
  const { seedE2e } = await import('@/e2e/seed');
  await runMigrations();
  await seedE2e();
  await closeClient();
}

const server = spawn(process.execPath, ['scripts/server.mjs', '-p', port, '-H', '127.0.0.1'], { stdio: 'inherit' });

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  await dropDatabase?.();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
server.on('exit', (code) => {
  if (!stopping) process.exit(code ?? 1);
});
