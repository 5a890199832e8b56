// /audit/export as each kind of caller: its refusals answer as /users/export's do (problem+json with a
// title saying why), and only a holder of audit.read gets the CSV.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS, type Permission } from '@/lib/auth/permissions';
import type { SessionUser } from '@/lib/auth/session';

const session = vi.hoisted(() => ({ user: null as SessionUser | null }));
vi.mock('@/lib/auth/session', async (original) => ({ ...(await original<object>()), getCurrentUser: async () => session.user }));
vi.mock('next/headers', () => ({ headers: async () => new Headers(), cookies: async () => ({ get: () => undefined, set: () => {} }) }));

const auditExport = await import('./route');
const usersExport = await import('../../users/export/route');

const callers: Record<string, SessionUser | null> = {};
const as = (id: string, roleName: string, permissions: readonly Permission[], environmentIds: string[], extra: Partial<SessionUser> = {}): SessionUser => ({
  id,
  email: `${roleName.toLowerCase().replace(/ /g, '.')}@example.test`,
  firstName: 'Test',
  lastName: roleName,
  roleId: roleName,
  roleName,
  permissions: [...permissions],
  allEnvironments: roleName === 'Administrator',
  environmentIds,
  requirePasswordChange: false,
  passwordChangedAt: null,
  sessionVersion: 1,
  ...extra,
});

beforeAll(async () => {
  const db = await testDb();
  const { adminId, environmentId } = await setUpOrganization(db);
  const member = await insertUser(db, { email: 'quillon.member@example.test', environmentId });
  const manager = await insertUser(db, { email: 'quillon.manager@example.test', role: 'Account Manager', environmentId });
  callers.nobody = null;
  callers.user = as(member.id, 'User', [], [environmentId]);
  callers.manager = as(manager.id, 'Account Manager', ['users.read', 'users.write', 'users.unlock', 'users.ban'], [environmentId]);
  callers.pendingAdmin = as(adminId, 'Administrator', PERMISSIONS, [environmentId], { requirePasswordChange: true });
  callers.admin = as(adminId, 'Administrator', PERMISSIONS, [environmentId]);
});

const get = (route: { GET: (r: Request) => Promise<Response> }, path: string) => route.GET(new Request(`http://localhost${path}`));

describe('GET /audit/export', () => {
  it.each([
    ['nobody', 401, 'Sign in to export the audit log.'],
    ['user', 403, 'You do not have permission to export the audit log.'],
    ['manager', 403, 'You do not have permission to export the audit log.'],
    ['pendingAdmin', 403, 'You do not have permission to export the audit log.'],
  ])('refuses %s with a problem+json %i, as /users/export refuses', async (caller, status, title) => {
    session.user = callers[caller]!;
    const response = await get(auditExport, '/audit/export?action=auth.sign_in');
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ title, status });

    // The same caller at /users/export gets the same shape of answer (where it too refuses).
    const users = await get(usersExport, '/users/export');
    if (users.status >= 400) {
      expect(users.status).toBe(status);
      expect(users.headers.get('content-type')).toBe('application/problem+json');
      expect(Object.keys(await users.json()).sort()).toEqual(['status', 'title']);
    }
  });

  it('gives an Administrator the CSV', async () => {
    session.user = callers.admin!;
    const response = await get(auditExport, '/audit/export');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await response.text()).toContain('organization');
  });
});
