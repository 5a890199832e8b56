import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { users } from '@/db/schema';
import type { Db } from '@/db/client';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { PERMISSIONS } from '@/lib/auth/permissions';
import type { Principal } from '@/lib/auth/principal';
import { addEnvironment } from '@/lib/environments';
import { recordAudit } from '.';
import { auditPages, auditParamsSchema, listActionKinds, readAuditParams, searchAudit } from './search';
import { csvCell } from '@/lib/spreadsheet-safety';
import { auditCsvStream } from './search-export';
import { describeAuditEvent, describeAuditEvents } from './describe';
import { listUserHistory } from './list';
import { auditNames } from './names';

let db: Db;
let envA: string;
let envB: string;
let userA: { id: string; email: string };
let userB: { id: string; email: string };
const admin: Principal = { actor: { type: 'system' }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
let manager: Principal;
const params = (p: Record<string, string>) => auditParamsSchema.parse(p);

beforeAll(async () => {
  db = await testDb();
  ({ environmentId: envA } = await setUpOrganization(db));
  envB = (await db.transaction((tx) => addEnvironment(tx, admin, 'Other'))).id;
  userA = await insertUser(db, { email: 'in-a@example.test', environmentId: envA });
  userB = await insertUser(db, { email: 'in-b@example.test', environmentId: envB });
  const managerUser = await insertUser(db, { email: 'manager@example.test', role: 'Account Manager', environmentId: envA });
  manager = { actor: { type: 'user', id: managerUser.id, label: managerUser.email }, permissions: ['users.read', 'audit.read'], allEnvironments: false, environmentIds: [envA] };
  // Twelve events in one transaction share one timestamp: pagination must still break ties by id.
  await db.transaction(async (tx) => {
    for (let i = 0; i < 6; i++) {
      await recordAudit(tx, { actor: manager.actor, action: 'user.updated', target: { type: 'user', id: userA.id, label: userA.email }, environmentId: envA, detail: `a${i}` });
      await recordAudit(tx, { actor: admin.actor, action: 'user.banned', target: { type: 'user', id: userB.id, label: userB.email }, environmentId: envB, detail: `=HYPERLINK("http://evil")` });
    }
  });
});

describe('audit search', () => {
  it('pages newest first by cursor, each event exactly once even when times tie', async () => {
    const seen: number[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await searchAudit(db, admin, params({ action: 'user.updated', ...(after ? { after } : {}) }), 4);
      seen.push(...page.events.map((e) => e.id));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
  });

  it('filters by actor (email or id), target, environment and date range', async () => {
    const byEmail = await searchAudit(db, admin, params({ actor: 'MANAGER@example.test' }));
    expect(byEmail.events).toHaveLength(6);
    expect((await searchAudit(db, admin, params({ actor: manager.actor.type === 'user' ? manager.actor.id : '' }))).events).toHaveLength(6);
    expect((await searchAudit(db, admin, params({ target: userB.email, env: envB }))).events).toHaveLength(6);
    expect((await searchAudit(db, admin, params({ actor: 'nobody@example.test' }))).unresolved).toBe(true);
    const today = new Date().toISOString().slice(0, 10);
    expect((await searchAudit(db, admin, params({ action: 'user.banned', from: today, to: today }))).events).toHaveLength(6);
    expect((await searchAudit(db, admin, params({ action: 'user.banned', to: '2000-01-01' }))).events).toHaveLength(0);
    expect(await listActionKinds(db)).toEqual(expect.arrayContaining(['user.banned', 'user.updated', 'environment.created']));
  });

  it('drops garbage params instead of failing', () => {
    expect(params({ env: 'x; drop table', from: '2024-13-45', to: '2024-02-31', after: "1' or 1=1", action: 'DROP' })).toEqual({});
    expect(params({ after: '2024-02-31T25:61:00.000000Z_5' })).toEqual({});
    // PostgreSQL refuses NUL in text and has no year 0 (JavaScript's Date has one).
    expect(params({ actor: '\u0000', target: ' \u0000 ', from: '0000-01-01', to: '0000-12-31' })).toEqual({ actor: undefined, target: undefined });
    expect(params({ actor: 'a\u0000b@example.test' })).toMatchObject({ actor: 'a b@example.test' });
  });

  it('answers searches made of control characters and year-0 dates without an error', async () => {
    expect((await searchAudit(db, admin, params({ actor: '\u0000', from: '0000-01-01' }))).events.length).toBeGreaterThan(0);
    expect((await searchAudit(db, admin, params({ target: 'x\u0000y' }))).events).toEqual([]);
  });

  it('an Account Manager sees and exports only events about users of their environments', async () => {
    const seen = await searchAudit(db, manager, params({}));
    expect(seen.events.filter((e) => e.targetId === userA.id)).toHaveLength(6);
    expect(seen.events.some((e) => e.targetId === userB.id || e.environmentId === envB)).toBe(false);
    expect((await searchAudit(db, manager, params({ env: envB }))).events).toHaveLength(0);
    expect((await searchAudit(db, manager, params({ target: userB.email }))).events).toHaveLength(0);
    // Nor learns which addresses exist elsewhere: a stranger's email and an unknown one answer alike.
    for (const who of [userB.email, 'nobody-at-all@example.test'])
      expect(await searchAudit(db, manager, params({ actor: who, target: who }))).toMatchObject({ events: [], unresolved: false });

    const csv = await new Response(auditCsvStream(db, manager, params({ env: envB }))).text();
    expect(csv.trim().split('\r\n')).toHaveLength(1); // the header only
    const mine = await new Response(auditCsvStream(db, manager, params({}))).text();
    expect(mine).toContain(userA.email);
    expect(mine).not.toContain(userB.email);
  });

  it("a user's history shows a reader of some environments what that user did only to users of those environments, as /audit does", async () => {
    const managerId = manager.actor.type === 'user' ? manager.actor.id : '';
    await db.transaction(async (tx) => {
      await recordAudit(tx, { actor: manager.actor, action: 'user.unlocked', target: { type: 'user', id: userB.id, label: userB.email }, environmentId: envB, detail: 'elsewhere' });
      await recordAudit(tx, { actor: manager.actor, action: 'role.updated', target: { type: 'role', id: envB, label: 'Some role' }, detail: 'a role' });
    });
    const scoped = (await listUserHistory(db, managerId, { viewer: manager })).events;
    expect(scoped.filter((e) => e.targetId === userA.id)).toHaveLength(6);
    expect(scoped.filter((e) => e.detail === 'elsewhere' || e.detail === 'a role')).toEqual([]);
    const everything = (await listUserHistory(db, managerId, { viewer: admin })).events;
    expect(everything.map((e) => e.detail)).toEqual(expect.arrayContaining(['elsewhere', 'a role']));
    // Without audit.read, only what was done to the user.
    expect((await listUserHistory(db, managerId, { viewer: { ...admin, permissions: ['users.read'] } })).events).toEqual([]);
  });

  it('names environments in changes, on /audit, its export and a history, but only those the reader works in', async () => {
    const shared = await insertUser(db, { email: 'shared@example.test', environmentId: envA });
    await db.transaction((tx) =>
      recordAudit(tx, { actor: admin.actor, action: 'user.updated', target: { type: 'user', id: shared.id, label: shared.email }, environmentId: envA, changes: { environments: { before: [envA], after: [envA, envB] } } }),
    );
    const changesOf = async (viewer: Principal) => {
      const { events } = await searchAudit(db, viewer, params({ target: shared.email }));
      const names = await auditNames(db, events, viewer);
      return describeAuditEvent(events[0]!, names).changes.map((c) => `${c.field}: ${c.before} -> ${c.after}`);
    };
    expect(await changesOf(admin)).toEqual(['Environments: Production -> Production, Other']);
    expect(await changesOf(manager)).toEqual(['Environments: Production -> Production, another environment']);
    const csv = await new Response(auditCsvStream(db, manager, params({ target: shared.email }))).text();
    expect(csv).toContain('Environments: Production -> Production, another environment');
    expect(csv).not.toContain(envB);
    const history = (await listUserHistory(db, shared.id, { viewer: manager })).events;
    const described = describeAuditEvents(history, await auditNames(db, history, manager), { about: shared.id });
    expect(JSON.stringify(described)).not.toMatch(/Other|[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('the export neutralises formula-leading values', async () => {
    for (const lead of ['=', '+', '-', '@', '\t', '\r']) expect(csvCell(`${lead}1+1`).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('plain')).toBe('"plain"');
    const csv = await new Response(auditCsvStream(db, admin, params({ action: 'user.banned' }))).text();
    const lines = csv.trim().split('\r\n');
    expect(lines).toHaveLength(7);
    expect(csv).not.toMatch(/,=HYPERLINK/);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
  });

  it('reads a repeated key by its first value on the page and in the export alike', () => {
    const url = new URL('http://x/audit/export?action=user.updated&action=user.banned&after=x&after=y&env=nope');
    const fromPage = readAuditParams({ action: ['user.updated', 'user.banned'], after: ['x', 'y'], env: 'nope' });
    expect(readAuditParams(url.searchParams)).toEqual(fromPage);
    expect(fromPage).toMatchObject({ action: 'user.updated', env: undefined, after: undefined });
  });
});

describe('a long audit export', () => {
  it('stops once the person exporting is banned: the pages after are not read', async () => {
    const auditor = await insertUser(db, { email: 'auditor-export@example.test', role: 'Administrator' });
    const principal: Principal = { actor: { type: 'user', id: auditor.id, label: auditor.email }, permissions: PERMISSIONS, allEnvironments: true, environmentIds: [] };
    const pages = auditPages(db, principal, params({}), 3);
    expect((await pages.next()).value).toHaveLength(3);
    expect((await pages.next()).value).toHaveLength(3);
    await db.update(users).set({ status: 'banned' }).where(eq(users.id, auditor.id));
    await expect(pages.next()).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/export stopped/) });
  });
});
