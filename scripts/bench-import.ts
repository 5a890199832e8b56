// `npm run bench:import`: bulk import of a 100,000-row .xlsx on PostgreSQL (DATABASE_URL names the
// server; the benchmark works in databases of its own, dropped at the end unless --keep).
// Generates the workbook (6 columns of realistic values, some duplicates and some errors), then, in a
// fresh process, runs through the portal's own code: read + validate (createImport), then commit
// (startImport, claimJob, runJob, with invitations queued; --no-invitations leaves them out).
// Prints each phase's time, rows per second and the peak RSS; then the floor: a plain read of the same file plus a plain COPY of its rows into
// the users table of a fresh database, and the ratio. Repeats at 200,000 rows for the scaling ratio.
// --existing N imports into a database that already holds N users (seeded as bench:users seeds them,
// in a process of its own so the peak RSS stays the import's).
// Budgets: end to end <= 10 s; peak RSS <= 500 MB; <= 3x the floor; 200k <= 2.2x the 100k time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import postgres from 'postgres';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    child: { type: 'boolean', default: false },
    file: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'no-scale': { type: 'boolean', default: false },
    'no-invitations': { type: 'boolean', default: false },
    existing: { type: 'string', default: '0' },
    prepare: { type: 'boolean', default: false },
  },
});
const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) throw new Error('bench:import measures PostgreSQL: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres).');

const FIRST = ['Anna', 'José', 'Łukasz', 'Mia', 'Noah', 'Zoë', 'Søren', 'Amélie', 'Kenji', 'Priya', 'Olivia', 'Mateo', 'Fatima', 'Liam', 'Chloé', 'Yusuf'];
const LAST = ['Müller', 'García', 'Nowak', "O'Brien", 'Smith', 'Rossi', 'Dubois', 'Kowalski', 'Tanaka', 'Patel', 'Jensen', 'Silva', 'Novak', 'Schmidt', 'Lefèvre', 'Brown'];
const DEPARTMENTS = ['Sales', 'Legal', 'Finance', 'Operations', 'Support'];

type Phase = { label: string; seconds: number; rows: number };
type ChildResult = { rows: number; phases: Phase[]; endToEnd: number; peakRssMb: number; floor: { parse: number; copy: number }; counts: Record<string, number> };

/** Writes the benchmark workbook with the streaming writer; ~1 in 500 rows repeats an email, ~1 in 400 has an error. */
async function generate(file: string, n: number) {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: false });
  const sheet = workbook.addWorksheet('Users');
  sheet.addRow(['First name', 'Last name', 'Email', 'Role', 'Environments', 'Tags']).commit();
  for (let i = 0; i < n; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[(i * 7) % LAST.length]!;
    let email = `${first}.${last}.${i}@example.com`.toLowerCase().replace(/[^a-z0-9.@]/g, '');
    if (i % 500 === 499) email = `${FIRST[(i - 1) % FIRST.length]}.${LAST[((i - 1) * 7) % LAST.length]}.${i - 1}@example.com`.toLowerCase().replace(/[^a-z0-9.@]/g, '');
    if (i % 700 === 350) email = `${first}.${last}.at.example.com`;
    const role = i % 900 === 450 ? 'Wizard' : i % 20 === 0 ? 'Account Manager' : 'User';
    const environments = i % 3 === 0 ? 'Production; Sandbox' : 'Production';
    sheet.addRow([first, last, email, role, environments, `department=${DEPARTMENTS[i % DEPARTMENTS.length]}; site=Berlin`]).commit();
  }
  await sheet.commit();
  await workbook.commit();
}

async function createDatabase(name: string) {
  const admin = postgres(serverUrl!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(serverUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(name: string) {
  const admin = postgres(serverUrl!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
}

/** The measured run, in a process of its own so its peak RSS is the import's. */
async function child(file: string, rows: number): Promise<ChildResult | null> {
  const { closeClient, getClient, openClient } = await import('@/db/client');
  const { runMigrations } = await import('@/db/migrate');
  const { environments, roles, users } = await import('@/db/schema');
  const { setupOrganization } = await import('@/lib/org/setup');
  const { createImport, startImport } = await import('@/lib/import/jobs');
  const { claimJob, runJob } = await import('@/lib/import/run');
  const { readRows } = await import('@/lib/import/read');
  const { PERMISSIONS } = await import('@/lib/auth/permissions');

  const setUp = async () => {
    await runMigrations();
    const { db } = getClient();
    const [prepared] = await db.select({ id: users.id }).from(users).where(eq(users.email, 'admin@bench.test'));
    if (prepared) return { db, userId: prepared.id };
    const { userId } = await db.transaction((tx) =>
      setupOrganization(tx, { organizationName: 'Benchmark', firstName: 'Bench', lastName: 'Admin', email: 'admin@bench.test', password: 'Sturdy-Owl-Passphrase-91' }, { ip: null, userAgent: null }),
    );
    await db.insert(environments).values({ name: 'Sandbox' });
    return { db, userId };
  };

  if (values.prepare) {
    const { db } = await setUp();
    const { seedContext, seedPostgres } = await import('@/db/seed');
    const loader = postgres(process.env.DATABASE_URL!, { max: 8, onnotice: () => {} });
    await seedPostgres(loader, await seedContext(db), Number(values.existing));
    await loader.end();
    await closeClient();
    return null;
  }
  const { db, userId } = await setUp();
  const [production] = await db.select().from(environments).where(eq(environments.name, 'Production'));
  const principal = { actor: { type: 'user' as const, id: userId, label: 'admin@bench.test' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };

  let t = performance.now();
  const job = await createImport(db, principal, { path: file, fileName: 'bench.xlsx' }, { existing: 'skip', environmentId: production!.id });
  const validate = (performance.now() - t) / 1000;
  t = performance.now();
  await db.transaction((tx) => startImport(tx, principal, job.id, { allOrNothing: false, sendInvitations: !values['no-invitations'] }));
  const claimed = await claimJob(db);
  if (claimed !== job.id) throw new Error('The benchmark job was not claimed.');
  const outcome = await runJob(db, job.id);
  if (outcome !== 'done') throw new Error(`The import ended ${outcome}.`);
  const commit = (performance.now() - t) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  await closeClient();

  // The floor: read the same file, and COPY the same rows into the users table of a fresh database.
  t = performance.now();
  const parsed: string[][] = [];
  for await (const row of readRows(file, 'xlsx', { maxRows: 10_000_000, maxUnpackedBytes: 1e12 })) parsed.push(row);
  const parse = (performance.now() - t) / 1000;
  const floorName = `${new URL(process.env.DATABASE_URL!).pathname.slice(1)}_floor`;
  const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${floorName}"`);
  await admin.end();
  const floorUrl = new URL(process.env.DATABASE_URL!);
  floorUrl.pathname = `/${floorName}`;
  process.env.DATABASE_URL = floorUrl.toString();
  const floorClient = openClient(floorUrl.toString(), '');
  Object.assign(globalThis, { userdeskDb: floorClient });
  await runMigrations();
  const [role] = await floorClient.db.insert(roles).values({ name: 'User' }).returning();
  const sql = postgres(floorUrl.toString(), { max: 1, onnotice: () => {} });
  const seen = new Set<string>();
  t = performance.now();
  const writable = await sql`copy users (email, first_name, last_name, role_id, status, tags) from stdin`.writable();
  const esc = (s: string) => s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
  let buffer = '';
  for (const [first = '', last = '', email = ''] of parsed.slice(1)) {
    const key = email.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    buffer += `${esc(email)}\t${esc(first)}\t${esc(last)}\t${role!.id}\tinvited\t[]\n`;
    if (buffer.length > 1 << 16) {
      if (!writable.write(buffer)) await new Promise((r) => writable.once('drain', r));
      buffer = '';
    }
  }
  writable.end(buffer);
  await new Promise((resolve, reject) => writable.on('finish', resolve).on('error', reject));
  const copy = (performance.now() - t) / 1000;
  await sql.end();
  await floorClient.close();
  const counts = { new: job.newCount, skipped: job.skipCount, errors: job.errorCount };
  return {
    rows,
    phases: [
      { label: 'read + validate (createImport)', seconds: validate, rows: job.totalRows },
      { label: `commit (runJob, ${values['no-invitations'] ? 'no invitations' : 'invitations queued'})`, seconds: commit, rows: job.newCount },
    ],
    endToEnd: validate + commit,
    peakRssMb,
    floor: { parse, copy },
    counts,
  };
}

function runChild(file: string, rows: number, flags: string[] = []): ChildResult {
  if (values['no-invitations']) flags.push('--no-invitations');
  const out = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, '--child', '--file', file, '--rows', String(rows), ...flags], {
    env: process.env,
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (out.status !== 0) throw new Error(`The measured run failed:\n${out.stderr}`);
  const line = out.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as ChildResult;
}

if (values.child) {
  const result = await child(values.file!, Number(values.rows));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const existing = Number(values.existing);
const dir = mkdtempSync(path.join(tmpdir(), 'bench-import-'));
const sizes = values['no-scale'] ? [Number(values.rows)] : [Number(values.rows), Number(values.rows) * 2];
const results: ChildResult[] = [];
const databases: string[] = [];
let failed = false;
try {
  for (const n of sizes) {
    const file = path.join(dir, `users-${n}.xlsx`);
    const g = performance.now();
    await generate(file, n);
    console.log(`Generated ${n.toLocaleString('en')} rows in ${((performance.now() - g) / 1000).toFixed(1)} s: ${file}`);
    const name = `userdesk_bench_import_${Date.now()}`;
    databases.push(name, `${name}_floor`);
    process.env.DATABASE_URL = await createDatabase(name);
    if (existing > 0) {
      const s = performance.now();
      runChild(file, n, ['--prepare', '--existing', String(existing)]);
      console.log(`Seeded ${existing.toLocaleString('en')} existing users in ${((performance.now() - s) / 1000).toFixed(1)} s`);
    }
    results.push(runChild(file, n));
    process.env.DATABASE_URL = serverUrl;
  }
  for (const r of results) {
    const floor = r.floor.parse + r.floor.copy;
    const ratio = r.endToEnd / floor;
    console.log(`\n${r.rows.toLocaleString('en')} rows${existing > 0 ? ` into ${existing.toLocaleString('en')} existing users` : ''} (${r.counts.new} new, ${r.counts.skipped} skipped, ${r.counts.errors} errors)`);
    for (const p of r.phases)
      console.log(`  ${p.label.padEnd(40)} ${p.seconds.toFixed(2).padStart(6)} s  ${Math.round(p.rows / p.seconds).toLocaleString('en').padStart(9)} rows/s`);
    const ok = (cond: boolean) => ((failed ||= !cond), cond ? 'ok' : 'OVER');
    const primary = r === results[0];
    console.log(`  ${'end to end'.padEnd(40)} ${r.endToEnd.toFixed(2).padStart(6)} s  ${Math.round(r.rows / r.endToEnd).toLocaleString('en').padStart(9)} rows/s  ${primary ? `budget 10 s: ${ok(r.endToEnd <= 10)}` : ''}`);
    console.log(`  ${'peak RSS'.padEnd(40)} ${r.peakRssMb.toFixed(0).padStart(6)} MB ${primary ? ` budget 500 MB: ${ok(r.peakRssMb <= 500)}` : ''}`);
    console.log(`  ${'floor: plain read + plain COPY'.padEnd(40)} ${floor.toFixed(2).padStart(6)} s  (read ${r.floor.parse.toFixed(2)} s + COPY ${r.floor.copy.toFixed(2)} s)`);
    console.log(`  ${'ratio to the floor'.padEnd(40)} ${ratio.toFixed(2).padStart(6)} x  ${primary ? `budget 3x: ${ok(ratio <= 3)}` : ''}`);
  }
  if (results.length === 2) {
    const scale = results[1]!.endToEnd / results[0]!.endToEnd;
    const cond = scale <= 2.2;
    failed ||= !cond;
    console.log(`\n${results[1]!.rows.toLocaleString('en')} rows took ${scale.toFixed(2)}x the ${results[0]!.rows.toLocaleString('en')}-row time (budget 2.2x): ${cond ? 'ok' : 'OVER'}`);
  }
} finally {
  if (!values.keep) {
    for (const name of databases) await dropDatabase(name);
    rmSync(dir, { recursive: true, force: true });
  }
}
process.exit(failed ? 1 : 0);
