// `npm start` on PostgreSQL runs one Next.js process per core under a supervisor (scripts/server.mjs):
// a process that dies is replaced while the others keep answering on the same port; stopping the
// supervisor stops them all; a bad WEB_CONCURRENCY stops the start with a message.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { expect, test } from '@playwright/test';
import postgres from 'postgres';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

const childrenOf = (pid: number) => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
};
const running = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a killed server process is replaced, the port keeps answering, and stopping the server stops them all', async () => {
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
  const server = spawn(process.execPath, ['scripts/server.mjs', '-p', String(port), '-H', '127.0.0.1'], {
    env: { ...process.env, DATABASE_URL: url.toString(), NEXTAUTH_SECRET: randomBytes(32).toString('base64url'), NEXTAUTH_URL: base, WEB_CONCURRENCY: '2' },
  });
  let log = '';
  server.stdout.on('data', (d) => (log += d));
  server.stderr.on('data', (d) => (log += d));
  const login = () => fetch(`${base}/login`).then((r) => r.status, () => 0);
  try {
    await expect.poll(login, { timeout: 90_000, intervals: [500] }).toBe(200);
    expect(log).toContain(`Userdesk listening on ${base} (2 processes`);
    await expect.poll(() => childrenOf(server.pid!).length, { timeout: 60_000 }).toBe(2);
    const [victim, survivor] = childrenOf(server.pid!);

    process.kill(victim!, 'SIGKILL');
    await expect.poll(() => running(victim!)).toBe(false);
    // The survivor answers at once: every request from now on succeeds, none waits for the replacement.
    for (let i = 0; i < 20; i++) expect(await login()).toBe(200);
    expect(running(survivor!)).toBe(true);

    await expect.poll(() => childrenOf(server.pid!).filter((pid) => pid !== survivor).length, { timeout: 60_000 }).toBe(1);
    expect(childrenOf(server.pid!)).not.toContain(victim);
    expect(log).toContain(`server process ${victim} ended (signal SIGKILL); starting another`);
    for (let i = 0; i < 20; i++) expect(await login()).toBe(200);

    const all = childrenOf(server.pid!);
    server.kill('SIGTERM');
    await expect.poll(() => server.exitCode, { timeout: 30_000 }).toBe(0);
    await expect.poll(() => all.filter(running).length, { timeout: 30_000 }).toBe(0);
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL');
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
});

test('a WEB_CONCURRENCY that is not a number of processes stops the start and says why', async () => {
  for (const value of ['two', '0', '-1', '1.5', '65', '2; rm -rf /']) {
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ['scripts/server.mjs', '-p', '1'], {
        env: { ...process.env, DATABASE_URL: 'postgres://127.0.0.1:1/none', WEB_CONCURRENCY: value },
      });
      let output = '';
      child.stderr.on('data', (d) => (output += d));
      child.on('exit', (code) => resolve({ code, output }));
    });
    expect(result.code, value).toBe(1);
    expect(result.output, value).toContain(`WEB_CONCURRENCY must be a whole number from 1 to 64 (it is "${value}")`);
  }
});
