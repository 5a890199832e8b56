// `npm run dev`: the portal on http://localhost:3000 with the embedded database unless DATABASE_URL is set.
import { spawn } from 'node:child_process';
import { holdEmbeddedDatabase } from './hold-database.mjs';
import { ensureDevSecret } from './secret.mjs';

ensureDevSecret();
await holdEmbeddedDatabase();
const port = process.env.PORT ?? '3000';
process.env.NEXTAUTH_URL ??= `http://localhost:${port}`;
const child = spawn('npx', ['next', 'dev', '-p', port, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
