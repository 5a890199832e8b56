import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { BCRYPT_COST, hashPassword, verifyPassword } from './password';

describe('password hashing', () => {
  it('hashes with bcrypt at cost 12 and verifies only the right password', async () => {
    const hash = await hashPassword('Sturdy-Passphrase-7');
    expect(bcrypt.getRounds(hash)).toBe(BCRYPT_COST);
    expect(hash).not.toContain('Sturdy');
    expect(await verifyPassword('Sturdy-Passphrase-7', hash)).toBe(true);
    expect(await verifyPassword('sturdy-passphrase-7', hash)).toBe(false);
  });

  it('refuses to hash a password over 72 bytes', async () => {
    await expect(hashPassword('a'.repeat(73))).rejects.toThrow('at most 72 bytes');
  });

  it('never accepts a password that differs only after byte 72', async () => {
    const long = 'x'.repeat(72);
    const hash = await bcrypt.hash(long, 4);
    expect(await verifyPassword(`${long}extra`, hash)).toBe(false);
  });

  it('fails closed for an account without a password', async () => {
    expect(await verifyPassword('anything', null)).toBe(false);
  });

  it('keeps the event loop free while hashing', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    await Promise.all([hashPassword('Sturdy-Passphrase-7'), hashPassword('Other-Passphrase-8')]);
    clearInterval(timer);
    // bcrypt on the main thread would block all ticks for ~285 ms per hash.
    expect(ticks).toBeGreaterThan(5);
  });
});
