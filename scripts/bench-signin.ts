// `npm run bench:signin`: how the portal holds up while people sign in. Starts a production server
// (run `npm run build` first) on a fresh seeded database, times a plain page (/login) alone, then
// again while 20 clients sign in over and over, and prints sign-ins per second and the page's p50/p99.
// Budget: the page's p99 under sign-in load at most 3x its p99 without it.
import { ACCOUNTS, PASSWORD } from '@/e2e/accounts';
import { freePort, ms, percentile, signInCookie, startServer } from './bench-lib';

const CLIENTS = 20;
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const BASELINE_REQUESTS = 300;

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = await startServer(['npx', 'tsx', 'scripts/e2e-server.ts', '--seed'], { PORT: String(port) }, `${base}/login`);

async function timePage(): Promise<number> {
  const start = performance.now();
  const response = await fetch(`${base}/login`);
  await response.text();
  if (!response.ok) throw new Error(`/login answered ${response.status}`);
  return performance.now() - start;
}
const signInOnce = async () => (await signInCookie(base, ACCOUNTS.admin.email, PASSWORD)) !== null;

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

const p99Base = percentile(baseline, 99);
const p99Load = percentile(loaded, 99);
console.log(`database: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}; ${CLIENTS} concurrent sign-in clients for ${LOAD_SECONDS} s`);
console.log(`sign-ins: ${signIns} succeeded, ${failures} failed, ${(signIns / seconds).toFixed(1)} per second`);
console.log(`page /login without load: p50 ${ms(percentile(baseline, 50))}, p99 ${ms(p99Base)} (${baseline.length} requests)`);
console.log(`page /login under load:   p50 ${ms(percentile(loaded, 50))}, p99 ${ms(p99Load)} (${loaded.length} requests)`);
console.log(`p99 ratio: ${(p99Load / p99Base).toFixed(2)}x (budget 3x): ${p99Load <= 3 * p99Base ? 'within budget' : 'OVER BUDGET'}`);
server.stop();
process.exit(0);
