// API keys and bearer tokens: recognisable prefixes (so secret scanners can match them), 256 random
// bits, stored only as SHA-256. A key carries its id in clear, so checking it is one indexed lookup and
// one constant-time comparison: no scan, no bcrypt (a key is random, not a guessable password).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const KEY_PREFIX = 'udk_';
export const TOKEN_PREFIX = 'udt_';
const KEY_PATTERN = /^udk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const TOKEN_PATTERN = /^udt_[A-Za-z0-9_-]{43}$/;

export const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

/** A new key: `udk_<16 hex id>_<43 base64url characters = 256 bits>`; only keyId and keyHash are stored. */
export function generateKey(): { key: string; keyId: string; keyHash: string } {
  const keyId = randomBytes(8).toString('hex');
  const key = `${KEY_PREFIX}${keyId}_${randomBytes(32).toString('base64url')}`;
  return { key, keyId, keyHash: sha256(key) };
}

export function generateToken(): { token: string; tokenHash: string } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, tokenHash: sha256(token) };
}

export type ParsedCredential = { kind: 'key'; keyId: string; hash: string } | { kind: 'token'; hash: string } | null;

/** What a bearer value is, or null when it cannot be one of ours. */
export function parseCredential(value: string): ParsedCredential {
  const key = KEY_PATTERN.exec(value);
  if (key) return { kind: 'key', keyId: key[1]!, hash: sha256(value) };
  if (TOKEN_PATTERN.test(value)) return { kind: 'token', hash: sha256(value) };
  return null;
}

export const hashesMatch = (stored: string, presented: string) =>
  stored.length === presented.length && timingSafeEqual(Buffer.from(stored, 'hex'), Buffer.from(presented, 'hex'));
