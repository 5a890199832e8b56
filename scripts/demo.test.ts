// `npm run demo` as a newcomer runs it: a real process on a fresh embedded database. The Administrator
// signs in with the printed password and All Users lists the demo users; a second run refuses.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, expect, it } from 'vitest';
import { openClient } from '@/db/client';
import { environments, roles, users } from '@/db/schema';
import { isPermission } from '@/lib/auth/permissions';
import { principalOf } from '@/lib/auth/principal';
import { signIn } from '@/lib/auth/sign-in';
import { countUsers, listFilter, listParamsSchema, listUsers } from '@/lib/users/list';

const dir = mkdtempSync(path.join(tmpdir(), 'userdesk-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const demo = () => {
  const { DATABASE_URL: _, ...env } = process.env;
  return spawnSync(path.join('node_modules', '.bin', 'tsx'), ['scripts/demo.ts', '--users', '150'], { env: { ...env, PGLITE_DIR: dir }, encoding: 'utf8', timeout: 200_000 });
};

// Real processes on a busy machine: each start of tsx and PGlite can take seconds.
it('creates a portal whose Administrator signs in with the printed password, and refuses to run twice', { timeout: 420_000 }, async () => {
  const first = demo();
  expect(first.stderr).toBe('');
  expect(first.status).toBe(0);
  expect(first.stdout).toContain('Created the demo organization "Northwind Demo"');
  const printed = /Administrator:\s+(\S+)\s+password (\S+)/.exec(first.stdout);
  expect(printed).not.toBeNull();
  const [, email, password] = printed!;

  const client = openClient(undefined, dir);
  try {
    const result = await signIn(client.db, email!, password!, { ip: null, userAgent: 'test' });
    expect(result).toMatchObject({ ok: true });
    const [admin] = await client.db.select().from(users).where(eq(users.email, email!));
    const [role] = await client.db.select().from(roles).where(eq(roles.id, admin!.roleId));
    const principal = principalOf({ id: admin!.id, email: admin!.email, permissions: role!.permissions.filter(isPermission), allEnvironments: role!.allEnvironments, environmentIds: [] });
    const [production] = await client.db.select().from(environments).where(eq(environments.name, 'Production'));
    const params = listParamsSchema.parse({});
    expect((await listUsers(client.db, principal, production!.id, params)).users).toHaveLength(50);
    expect(await countUsers(client.db, listFilter(principal, production!.id, params))).toEqual({ count: 152, exact: true });
  } finally {
    await client.close();
  }

  const second = demo();
  expect(second.status).toBe(1);
  expect(second.stderr).toContain('This database already has an organization ("Northwind Demo"), so the demo did not change anything');
  expect(second.stdout).not.toContain('password');
});
