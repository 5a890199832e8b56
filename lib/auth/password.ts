// Password hashing. bcrypt (cost 12) blocks the thread it runs on for about 285 ms, so hashing and
// comparison run in a small pool of worker threads and the event loop keeps serving pages meanwhile.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fieldError } from '@/lib/errors';

export const BCRYPT_COST = 12;
export const MAX_PASSWORD_BYTES = 72;

// Evaluated as a CommonJS worker: no bundler involvement, bcryptjs resolved from node_modules.
const workerSource = `
const { parentPort } = require('node:worker_threads');
const bcrypt = require('bcryptjs');
parentPort.on('message', ({ id, op, a, b }) => {
  const run = op === 'hash' ? bcrypt.hash(a, b) : bcrypt.compare(a, b);
  run.then((value) => parentPort.postMessage({ id, value }), (e) => parentPort.postMessage({ id, error: String(e) }));
});`;

type Job = { id: number; op: 'hash' | 'compare'; a: string; b: string | number };
type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

type Slot = { worker: Worker; job: number | null };

class BcryptPool {
  private workers: Slot[] = [];
  private queue: Job[] = [];
  private pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly size: number) {}

  run<T>(op: Job['op'], a: string, b: string | number): Promise<T> {
    const id = this.nextId++;
    const promise = new Promise<T>((resolve, reject) =>
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }),
    );
    this.queue.push({ id, op, a, b });
    this.dispatch();
    return promise;
  }

  private dispatch() {
    while (this.queue.length > 0) {
      let slot = this.workers.find((w) => w.job === null);
      if (!slot && this.workers.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job.id;
      slot.worker.ref();
      slot.worker.postMessage(job);
    }
  }

  private spawn() {
    const worker = new Worker(workerSource, { eval: true });
    const slot: Slot = { worker, job: null };
    worker.on('message', ({ id, value, error }: { id: number; value?: unknown; error?: string }) => {
      slot.job = null;
      slot.worker.unref();
      const p = this.pending.get(id);
      this.pending.delete(id);
      if (error) p?.reject(new Error(error));
      else p?.resolve(value);
      this.dispatch();
    });
    worker.on('error', (e) => {
      // A crashed worker fails only the job it held; a new worker is spawned for the rest.
      this.workers = this.workers.filter((w) => w !== slot);
      if (slot.job !== null) {
        this.pending.get(slot.job)?.reject(e);
        this.pending.delete(slot.job);
      }
      this.dispatch();
    });
    // A worker holds the process open only while it has a job (attaching listeners re-references it).
    worker.unref();
    this.workers.push(slot);
    return slot;
  }
}

const globalForPool = globalThis as unknown as { userdeskBcrypt?: BcryptPool };
const pool = () => (globalForPool.userdeskBcrypt ??= new BcryptPool(Math.max(2, availableParallelism())));

export function passwordTooLong(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES;
}

export async function hashPassword(password: string): Promise<string> {
  // bcrypt silently ignores bytes past 72; refuse instead of storing a weaker secret than the user typed.
  if (passwordTooLong(password)) throw fieldError('password', `Password must be at most ${MAX_PASSWORD_BYTES} bytes.`);
  return pool().run<string>('hash', password, BCRYPT_COST);
}

export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  // Compare against a real hash even when there is none, so timing does not tell whether an account exists.
  const ok = await pool().run<boolean>('compare', password, hash ?? DUMMY_HASH);
  return ok && hash !== null && !passwordTooLong(password);
}

// bcrypt of a random string nobody knows, at the same cost.
const DUMMY_HASH = '$2b$12$iP39zFiGMeR3wHTNORJ1WeUn44aVI3wxE1SLQOfzT385H0z56aSuW';
