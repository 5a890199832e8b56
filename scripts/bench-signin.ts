// `npm run bench:signin`: how the portal holds up while people sign in. Starts a production server
// (run `npm run build` first) on a fresh seeded database, times a plain page (/login) alone, then
// again while 20 clients sign in over and over, and prints sign-ins per second and the page's p50/p99.
// Budget: the page's p99 under sign-in load at most 3x its p99 without it.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { ACCOUNTS, PASSWORD } from '@/e2e/accounts';

const CLIENTS = 20;
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const BASELINE_REQUESTS = 300;

const port = await new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as net.AddressInfo;
    s.close(() => resolve(port));
  });
});
const base = `http://127.0.0.1:${port}`;
const server = spawn('npx', ['tsx', 'scripts/e2e-server.ts', '--seed'], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore', detached: true });
const stop = () => {
  try {
    process.kill(-server.pid!, 'SIGTERM');
  } catch {
    // Already gone.
  }
};
process.on('exit', stop);

async function waitForServer() {
  for (let i = 0; i < 240; i++) {
    if (await fetch(`${base}/login`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('The server did not start (did you run `npm run build`?).');
}

async function timePage(): Promise<number> {
  const start = performance.now();
  const response = await fetch(`${base}/login`);
  await response.text();
  if (!response.ok) throw new Error(`/login answered ${response.status}`);
  return performance.now() - start;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function signInOnce(): Promise<boolean> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const cookie = csrf.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await fetch(`${base}/api/auth/callback/credentials`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ csrfToken, email: ACCOUNTS.admin.email, password: PASSWORD, json: 'true' }),
    redirect: 'manual',
  });
  await response.text();
  return response.status === 200 && response.headers.getSetCookie().some((c) => c.includes('session-token'));
}

await waitForServer();
for (let i = 0; i < 30; i++) await timePage(); // warm-up
if (!(await signInOnce())) throw new Error('The benchmark account could not sign in.');

const baseline: number[] = [];
for (let i = 0; i < BASELINE_REQUESTS; i++) baseline.push(await timePage());

let signIns = 0;
let failures = 0;
const deadline = Date.now() + LOAD_SECONDS * 1000;
const clients = Array.from({ length: CLIENTS }, async () => {
  while (Date.now() < deadline) {
    if (await signInOnce()) signIns++;
    else failures++;
  }
});
const loaded: number[] = [];
await new Promise((r) => setTimeout(r, 1000)); // let the load build up
while (Date.now() < deadline - 500) loaded.push(await timePage());
const started = Date.now();
await Promise.all(clients);
const seconds = LOAD_SECONDS + (Date.now() - started) / 1000;

const fmt = (n: number) => `${n.toFixed(1)} ms`;
const p99Base = percentile(baseline, 99);
const p99Load = percentile(loaded, 99);
console.log(`database: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}; ${CLIENTS} concurrent sign-in clients for ${LOAD_SECONDS} s`);
console.log(`sign-ins: ${signIns} succeeded, ${failures} failed, ${(signIns / seconds).toFixed(1)} per second`);
console.log(`page /login without load: p50 ${fmt(percentile(baseline, 50))}, p99 ${fmt(p99Base)} (${baseline.length} requests)`);
console.log(`page /login under load:   p50 ${fmt(percentile(loaded, 50))}, p99 ${fmt(p99Load)} (${loaded.length} requests)`);
console.log(`p99 ratio: ${(p99Load / p99Base).toFixed(2)}x (budget 3x): ${p99Load <= 3 * p99Base ? 'within budget' : 'OVER BUDGET'}`);
stop();
process.exit(0);
