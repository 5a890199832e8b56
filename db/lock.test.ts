// One process per embedded database, with real processes: a second one is refused with who holds the
// folder and writes nothing; a lock left by a killed process does not block; newcomers racing for a
// free folder get exactly one winner; a server started by dev/start becomes the one opener.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openClient } from './client';
import { acquireDatabaseLock, DatabaseInUseError, LOCK_ENV, LOCK_FILE } from './lock';
import { organizations, users } from './schema';

const root = mkdtempSync(path.join(tmpdir(), 'userdesk-lock-'));
const tsx = path.join(process.cwd(), 'node_modules', '.bin', 'tsx');
const children: ChildProcess[] = [];

function run(args: string[], dir: string, env: Record<string, string> = {}) {
  // As if started from a terminal: not under this run's npm script (npm names the command it runs).
  const { DATABASE_URL: _, [LOCK_ENV]: __, npm_lifecycle_event: ___, ...base } = process.env;
  // A process group of its own: tsx runs the script in a child process, and the cleanup must reach it.
  const child = spawn(tsx, args, { env: { ...base, PGLITE_DIR: dir, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  /** Waits for `text <pid>` and gives the pid: the script's own process, under tsx's launcher. */
  const printed = (text: string): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      const check = () => {
        const match = new RegExp(`${text} (\\d+)`).exec(stdout);
        if (match) resolve(Number(match[1]));
      };
      child.stdout!.on('data', check);
      child.on('exit', () => reject(new Error(`exited before printing ${text}: ${stdout}${stderr}`)));
      check();
    });
  const output = () => stdout;
  return { child, exited, printed, output };
}

afterEach(() => {
  for (const child of children.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // The whole group has exited already.
    }
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Real processes on a busy machine: each start of tsx and PGlite can take seconds.
describe('one process per embedded database', { timeout: 240_000 }, () => {
  it('refuses a second process at once, says who holds the folder and what to do, and writes nothing', async () => {
    const dir = path.join(root, 'held');
    const holder = run(['db/testing-lock-holder.ts', '--setup'], dir);
    const pid = await holder.printed('READY');

    const [seed, ...others] = await Promise.all(
      [['scripts/seed.ts', '--users', '50'], ['scripts/migrate.ts'], ['scripts/demo.ts'], ['scripts/jobs-inactivity.ts']].map((args) => run(args, dir).exited),
    );
    expect(seed!.code).toBe(1);
    expect(seed!.stderr).toContain(`is in use by process ${pid} (node db/testing-lock-holder.ts --setup)`);
    expect(seed!.stderr).toContain('Stop that process first');
    expect(seed!.stderr).toContain('DATABASE_URL');
    expect(seed!.stdout).not.toContain('Seeded');
    for (const other of others) {
      expect(other.code).toBe(1);
      expect(other.stderr).toContain(`in use by process ${pid}`);
    }

    // SIGTERM: the holder releases the folder on its way out; then only the Administrator is there.
    holder.child.kill('SIGTERM');
    await holder.exited;
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    const client = openClient(undefined, dir);
    try {
      expect(await client.db.select().from(organizations)).toHaveLength(1);
      expect((await client.db.select().from(users)).map((u) => u.email)).toEqual(['ada@example.test']);
    } finally {
      await client.close();
    }
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('takes over the lock of a process killed with SIGKILL', async () => {
    const dir = path.join(root, 'crashed');
    const holder = run(['db/testing-lock-holder.ts'], dir);
    const pid = await holder.printed('READY');
    process.kill(pid, 'SIGKILL');
    await holder.exited;
    expect(JSON.parse(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).pid).toBe(pid);

    const migrate = await run(['scripts/migrate.ts'], dir).exited;
    expect(migrate.stderr).toBe('');
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toContain('Migrations applied to the embedded database');
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('gives a free folder to exactly one of several processes starting together', async () => {
    const dir = path.join(root, 'race');
    const racers = Array.from({ length: 4 }, () => run(['db/testing-lock-holder.ts', '--lock-only'], dir));
    // Each says LOCKED (and holds on) or REFUSED: the winner holds until the end, so no start is too late.
    await Promise.all(racers.map((r) => Promise.any([r.printed('LOCKED'), r.printed('REFUSED')])));
    expect(racers.filter((r) => r.output().startsWith('LOCKED'))).toHaveLength(1);
    expect(racers.filter((r) => r.output().startsWith('REFUSED'))).toHaveLength(3);
  });

  it('lets the server a wrapper started open the folder once, and no second process of that tree', async () => {
    const dir = path.join(root, 'wrapped');
    const release = acquireDatabaseLock(dir, { command: 'npm run dev', forChild: true });
    const token = process.env[LOCK_ENV]!;
    try {
      const server = run(['db/testing-lock-holder.ts', '--lock-only'], dir, { [LOCK_ENV]: token });
      const serverPid = await server.printed('LOCKED');
      expect(JSON.parse(readFileSync(path.join(dir, LOCK_FILE), 'utf8')).opener.pid).toBe(serverPid);
      const second = await run(['db/testing-lock-holder.ts', '--lock-only'], dir, { [LOCK_ENV]: token }).exited;
      expect(second.stdout).toMatch(/^REFUSED \d+ /);
      expect(second.stdout).toContain(`The embedded database in ${dir} is in use by process ${process.pid} (npm run dev, server process ${serverPid})`);
      const stranger = await run(['db/testing-lock-holder.ts', '--lock-only'], dir).exited;
      expect(stranger.stdout).toContain('REFUSED');
      server.child.kill('SIGTERM');
      await server.exited;
    } finally {
      release();
      delete process.env[LOCK_ENV];
    }
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });
});

describe('acquireDatabaseLock', () => {
  it('takes over a lock whose pid now belongs to another process, or that is not a lock at all', () => {
    const dir = path.join(root, 'reused');
    acquireDatabaseLock(dir)();
    const file = path.join(dir, LOCK_FILE);
    // This very process, but started at another time: the recorded holder is gone and its pid reused.
    writeFileSync(file, JSON.stringify({ pid: process.pid, startTime: '1', command: 'npm run dev', startedAt: new Date().toISOString(), token: 'old', opener: null }));
    const release = acquireDatabaseLock(dir);
    expect(JSON.parse(readFileSync(file, 'utf8')).token).not.toBe('old');
    release();
    writeFileSync(file, '{"pid":');
    acquireDatabaseLock(dir)();
    expect(existsSync(file)).toBe(false);
  });

  it('refuses while the holder lives, and the message names it', () => {
    const dir = path.join(root, 'alive');
    const file = path.join(dir, LOCK_FILE);
    acquireDatabaseLock(dir)();
    writeFileSync(file, JSON.stringify({ pid: process.ppid, startTime: null, command: 'npm run dev', startedAt: new Date().toISOString(), token: 'x', opener: null }));
    let error: unknown;
    try {
      acquireDatabaseLock(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatabaseInUseError);
    expect((error as Error).message).toContain(`in use by process ${process.ppid} (npm run dev)`);
    rmSync(file);
  });
});
