// The production server (`npm start` runs it): Next.js behind a plain Node HTTP server that writes the
// TCP peer address of every request into a header of its own, overwriting whatever the client sent
// under that name. With TRUSTED_PROXY_HOPS=0 (no reverse proxy in front) lib/request.ts takes the
// client address from that header and ignores X-Forwarded-For, which anyone can write.
// On PostgreSQL it runs one such process per core (WEB_CONCURRENCY), sharing the port (node:cluster);
// this process then only supervises them: one that dies is replaced, one that fails to start stops all.
// Each has a slot (USERDESK_PROCESS_SLOT, kept by its replacement): slot 0 also runs the server's
// periodic jobs and its outbox delivery (lib/jobs/schedule.ts), so SMTP limits stay per server.
// REST API requests (/api/v1/...) in plain form go straight to the API's router, bundled by `npm run build`
// (scripts/build-api.mjs), ahead of Next.js, whose per-request pipeline costs more than the API's handlers
// themselves; everything else, and the API itself when the bundle is missing, goes through Next.js.
// Usage: node scripts/server.mjs [-p port] [-H host]
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { serverProcesses, withPeerAddress } from './server-wrapper.mjs';

const { values } = parseArgs({ options: { port: { type: 'string', short: 'p' }, hostname: { type: 'string', short: 'H' } } });
const port = Number(values.port ?? process.env.PORT ?? 3000);
// Every interface unless -H says otherwise (as `next start`); not $HOSTNAME, which containers set to their id.
const hostname = values.hostname;
const address = `http://${hostname ?? 'localhost'}:${port}`;

const { processes, error } = serverProcesses(process.env, availableParallelism());
if (error) {
  console.error(`Userdesk will not start: ${error}`);
  process.exit(1);
}

if (cluster.isPrimary && processes > 1) supervise(processes);
else await serve();

async function serve() {
  // As `next start` does: production mode, set before Next.js is loaded.
  process.env.NODE_ENV = 'production';
  const { default: next } = await import('next');
  // Tells lib/request.ts (same process) that the peer header is ours and can be trusted.
  process.env.USERDESK_PEER_HEADER = '1';
  const app = next({ dev: false, hostname: hostname ?? 'localhost', port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const api = loadApi();
  const listener = api
    ? (req, res) => {
        if (!api.servesDirectly(req.method, req.url)) return handle(req, res);
        return api.serveApi(req, res).catch((error) => {
          // Only writing the answer can fail here (the client went away): the handlers answer their own errors.
          console.error('REST API: could not send an answer:', error);
          res.destroy();
        });
      }
    : handle;
  createServer(withPeerAddress(listener)).listen(port, hostname, () => {
    if (cluster.isPrimary) console.log(`Userdesk listening on ${address}`);
  });
}

/** The REST API's direct path (see the header), or null, with a word at start-up either way (once per server). */
function loadApi() {
  const bundle = path.join(process.cwd(), '.next', 'userdesk-api.cjs');
  const announce = cluster.isPrimary || process.env.USERDESK_PROCESS_SLOT === '0';
  if (!existsSync(bundle)) {
    if (announce) console.warn('REST API: served through Next.js (no .next/userdesk-api.cjs: build with `npm run build`, not `next build` alone, for the faster direct path).');
    return null;
  }
  if (announce) console.log('REST API: served directly by the server process, ahead of Next.js.');
  return createRequire(import.meta.url)(bundle);
}

// A process that dies after it served is replaced, unless that keeps happening (more than 5 in a
// minute: something is wrong that a restart does not fix). One that dies before it listened (bad
// configuration, database unreachable) would die again: everything stops, with its exit code.
function supervise(count) {
  const ready = new WeakSet();
  const slots = new WeakMap();
  const fork = (slot) => slots.set(cluster.fork({ USERDESK_PROCESS_SLOT: String(slot) }), slot);
  const restarts = [];
  let stopping = false;
  let announced = false;
  const stopAll = (code) => {
    stopping = true;
    process.exitCode = code;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(code);
  };
  cluster.on('listening', (worker) => {
    ready.add(worker);
    if (!announced) {
      announced = true;
      console.log(`Userdesk listening on ${address} (${count} processes; WEB_CONCURRENCY to change)`);
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(process.exitCode ?? 0);
      return;
    }
    const how = signal ? `signal ${signal}` : `code ${code}`;
    const now = Date.now();
    while (restarts.length && restarts[0] < now - 60_000) restarts.shift();
    if (!ready.has(worker) || restarts.length >= 5) {
      console.error(`Userdesk: server process ${worker.process.pid} ended (${how}) ${ready.has(worker) ? 'for the 6th time in a minute' : 'before it was ready'}; stopping.`);
      stopAll(code || 1);
      return;
    }
    restarts.push(now);
    console.error(`Userdesk: server process ${worker.process.pid} ended (${how}); starting another.`);
    fork(slots.get(worker));
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll(0));
  for (let slot = 0; slot < count; slot++) fork(slot);
}
