// Shared by the benchmarks: a database of their own, free ports, a production server, sign-in, percentiles.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import postgres from 'postgres';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a command in its own process group and waits until `readyUrl` answers; `stop` ends the group. */
export async function startServer(command: string[], env: Record<string, string>, readyUrl: string) {
  const child: ChildProcess = spawn(command[0]!, command.slice(1), { env: { ...process.env, ...env }, stdio: 'ignore', detached: true });
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // Already gone.
    }
  };
  process.on('exit', stop);
  for (let i = 0; i < 240; i++) {
    if (await fetch(readyUrl).then((r) => r.ok, () => false)) return { stop };
    await new Promise((r) => setTimeout(r, 500));
  }
  stop();
  throw new Error(`The server did not start at ${readyUrl} (did you run \`npm run build\`?).`);
}

/** Signs in through next-auth's Credentials endpoint; returns the session cookie header, or null. */
export async function signInCookie(base: string, email: string, password: string): Promise<string | null> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const csrfCookie = csrf.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await fetch(`${base}/api/auth/callback/credentials`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    body: new URLSearchParams({ csrfToken, email, password, json: 'true' }),
    redirect: 'manual',
  });
  await response.text();
  const session = response.headers.getSetCookie().find((c) => c.includes('session-token'));
  return response.status === 200 && session ? session.split(';')[0]! : null;
}

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};

export const ms = (n: number) => `${n.toFixed(1)} ms`;

/**
 * A database of the benchmark's own on the PostgreSQL server DATABASE_URL names (or an earlier kept one
 * to reuse); DATABASE_URL then points at it. `drop` removes it unless it is to be kept or was reused.
 */
export async function benchDatabase(kind: string, options: { keep?: boolean; reuse?: string } = {}) {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error(`bench:${kind} measures PostgreSQL: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres).`);
  const name = options.reuse ?? `userdesk_bench_${kind}_${Date.now()}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  if (!options.reuse) await admin.unsafe(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
  return {
    name,
    serverUrl,
    url: url.toString(),
    async drop() {
      if (!options.keep && !options.reuse) await admin.unsafe(`drop database if exists "${name}" with (force)`);
      else console.log(`Kept database ${name}.`);
      await admin.end();
    },
  };
}
