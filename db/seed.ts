// Realistic users in bulk for development, the demo and benchmarks: varied names (with accents),
// statuses, roles, environments and tags. PostgreSQL loads with COPY (indexes rebuilt once afterwards
// for large loads); the embedded database with batched multi-row inserts. A load is one transaction:
// it checks that setup is done before writing anything, and a failure leaves nothing behind.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { eq, sql } from 'drizzle-orm';
import type postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import type { Db, Queryable } from './client';
import * as schema from './schema';
import { environments, organizations, roles, userEnvironments, users } from './schema';

const FIRST = ['Ada', 'Åsa', 'Björn', 'Chloé', 'Dmitri', 'Élodie', 'Fatima', 'Giulia', 'Hiroshi', 'Inès', 'Jürgen', 'Kwame', 'Léa', 'Mateo', 'Noémie', 'Oğuz', 'Paweł', 'Quentin', 'Renée', 'Søren', 'Tomás', 'Ulla', 'Valérie', 'Wojciech', 'Xochitl', 'Yusuf', 'Zoë', 'Amélie', 'Bruno', 'Carmen', 'Diego', 'Emma', 'François', 'Grace', 'Hana', 'Ivan', 'José', 'Karin', 'Liam', 'María', 'Nadia', 'Olivia', 'Priya', 'Raúl', 'Sofía', 'Thomas', 'Ümit', 'Vera', 'William', 'Yara'];
const LAST = ['Müller', 'García', 'Smith', 'Nguyễn', 'Kowalski', 'Dubois', 'Rossi', 'Yamamoto', 'Okafor', 'Johansson', 'Fernández', 'Öztürk', 'Novák', 'Schmidt', 'Brown', 'López', 'Martin', 'Bernard', 'Jensen', 'Petrović', 'Silva', 'Kim', 'Hernández', 'Wójcik', 'Lefèvre', 'Costa', 'Andersson', 'Fischer', 'Moreau', 'Díaz', 'Nowak', 'Santos', 'Ivanova', 'Tanaka', 'Wilson', 'Sánchez', 'Weber', 'Romano', 'Laurent', 'Björklund', 'Ramírez', 'Dvořák', 'Kováč', 'Meyer', 'Taylor', 'Gómez', 'Chen', 'Singh', 'Haddad', 'Çelik'];
// Beyond the common names, a long tail of rarer surnames, as in any real population of a million.
const PREFIX = ['Ab', 'Bel', 'Cas', 'Dal', 'Eck', 'Fal', 'Gor', 'Hal', 'Ives', 'Jar', 'Kel', 'Lin', 'Mor', 'Nor', 'Ost', 'Pel', 'Quin', 'Ros', 'Stå', 'Tor', 'Ul', 'Ván', 'Wes', 'Yor', 'Zel'];
const ROOT = ['berg', 'brook', 'dal', 'feld', 'gaard', 'holm', 'kamp', 'land', 'mont', 'ness', 'quist', 'rath', 'stein', 'thal', 'vik', 'wood', 'ari', 'elli', 'ović', 'escu'];
const SUFFIX = ['', '', '', 'er', 'son', 'sen', 'ez', 'ini', 'ová', 'ski', 'ley', 'ard', 'ó', 'ens', 'ier'];
const DEPARTMENTS = ['Sales', 'Finance', 'Legal', 'Operations', 'Support', 'HR'];
const STATUSES: [typeof users.$inferInsert.status, number][] = [['active', 0.85], ['invited', 0.05], ['locked', 0.03], ['inactive', 0.04], ['banned', 0.03]];

const ascii = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9]/g, '').toLowerCase();

/** A deterministic pseudo-random sequence, so the same N gives the same data. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

export type SeedContext = { roleIds: { admin: string; manager: string; user: string }; environmentIds: string[] };

export class NotSetUpError extends Error {
  constructor() {
    super('Userdesk is not set up yet, and nothing was written. Run the first-run setup first (open the portal, e.g. `npm run dev`), or create a demo organization with `npm run demo`.');
    this.name = 'NotSetUpError';
  }
}

/** The roles and environments seeded users get. Checks that setup is done before it writes anything,
 *  then adds the environments Sandbox and Staging if missing: pass the seed's transaction. */
export async function seedContext(db: Queryable): Promise<SeedContext> {
  const [organization] = await db.select({ id: organizations.id }).from(organizations).limit(1);
  const allRoles = await db.select().from(roles).where(eq(roles.builtIn, true));
  const id = (name: string) => allRoles.find((r) => r.name === name)?.id;
  const roleIds = { admin: id('Administrator'), manager: id('Account Manager'), user: id('User') };
  if (!organization || !roleIds.admin || !roleIds.manager || !roleIds.user) throw new NotSetUpError();
  const existing = await db.select().from(environments).orderBy(sql`lower(${environments.name}) <> 'production'`, environments.createdAt, environments.name);
  for (const name of ['Production', 'Sandbox', 'Staging'])
    if (!existing.some((e) => e.name.toLowerCase() === name.toLowerCase())) existing.push((await db.insert(environments).values({ name }).returning())[0]!);
  return { roleIds: roleIds as SeedContext['roleIds'], environmentIds: existing.map((e) => e.id) };
}

type Row = { user: typeof users.$inferInsert & { id: string }; environmentIds: string[] };

function* generate(count: number, ctx: SeedContext, offset: number): Generator<Row> {
  const next = random(offset + 1);
  const day = 86_400_000;
  const now = Date.now();
  for (let i = offset; i < offset + count; i++) {
    const first = FIRST[Math.floor(next() * FIRST.length)]!;
    const last =
      next() < 0.4
        ? LAST[Math.floor(next() * LAST.length)]!
        : `${PREFIX[Math.floor(next() * PREFIX.length)]}${ROOT[Math.floor(next() * ROOT.length)]}${SUFFIX[Math.floor(next() * SUFFIX.length)]}`;
    let roll = next();
    const status = STATUSES.find(([, p]) => (roll -= p) < 0)?.[0] ?? 'active';
    const r = next();
    const roleId = r < 0.005 ? ctx.roleIds.admin : r < 0.03 ? ctx.roleIds.manager : ctx.roleIds.user;
    const created = new Date(now - Math.floor(next() * 900) * day);
    // Within the default inactivity period (90 days), so the inactivity job leaves active users active.
    const signedIn = status === 'invited' || next() < 0.1 ? null : new Date(now - Math.floor(next() * 80) * day - Math.floor(next() * day));
    const tags = [
      ...(next() < 0.3 ? [{ name: 'ExternalUserId', value: String(100000 + i) }] : []),
      ...(next() < 0.2 ? [{ name: 'Department', value: DEPARTMENTS[i % DEPARTMENTS.length]! }] : []),
    ];
    const environmentIds = [ctx.environmentIds[0]!, ...ctx.environmentIds.slice(1).filter(() => next() < 0.15)];
    yield {
      environmentIds,
      user: {
        id: randomUUID(),
        email: `${ascii(first)}.${ascii(last)}.${i}@example.com`,
        firstName: first,
        lastName: last,
        roleId,
        status,
        lockReason: status === 'locked' ? (next() < 0.8 ? 'failed_attempts' : 'password_expired') : null,
        lockedAt: status === 'locked' ? new Date(now - Math.floor(next() * 30 * day)) : null,
        failedAttempts: status === 'locked' ? 10 : Math.floor(next() * 3),
        banReason: status === 'banned' ? 'Access withdrawn (seeded)' : null,
        passwordChangedAt: status === 'invited' ? null : created,
        lastSignInAt: signedIn,
        // Never signed in yet: activated lately (an older activation would be inactivated at once).
        activatedAt: status === 'invited' ? null : signedIn ? created : new Date(now - (i % 30) * day),
        tags,
        environmentIds,
        createdAt: created,
        updatedAt: created,
      },
    };
  }
}

const USER_COLUMNS = ['id', 'email', 'first_name', 'last_name', 'role_id', 'status', 'lock_reason', 'locked_at', 'failed_attempts', 'ban_reason', 'password_changed_at', 'last_sign_in_at', 'activated_at', 'tags', 'environment_ids', 'created_at', 'updated_at'] as const;

// jsonb columns take JSON; the others with an array (environment_ids, uuid[]) take PostgreSQL's {a,b}.
// (Telling them apart by the first element once turned every empty tags list into the object {}.)
const JSON_COLUMNS: ReadonlySet<string> = new Set(['tags']);

const csv = (v: unknown, column: string) => {
  if (v === null || v === undefined) return '';
  const s = v instanceof Date ? v.toISOString() : JSON_COLUMNS.has(column) ? JSON.stringify(v) : Array.isArray(v) ? `{${v.join(',')}}` : String(v);
  return /[",\n]/.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s;
};

/** COPY FROM STDIN whose failure (a duplicate email, say) rejects, so the transaction rolls back. */
async function copyIn(tx: postgres.TransactionSql, statement: string, chunks: Iterable<string>) {
  const query = tx.unsafe(statement);
  // postgres.js 3.4 resolves the query with the stream at once, and drops an error the server sends
  // after the last chunk (the stream then never finishes): hear it through the query's reject.
  const failed = new Promise<never>((_, reject) => {
    const settle = query as unknown as { reject: (e: Error) => void };
    const original = settle.reject.bind(query);
    settle.reject = (e: Error) => {
      reject(e);
      return original(e);
    };
  });
  await Promise.race([pipeline(Readable.from(chunks), await query.writable()), failed]);
}

/**
 * PostgreSQL: COPY in one transaction. `ctx` may be a function, which then runs first inside that
 * transaction (e.g. seedContext: check setup, add environments), so the whole load is all or nothing.
 * For large loads the users' secondary indexes are dropped in it and rebuilt once after it commits.
 */
export async function seedPostgres(sqlClient: postgres.Sql, ctx: SeedContext | ((tx: Db) => Promise<SeedContext>), count: number, offset = 0) {
  const rebuild = count >= 50_000;
  const indexes = rebuild
    ? await sqlClient<{ indexname: string; indexdef: string }[]>`
        select indexname, indexdef from pg_indexes
        where tablename = 'users' and indexname not in ('users_pkey', 'users_email_idx')`
    : [];
  await sqlClient.begin(async (tx) => {
    // drizzle over the transaction's connection (it reads the type parsers from `options`, which a
    // transaction handle lacks: they are the pool's).
    const txDb = () => drizzle(Object.assign(tx, { options: sqlClient.options }) as unknown as postgres.Sql, { schema, casing: 'snake_case' }) as unknown as Db;
    const context = typeof ctx === 'function' ? await ctx(txDb()) : ctx;
    for (const index of indexes) await tx.unsafe(`drop index if exists "${index.indexname}"`);
    // Users first, then their memberships (whose foreign keys need the users).
    const memberships: string[] = [];
    function* userChunks() {
      let userBuffer = '';
      let membershipBuffer = '';
      for (const { user, environmentIds } of generate(count, context, offset)) {
        userBuffer += `${USER_COLUMNS.map((c) => csv(user[c.replace(/_([a-z])/g, (_, l: string) => l.toUpperCase()) as keyof typeof user], c)).join(',')}\n`;
        for (const environmentId of environmentIds) membershipBuffer += `${user.id},${environmentId}\n`;
        if (userBuffer.length > 1 << 20) {
          yield userBuffer;
          memberships.push(membershipBuffer);
          userBuffer = membershipBuffer = '';
        }
      }
      yield userBuffer;
      memberships.push(membershipBuffer);
    }
    await copyIn(tx, `copy users (${USER_COLUMNS.join(', ')}) from stdin with (format csv)`, userChunks());
    // The users already carry their environment_ids: the trigger that keeps that copy (and checks each
    // membership names a user, as these were just written) is not needed here.
    await tx.unsafe('alter table user_environments disable trigger user_environments_sync');
    await copyIn(tx, 'copy user_environments (user_id, environment_id) from stdin with (format csv)', memberships);
    await tx.unsafe('alter table user_environments enable trigger user_environments_sync');
  });

  // Built side by side, each on its own connection with room to sort in memory.
  await Promise.all(
    indexes.map((index) =>
      sqlClient.begin(async (tx) => {
        await tx.unsafe(`set local maintenance_work_mem = '512MB'`);
        await tx.unsafe(index.indexdef);
      }),
    ),
  );
  await sqlClient`vacuum analyze users`;
  await sqlClient`vacuum analyze user_environments`;
}

/** Any driver (the embedded database; small loads such as the demo): multi-row inserts in batches of
 *  1,000, all in one transaction (or in the caller's). */
export async function seedPglite(db: Queryable, ctx: SeedContext, count: number, offset = 0) {
  await db.transaction(async (tx) => {
    await tx.execute(sql`alter table user_environments disable trigger user_environments_sync`);
    let batch: Row[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await tx.insert(users).values(batch.map((r) => r.user));
      await tx.insert(userEnvironments).values(batch.flatMap((r) => r.environmentIds.map((environmentId) => ({ userId: r.user.id, environmentId }))));
      batch = [];
    };
    for (const row of generate(count, ctx, offset)) {
      batch.push(row);
      if (batch.length === 1000) await flush();
    }
    await flush();
    await tx.execute(sql`alter table user_environments enable trigger user_environments_sync`);
    await tx.execute(sql`analyze users`);
  });
}
