// `npm start`: the production server. Refuses to start without a session secret, and says why.
import { spawn } from 'node:child_process';
import { holdEmbeddedDatabase } from './hold-database.mjs';

if (!process.env.NEXTAUTH_SECRET || process.env.NEXTAUTH_SECRET.length < 32) {
  console.error(
    'Userdesk will not start: NEXTAUTH_SECRET is not set (or shorter than 32 characters).\n' +
      'It signs every session; set it to a random value, e.g. NEXTAUTH_SECRET=$(openssl rand -base64 32), and keep it secret.',
  );
  process.exit(1);
}
await holdEmbeddedDatabase();
const port = process.env.PORT ?? '3000';
process.env.NEXTAUTH_URL ??= `http://localhost:${port}`;
const child = spawn(process.execPath, ['scripts/server.mjs', '-p', port, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
