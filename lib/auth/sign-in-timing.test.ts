// "Messages do not reveal whether an email exists" (SPEC.md section 5): nor may the time the answer
// takes. bcrypt runs either way (against a dummy hash for an unknown email); what follows it must be
// the same work for a wrong password and an unknown email. Timing itself is too noisy to assert on a
// shared machine, so this compares the statements and transactions each one runs (before the fix, an
// unknown email skipped the counting transaction and answered 6-8 ms sooner on PostgreSQL).
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { Sql } from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import * as schema from '@/db/schema';
import { insertUser, setUpOrganization, testDb } from '@/db/testing';
import { signIn } from './sign-in';

let statements: string[] = [];
let logged: Db;

beforeAll(async () => {
  const db = await testDb();
  await setUpOrganization(db);
  const options = { schema, casing: 'snake_case' as const, logger: { logQuery: (query: string) => void statements.push(query.trim().split(/\s+/)[0]!.toLowerCase()) } };
  const client = (db as unknown as { $client: unknown }).$client;
  logged = (process.env.VITEST_DB === 'postgres' ? drizzlePostgres(client as Sql, options) : drizzlePglite(client as PGlite, options)) as unknown as Db;
  const transaction = logged.transaction.bind(logged);
  logged.transaction = ((work, config) => {
    statements.push('begin');
    return transaction(work, config);
  }) as Db['transaction'];
});

async function statementsOf(email: string, ip: string) {
  statements = [];
  const result = await signIn(logged, email, 'Wrong-Password-123', { ip, userAgent: null });
  expect(result).toEqual({ ok: false, reason: 'invalid' });
  return statements;
}

describe('a wrong password and an unknown email', () => {
  it('run the same statements in the same transactions, so neither answers sooner', async () => {
    await insertUser(logged, { email: 'timed@example.test' });
    const wrongPassword = await statementsOf('timed@example.test', '198.51.100.1');
    const unknownEmail = await statementsOf('nobody@example.test', '198.51.100.2');
    expect(wrongPassword).toContain('with');
    expect(unknownEmail).toEqual(wrongPassword);
    expect(wrongPassword.filter((s) => s === 'begin')).toHaveLength(1);
  });
});
