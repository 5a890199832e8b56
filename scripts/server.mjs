// The production server (`npm start` runs it): Next.js in this process, behind a plain Node HTTP
// server that writes the TCP peer address of every request into a header of its own, overwriting
// whatever the client sent under that name. With TRUSTED_PROXY_HOPS=0 (no reverse proxy in front)
// lib/request.ts takes the client address from that header and ignores X-Forwarded-For, which
// anyone can write. Usage: node scripts/server.mjs [-p port] [-H host]
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { withPeerAddress } from './server-wrapper.mjs';

// As `next start` does: production mode, set before Next.js is loaded.
process.env.NODE_ENV = 'production';
const { default: next } = await import('next');

const { values } = parseArgs({ options: { port: { type: 'string', short: 'p' }, hostname: { type: 'string', short: 'H' } } });
const port = Number(values.port ?? process.env.PORT ?? 3000);
// Every interface unless -H says otherwise (as `next start`); not $HOSTNAME, which containers set to their id.
const hostname = values.hostname;

// Tells lib/request.ts (same process) that the peer header is ours and can be trusted.
process.env.USERDESK_PEER_HEADER = '1';
const app = next({ dev: false, hostname: hostname ?? 'localhost', port });
await app.prepare();
const handle = app.getRequestHandler();

createServer(withPeerAddress(handle)).listen(port, hostname, () => {
  console.log(`Userdesk listening on http://${hostname ?? 'localhost'}:${port}`);
});
