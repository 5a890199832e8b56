// Development needs a session secret but the Quick start must need no setup: make one and keep it
// under .data/ (git-ignored). Production never gets here: it must be configured (see README).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

export function ensureDevSecret() {
  if (process.env.NEXTAUTH_SECRET) return;
  const file = '.data/nextauth-secret';
  if (!existsSync(file)) {
    mkdirSync('.data', { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  process.env.NEXTAUTH_SECRET = readFileSync(file, 'utf8').trim();
}
