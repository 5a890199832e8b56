// `npm start` on PostgreSQL runs one Next.js process per core under a supervisor (scripts/server.mjs):
// a process that dies is replaced while the others keep answering on the same port; the outbox is
// delivered by the first process only (one SMTP pool and rate per server), also after it is replaced;
// stopping the supervisor stops them all; a bad WEB_CONCURRENCY stops the start with a message; the
// REST API is served directly (scripts/build-api.mjs's bundle) by every process.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import postgres from 'postgres';
import { startSink } from '../lib/mail/sink';
import { freePort } from '../scripts/bench-lib';

/** Starts scripts/server.mjs with `env` and waits for it to end (killed after 50 s): its exit code and output. */
const startUntilExit = (args: string[], env: Record<string, string>) =>
  new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, ['scripts/server.mjs', ...args], { env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('exit', (code) => (clearTimeout(timer), resolve({ code, output })));
  });

const childrenOf = (pid: number) => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
};
/** The process's USERDESK_PROCESS_SLOT, read from its environment as the supervisor set it. */
const slotOf = (pid: number) =>
  readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').find((v) => v.startsWith('USERDESK_PROCESS_SLOT='))?.split('=')[1];
const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a killed server process is replaced, the port keeps answering, one process delivers the mail, and stopping the server stops them all', async () => {
  test.skip(!process.env.DATABASE_URL, 'needs PostgreSQL: on the embedded database the server is one process');
  test.setTimeout(180_000);
  const baseUrl = process.env.DATABASE_URL!;
  const name = `${new URL(baseUrl).pathname.slice(1) || 'userdesk'}_e2e_procs_${Date.now()}`.slice(0, 63);
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const sink = await startSink();
  const server = spawn(process.execPath, ['scripts/server.mjs', '-p', String(port), '-H', '127.0.0.1'], {
    env: {
      ...process.env,
      DATABASE_URL: url.toString(),
      NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
      NEXTAUTH_URL: base,
      WEB_CONCURRENCY: '2',
      SMTP_URL: sink.url,
      SMTP_POOL_SIZE: '1',
      MAIL_FROM: 'Userdesk <no-reply@procs.test>',
    },
  });
  const db = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const queue = (from: number, count: number) =>
    db`insert into outbox_messages ${db(
      Array.from({ length: count }, (_, i) => ({ kind: 'test', to_address: `m${from + i}@procs.test`, subject: 'Hello', text: 'Hello', html: '<p>Hello</p>' })),
    )}`;
  const delivered = () => new Set(sink.received.map((m) => m.to)).size;
  let log = '';
  server.stdout.on('data', (d) => (log += d));
  server.stderr.on('data', (d) => (log += d));
  const login = () => fetch(`${base}/login`).then((r) => r.status, () => 0);
  try {
    await expect.poll(login, { timeout: 90_000, intervals: [500] }).toBe(200);
    expect(log).toContain(`Userdesk listening on ${base} (2 processes`);
    // The REST API goes straight to its router in every process (said once per server).
    expect(log.split('REST API: served directly by the server process, ahead of Next.js.').length).toBe(2);
    const api = await Promise.all(Array.from({ length: 20 }, () => fetch(`${base}/api/v1/users`).then((r) => r.status)));
    expect(new Set(api)).toEqual(new Set([401]));
    await expect.poll(() => childrenOf(server.pid!).length, { timeout: 60_000 }).toBe(2);
    const first = childrenOf(server.pid!);
    expect(first.map(slotOf).sort()).toEqual(['0', '1']);
    const victim = first.find((pid) => slotOf(pid) === '0')!;
    const survivor = first.find((pid) => pid !== victim)!;

    // 40 messages, with a pool of one SMTP connection per server: all on one connection, none twice.
    await queue(0, 40);
    await expect.poll(delivered, { timeout: 30_000 }).toBe(40);
    expect(sink.received).toHaveLength(40);
    expect(new Set(sink.received.map((m) => m.session)).size).toBe(1);

    process.kill(victim, 'SIGKILL');
    await expect.poll(() => running(victim)).toBe(false);
    // The survivor answers at once: every request from now on succeeds, none waits for the replacement.
    for (let i = 0; i < 20; i++) expect(await login()).toBe(200);
    expect(running(survivor)).toBe(true);

    await expect.poll(() => childrenOf(server.pid!).filter((pid) => pid !== survivor).length, { timeout: 60_000 }).toBe(1);
    expect(childrenOf(server.pid!)).not.toContain(victim);
    expect(log).toContain(`server process ${victim} ended (signal SIGKILL); starting another`);
    for (let i = 0; i < 20; i++) expect(await login()).toBe(200);
    // The replacement took the first slot, and with it the delivery.
    const replacement = childrenOf(server.pid!).find((pid) => pid !== survivor)!;
    expect(slotOf(replacement)).toBe('0');
    await queue(40, 10);
    await expect.poll(delivered, { timeout: 60_000 }).toBe(50);
    expect(sink.received).toHaveLength(50);

    const all = childrenOf(server.pid!);
    server.kill('SIGTERM');
    await expect.poll(() => server.exitCode, { timeout: 30_000 }).toBe(0);
    await expect.poll(() => all.filter(running).length, { timeout: 30_000 }).toBe(0);
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL');
    await db.end();
    await sink.close();
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
});

test('a WEB_CONCURRENCY that is not a number of processes stops the start and says why', async () => {
  for (const value of ['two', '0', '-1', '1.5', '65', '2; rm -rf /']) {
    const result = await startUntilExit(['-p', '1'], { DATABASE_URL: 'postgres://127.0.0.1:1/none', WEB_CONCURRENCY: value });
    expect(result.code, value).toBe(1);
    expect(result.output, value).toContain(`WEB_CONCURRENCY must be a whole number from 1 to 64 (it is "${value}")`);
  }
});

test('a database it cannot reach stops the start with a message, with one process or several, instead of serving errors', async () => {
  test.setTimeout(120_000);
  for (const processes of ['1', '2']) {
    const port = await freePort();
    const result = await startUntilExit(['-p', String(port), '-H', '127.0.0.1'], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/unreachable',
      NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
      NEXTAUTH_URL: `http://127.0.0.1:${port}`,
      WEB_CONCURRENCY: processes,
    });
    expect(result.code, result.output).toBe(1);
    expect(result.output).toContain('Userdesk will not start: the database could not be brought up to date');
    if (processes === '2') expect(result.output).toContain('; stopping.');
  }
});
