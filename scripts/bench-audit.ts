// `npm run bench:audit`: the audit log at scale, on PostgreSQL (DATABASE_URL names the server; the
// benchmark works in a database of its own, dropped at the end unless --keep).
// Loads --events (default 10,000,000) events with generate_series (indexes built after the load), then:
//   - times the /audit query (lib/audit/search.ts) --runs times for each filter, and prints p50/p95;
//   - streams the CSV export of --export-events (default 1,000,000) events and prints the peak RSS;
//   - measures what the hash chain costs per change: single-event transactions with and without the
//     chain trigger, one writer and 8 concurrent writers.
// Budgets: query p95 <= 50 ms per filter; export peak RSS growth <= 150 MiB.
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { closeClient, getClient, type Db } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { recordAudit, SYSTEM } from '@/lib/audit';
import { auditParamsSchema, searchAudit } from '@/lib/audit/search';
import { auditCsvStream } from '@/lib/audit/search-export';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { rows } from '@/lib/db-rows';
import { setupOrganization } from '@/lib/org/setup';
import { benchDatabase, ms, percentile } from './bench-lib';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    'export-events': { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '30' },
    writes: { type: 'string', default: '1000' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(values.events);
const EXPORT_N = Math.min(Number(values['export-events']), N);
const RUNS = Number(values.runs);
const WRITES = Number(values.writes);
const USERS = 20_000;
const SPACING_SECONDS = 3; // events are 3 s apart, newest now: 10M events span about 347 days
const database = await benchDatabase('audit', { keep: values.keep });
const out: string[] = [];
let failed = false;
const log = (line: string) => {
  out.push(line);
  console.log(line);
};
const seconds = (start: number) => `${((performance.now() - start) / 1000).toFixed(1)} s`;

async function load(db: Db) {
  const [env] = await rows<{ id: string }>(db, sql`insert into environments (name) values ('Sandbox') returning id`);
  const [production] = await rows<{ id: string }>(db, sql`select id from environments where name = 'Production'`);
  let start = performance.now();
  await db.execute(sql`
    insert into users (email, first_name, last_name, role_id, status)
    select 'user' || g || '@bench.test', 'First' || g, 'Last' || g, (select id from roles where name = 'User'), 'active'
    from generate_series(1, ${USERS}) g`);
  await db.execute(sql`
    insert into user_environments (user_id, environment_id)
    select id, case when random() < 0.8 then ${production!.id}::uuid else ${env!.id}::uuid end from users where email like 'user%@bench.test'`);
  log(`Users: ${USERS.toLocaleString('en')} in ${seconds(start)}`);

  // Build the indexes after the load (as a restore does); the chain is not computed for the bulk rows.
  const indexes = await rows<{ name: string; def: string }>(
    db,
    sql`select indexname as name, indexdef as def from pg_indexes where tablename = 'audit_events' and indexname <> 'audit_events_pkey'`,
  );
  for (const index of indexes) await db.execute(sql.raw(`drop index ${index.name}`));
  await db.execute(sql`alter table audit_events disable trigger user`);
  start = performance.now();
  const CHUNK = 1_000_000;
  for (let from = 1; from <= N; from += CHUNK) {
    const to = Math.min(N, from + CHUNK - 1);
    await db.execute(sql`
      with u as (select array_agg(id order by id) as ids from users where email like 'user%@bench.test'),
           envs as (select array_agg(id order by name) as ids from environments)
      insert into audit_events (at, actor_type, actor_id, actor_label, action, target_type, target_id, target_label, environment_id, changes, detail, ip, user_agent)
      select now() - make_interval(secs => (${N} - g) * ${SPACING_SECONDS}),
             'user', u.ids[1 + (g * 7919) % ${USERS}], 'actor@bench.test',
             (array['user.updated','user.created','auth.sign_in','auth.sign_in_failed','user.banned','user.unlocked','user.reset','user.role_changed','settings.security_updated','user.locked','user.validated','user.password_changed'])[1 + (g % 12)],
             'user', u.ids[1 + (g * 104729) % ${USERS}], 'target@bench.test', envs.ids[1 + (g / 12) % 2],
             case when g % 3 = 0 then jsonb_build_object('firstName', jsonb_build_object('before', 'A', 'after', 'B')) end,
             null, '203.0.113.' || (g % 250), 'Mozilla/5.0 (bench)'
      from generate_series(${from}::bigint, ${to}::bigint) g, u, envs`);
    console.log(`  ... ${to.toLocaleString('en')} events (${seconds(start)})`);
  }
  await db.execute(sql`alter table audit_events enable trigger user`);
  log(`Events: ${N.toLocaleString('en')} loaded in ${seconds(start)}`);
  start = performance.now();
  for (const index of indexes) await db.execute(sql.raw(index.def));
  await db.execute(sql`analyze audit_events`);
  await db.execute(sql`analyze users`);
  log(`Indexes built and analysed in ${seconds(start)}`);
  return { production: production!.id, sandbox: env!.id };
}

async function timeQueries(db: Db, envs: { production: string; sandbox: string }) {
  const people = await rows<{ id: string; email: string }>(db, sql`select id, email from users where email like 'user%@bench.test' order by random() limit ${RUNS}`);
  const admin: Principal = { actor: SYSTEM, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  const manager: Principal = { actor: SYSTEM, permissions: ['users.read', 'audit.read'], allEnvironments: false, environmentIds: [envs.sandbox] };
  const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
  const spanDays = Math.floor((N * SPACING_SECONDS) / 86_400);
  const actions = ['user.updated', 'user.banned', 'auth.sign_in', 'user.reset'];
  const cases: { label: string; principal: Principal; params: (i: number) => Record<string, string> }[] = [
    { label: 'newest page, no filter', principal: admin, params: () => ({}) },
    { label: 'actor (email)', principal: admin, params: (i) => ({ actor: people[i % people.length]!.email }) },
    { label: 'target (email)', principal: admin, params: (i) => ({ target: people[i % people.length]!.email }) },
    { label: 'action kind', principal: admin, params: (i) => ({ action: actions[i % actions.length]! }) },
    { label: 'environment', principal: admin, params: (i) => ({ env: i % 2 ? envs.production : envs.sandbox }) },
    { label: 'date range (one day, months ago)', principal: admin, params: (i) => ({ from: day(Math.max(1, spanDays - 10 - i)), to: day(Math.max(1, spanDays - 10 - i)) }) },
    { label: 'actor + date range', principal: admin, params: (i) => ({ actor: people[i % people.length]!.email, from: day(Math.min(spanDays, 90)), to: day(1) }) },
    { label: 'action + environment', principal: admin, params: (i) => ({ action: actions[i % actions.length]!, env: envs.sandbox }) },
    { label: 'Account Manager scope (20% of users)', principal: manager, params: () => ({}) },
  ];
  for (const c of cases) {
    const samples: number[] = [];
    let next: string | null = null;
    for (let i = 0; i < RUNS; i++) {
      const params = auditParamsSchema.parse(c.params(i));
      const start = performance.now();
      const page = await searchAudit(db, c.principal, params);
      samples.push(performance.now() - start);
      next ??= page.next;
    }
    // And the next page, reached by cursor.
    const p95 = percentile(samples, 95);
    failed ||= p95 > 50;
    log(`  ${c.label.padEnd(40)} p50 ${ms(percentile(samples, 50)).padStart(9)}   p95 ${ms(p95).padStart(9)}   ${p95 <= 50 ? 'ok' : 'OVER 50 ms'}`);
  }
}

async function timeExport(db: Db) {
  const admin: Principal = { actor: SYSTEM, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
  // The newest EXPORT_N events: everything since (EXPORT_N * spacing) seconds ago.
  const since = new Date(Date.now() - (EXPORT_N - 1) * SPACING_SECONDS * 1000 - 60_000);
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const start = performance.now();
  const reader = auditCsvStream(db, admin, auditParamsSchema.parse({ from: since.toISOString().slice(0, 10) })).getReader();
  let bytes = 0;
  let lines = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    for (const b of value) if (b === 10) lines++;
  }
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;
  const growth = peak - baseline;
  failed ||= growth > 150 * 1024 * 1024;
  log(`  ${(lines - 1).toLocaleString('en')} rows, ${mib(bytes)} of CSV in ${seconds(start)}; RSS before ${mib(baseline)}, peak ${mib(peak)} (growth ${mib(growth)})`);
}

async function timeChain(db: Db) {
  const clients = Array.from({ length: 8 }, () => postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} }));
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const writers = clients.map((c) => drizzle(c, { casing: 'snake_case' }) as unknown as Db);
  const run = async (concurrency: number) => {
    const per = Math.ceil(WRITES / concurrency);
    const start = performance.now();
    await Promise.all(
      writers.slice(0, concurrency).map(async (w) => {
        for (let i = 0; i < per; i++) await w.transaction((tx) => recordAudit(tx, { actor: SYSTEM, action: 'bench.write', detail: `write ${i}` }));
      }),
    );
    return (performance.now() - start) / (per * concurrency);
  };
  for (const concurrency of [1, 8]) {
    await db.execute(sql`alter table audit_events disable trigger audit_events_pending`);
    const without = await run(concurrency);
    await db.execute(sql`alter table audit_events enable trigger audit_events_pending`);
    const withChain = await run(concurrency);
    log(
      `  ${concurrency} writer(s): ${ms(without)} per change without the chain, ${ms(withChain)} with it (+${ms(withChain - without)}; ${(1000 / withChain).toFixed(0)} changes/s)`,
    );
  }
  await Promise.all(clients.map((c) => c.end()));
}

try {
  await runMigrations();
  const { db } = getClient();
  await db.transaction((tx) =>
    setupOrganization(tx, { organizationName: 'Benchmark', firstName: 'Bench', lastName: 'Admin', email: 'admin@bench.test', password: 'Bench-Passphrase-12345' }, { ip: null, userAgent: null }),
  );
  const envs = await load(db);
  log(`/audit query, ${RUNS} runs per filter, at ${N.toLocaleString('en')} events:`);
  await timeQueries(db, envs);
  log(`CSV export of the newest ${EXPORT_N.toLocaleString('en')} events:`);
  await timeExport(db);
  log(`Hash chain cost per change (${WRITES} single-event transactions per measurement):`);
  await timeChain(db);
} finally {
  await closeClient();
  await database.drop();
}
console.log(`\n${out.join('\n')}`);
if (failed) process.exitCode = 1;
