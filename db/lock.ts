// One process per embedded database. PGlite is PostgreSQL in a single process: two processes that
// open one folder each keep their own copy in memory and the last to close overwrites the other's
// writes. So whoever opens the folder first holds `userdesk.lock` in it (created with O_EXCL, holding
// its pid, command and start time), and every other process is refused at once with a message
// saying who holds it. A lock whose process is gone (or whose pid now belongs to another program) is
// taken over, so a crash never blocks the next start.
//
// `npm run dev` / `npm start` take the lock before starting Next.js, on behalf of the server they
// start, and hand it down through USERDESK_PGLITE_LOCK; the one server process that then opens the
// folder records itself as the opener, so a second opener inside that tree is refused as well.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

export const LOCK_FILE = 'userdesk.lock';
export const LOCK_ENV = 'USERDESK_PGLITE_LOCK';

type Process = { pid: number; startTime: string | null };
export type LockHolder = Process & { command: string; startedAt: string; token: string; opener: Process | null };

export class DatabaseInUseError extends Error {
  constructor(
    message: string,
    readonly holder: LockHolder,
  ) {
    super(message);
    this.name = 'DatabaseInUseError';
  }
}

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** The start time of a process as the kernel counts it (Linux), so a reused pid is told apart. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number, startTime: string | null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (code(e) !== 'EPERM') return false;
  }
  // Same pid, different start time: the holder died and the number went to another process.
  if (startTime) {
    const now = processStartTime(pid);
    if (now !== null && now !== startTime) return false;
  }
  return true;
}

/** Alive when its holder (or the server process that opened the folder for it) still runs. */
function lockAlive(holder: LockHolder): boolean {
  return alive(holder.pid, holder.startTime) || (holder.opener != null && alive(holder.opener.pid, holder.opener.startTime));
}

function describeCommand(): string {
  const event = process.env.npm_lifecycle_event;
  if (event && event !== 'npx') return `npm ${['start', 'test'].includes(event) ? event : `run ${event}`}`;
  const args = process.argv
    .slice(1)
    .map((a) => (a.includes(`${path.sep}node_modules${path.sep}`) ? path.basename(a) : a.startsWith(`${process.cwd()}${path.sep}`) ? path.relative(process.cwd(), a) : a));
  return ['node', ...args].join(' ');
}

function readLock(file: string): LockHolder | null {
  // An empty or half-written file is another process between creating and writing it: look again.
  for (let attempt = 0; ; attempt++) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if (code(e) === 'ENOENT') return null;
      throw e;
    }
    try {
      return JSON.parse(text) as LockHolder;
    } catch {
      if (attempt >= 20) return { pid: 0, startTime: null, command: '?', startedAt: '', token: '', opener: null };
      sleep(25);
    }
  }
}

function inUse(dir: string, holder: LockHolder): DatabaseInUseError {
  const since = holder.startedAt ? ` since ${new Date(holder.startedAt).toLocaleString('en-GB')}` : '';
  const opener = holder.opener && holder.opener.pid !== holder.pid ? `, server process ${holder.opener.pid}` : '';
  return new DatabaseInUseError(
    `The embedded database in ${dir} is in use by process ${holder.pid} (${holder.command}${opener})${since}.\n` +
      'Only one process at a time may open it: two would each keep their own copy and one would overwrite the other\'s writes.\n' +
      `Stop that process first (Ctrl+C in its terminal, or kill ${alive(holder.pid, holder.startTime) || !holder.opener ? holder.pid : holder.opener.pid}) and run this again, ` +
      'or use PostgreSQL, which any number of processes can share: set DATABASE_URL=postgres://user@host:5432/userdesk.',
    holder,
  );
}

function writeNew(file: string, content: LockHolder) {
  const fd = openSync(file, 'wx', 0o644);
  try {
    writeSync(fd, JSON.stringify(content));
  } finally {
    closeSync(fd);
  }
}

/** Replaces the lock's content in one step (rename), for the opener record. */
function overwrite(file: string, content: LockHolder) {
  const temp = `${file}.${process.pid}.tmp`;
  writeNew(temp, content);
  renameSync(temp, file);
}

/** Takes over a dead holder's lock. A short mkdir mutex keeps two newcomers from both taking it. */
function takeOver(file: string, stale: LockHolder, content: LockHolder): boolean {
  const mutex = `${file}.takeover`;
  try {
    mkdirSync(mutex);
  } catch (e) {
    if (code(e) !== 'EEXIST') throw e;
    // Left behind by a process killed mid-takeover (it takes milliseconds): clear it and retry.
    try {
      if (Date.now() - statSync(mutex).mtimeMs > 10_000) rmdirSync(mutex);
    } catch {
      // Another newcomer cleared it first.
    }
    return false;
  }
  try {
    const current = readLock(file);
    if (current && (current.token !== stale.token || lockAlive(current))) return false;
    if (current) unlinkSync(file);
    writeNew(file, content);
    return true;
  } finally {
    rmdirSync(mutex);
  }
}

const held = new Map<string, () => void>();

function releaseOnExit(file: string, token: string): () => void {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = (signal: NodeJS.Signals) => {
    // With no handler but ours, the signal would end node without 'exit': release, then die of it.
    // Where someone else handles it (Next.js shuts down, then exits), 'exit' releases.
    if (process.listenerCount(signal) > 1) return;
    release();
    process.kill(process.pid, signal);
  };
  const release = () => {
    held.delete(file);
    process.removeListener('exit', release);
    for (const signal of signals) process.removeListener(signal, onSignal);
    try {
      if (readLock(file)?.token === token) unlinkSync(file);
    } catch {
      // Already gone: nothing to release.
    }
  };
  held.set(file, release);
  process.once('exit', release);
  for (const signal of signals) process.on(signal, onSignal);
  return release;
}

/**
 * Holds the embedded database in `dir` for this process, or throws DatabaseInUseError.
 * Returns `release()`. `forChild` (dev/start wrappers): also hand the lock down to child processes.
 */
export function acquireDatabaseLock(dir: string, { command = describeCommand(), forChild = false } = {}): () => void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(path.resolve(dir), LOCK_FILE);
  const existing = held.get(file);
  if (existing) return existing;
  const me: Process = { pid: process.pid, startTime: processStartTime(process.pid) };

  // Handed down by the wrapper that started us: become its opener, unless another process already is.
  const inherited = process.env[LOCK_ENV];
  if (inherited && !forChild) {
    const holder = readLock(file);
    if (holder?.token === inherited && alive(holder.pid, holder.startTime)) {
      if (holder.opener && holder.opener.pid !== me.pid && alive(holder.opener.pid, holder.opener.startTime)) throw inUse(dir, holder);
      overwrite(file, { ...holder, opener: me });
      return () => {
        const current = readLock(file);
        if (current?.token === inherited && current.opener?.pid === me.pid) overwrite(file, { ...current, opener: null });
      };
    }
  }

  const token = randomBytes(16).toString('hex');
  const content: LockHolder = { ...me, command, startedAt: new Date().toISOString(), token, opener: null };
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      writeNew(file, content);
      break;
    } catch (e) {
      if (code(e) !== 'EEXIST') throw e;
    }
    const holder = readLock(file);
    if (holder && lockAlive(holder)) throw inUse(dir, holder);
    if (holder && takeOver(file, holder, content)) break;
    if (attempt === 49) throw new Error(`Could not take the lock ${file}; delete it if no Userdesk process is running.`);
    sleep(20);
  }
  if (forChild) process.env[LOCK_ENV] = token;
  return releaseOnExit(file, token);
}
