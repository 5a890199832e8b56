// The Userdesk data model (SPEC.md section 2). One installation serves one organization.
import { sql, type SQL } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  customType,
  boolean,
  index,
  integer,
  json,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp({ withTimezone: true }).notNull().defaultNow();
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export const organizations = pgTable(
  'organizations',
  {
    id: uuid().primaryKey().defaultRandom(),
    // Always true: the unique index makes a second organization (a second run of setup) impossible.
    singleton: boolean().notNull().default(true),
    name: text().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('organizations_singleton_idx').on(t.singleton)],
);

export const environments = pgTable(
  'environments',
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    // The AssureSign ContextIdentifier.
    contextIdentifier: uuid().notNull().defaultRandom(),
    createdAt: createdAt(),
    // Archived environments keep their users and history but leave every switcher and picker.
    archivedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('environments_context_identifier_idx').on(t.contextIdentifier),
    uniqueIndex('environments_name_idx').on(sql`lower(${t.name})`),
  ],
);

/** A field a role asks for: `pattern` (RE2) is what the whole value must match, `hint` says so in words. */
export type RequiredField = { label: string; key: string; pattern?: string; hint?: string };

export const roles = pgTable(
  'roles',
  {
    id: uuid().primaryKey().defaultRandom(),
    name: text().notNull(),
    builtIn: boolean().notNull().default(false),
    permissions: text().array().notNull().default(sql`'{}'::text[]`),
    // Profile fields the Add form asks for when this role is chosen.
    requiredFields: jsonb().$type<RequiredField[]>().notNull().default([]),
    // Administrators belong to every environment, present and future.
    allEnvironments: boolean().notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('roles_name_idx').on(sql`lower(${t.name})`)],
);

export const userStatus = pgEnum('user_status', ['invited', 'active', 'locked', 'inactive', 'banned']);
export const lockReason = pgEnum('lock_reason', ['failed_attempts', 'password_expired']);

export type UserTag = { name: string; value: string };

export const users = pgTable(
  'users',
  {
    id: uuid().primaryKey().defaultRandom(),
    email: text().notNull(),
    firstName: text().notNull(),
    lastName: text().notNull(),
    // References roles (checked by the database: see userEnvironments).
    roleId: uuid().notNull(),
    status: userStatus().notNull().default('invited'),
    lockReason: lockReason(),
    lockedAt: timestamp({ withTimezone: true }),
    failedAttempts: integer().notNull().default(0),
    banReason: text(),
    // Inactive when banned: Validate gives that back (only a reactivation by someone with users.write ends it).
    bannedWhileInactive: boolean().notNull().default(false),
    passwordHash: text(),
    requirePasswordChange: boolean().notNull().default(false),
    passwordChangedAt: timestamp({ withTimezone: true }),
    lastSignInAt: timestamp({ withTimezone: true }),
    activatedAt: timestamp({ withTimezone: true }),
    tags: jsonb().$type<UserTag[]>().notNull().default([]),
    // A copy of the user's rows in user_environments, kept by a trigger (migration 0003), so list
    // filters test membership on the row itself. Never written by application code.
    environmentIds: uuid().array().notNull().default(sql`'{}'::uuid[]`),
    profile: jsonb().$type<Record<string, string>>().notNull().default({}),
    // Bumped by anything that must end the user's sessions (lock, ban, role or password change).
    sessionVersion: integer().notNull().default(1),
    // Bumped by every edit: a save carrying an older version is refused (two managers, one user).
    version: integer().notNull().default(1),
    createdAt: createdAt(),
    updatedAt: createdAt(),
    // Names and email folded (lower case, accents removed) for substring search through a trigram index.
    searchText: text().generatedAlwaysAs(
      (): SQL => sql`userdesk_fold(${users.firstName} || ' ' || ${users.lastName} || ' ' || ${users.email})`,
    ),
  },
  (t) => [
    uniqueIndex('users_email_idx').on(sql`lower(${t.email})`),
    index('users_status_idx').on(t.status),
    index('users_role_idx').on(t.roleId),
    index('users_search_trgm_idx').using('gin', sql`${t.searchText} gin_trgm_ops`),
    // The tag filter (tags @> '[{"name": ..., "value": ...}]'): an integration's lookup by its own id
    // (ExternalUserId=...) finds its one user without reading every row.
    index('users_tags_idx').using('gin', sql`${t.tags} jsonb_path_ops`),
    // The few rows whose search text holds a character beyond ASCII: a two-character search collects
    // them here, as the trigram index cannot name their pairs (lib/users/list.ts, pairMatches).
    index('users_search_non_ascii_idx').on(t.id).where(sql`${t.searchText} ~ '[^\\x01-\\x7f]'`),
    // Keyset pagination: one index per sort order, each ending in the id as tie-breaker. The three
    // also carry (INCLUDE) the columns a search tests, so walking them reads no table rows; drizzle
    // cannot declare INCLUDE: see the custom migration users_sort_covering.
    index('users_name_sort_idx').on(sql`lower(${t.lastName})`, sql`lower(${t.firstName})`, t.id),
    index('users_email_sort_idx').on(sql`lower(${t.email})`, t.id),
    index('users_last_sign_in_sort_idx').on(sql`coalesce(${t.lastSignInAt}, '-infinity'::timestamptz)`, t.id),
    index('users_locked_idx').on(t.lockedAt.desc(), t.id.desc()).where(sql`${t.status} = 'locked'`),
  ],
);

// users.role_id, and the user_id of user_environments, user_tokens and outbox_messages (and memberships'
// environment_id), are checked once per statement by triggers (migration 0028), not by foreign keys: a
// foreign key checks each row with a query of its own, about a fifth of an import's writing. Users are
// never deleted (a ban keeps their history), which the database enforces; a role or an environment is
// deleted only when no user has it.
export const userEnvironments = pgTable(
  'user_environments',
  {
    userId: uuid().notNull(),
    environmentId: uuid().notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.environmentId] }), index('user_environments_env_idx').on(t.environmentId)],
);

/** What a new organization starts with (SPEC.md section 2). */
export const SECURITY_DEFAULTS = {
  lockoutThreshold: 10,
  autoUnlockMinutes: 0,
  passwordMinLength: 12,
  requireLowercase: true,
  requireUppercase: true,
  requireDigit: true,
  requireSymbol: false,
  rejectCommonPasswords: true,
  passwordMaxAgeDays: 90,
  passwordWarningDays: 14,
  inactivityDays: 90,
  invitationLifetimeDays: 7,
  resetLifetimeMinutes: 60,
} as const;

const d = SECURITY_DEFAULTS;

export const securitySettings = pgTable('security_settings', {
  organizationId: uuid()
    .primaryKey()
    .references(() => organizations.id),
  lockoutThreshold: integer().notNull().default(d.lockoutThreshold),
  autoUnlockMinutes: integer().notNull().default(d.autoUnlockMinutes),
  passwordMinLength: integer().notNull().default(d.passwordMinLength),
  requireLowercase: boolean().notNull().default(d.requireLowercase),
  requireUppercase: boolean().notNull().default(d.requireUppercase),
  requireDigit: boolean().notNull().default(d.requireDigit),
  requireSymbol: boolean().notNull().default(d.requireSymbol),
  rejectCommonPasswords: boolean().notNull().default(d.rejectCommonPasswords),
  passwordMaxAgeDays: integer().notNull().default(d.passwordMaxAgeDays),
  passwordWarningDays: integer().notNull().default(d.passwordWarningDays),
  inactivityDays: integer().notNull().default(d.inactivityDays),
  invitationLifetimeDays: integer().notNull().default(d.invitationLifetimeDays),
  resetLifetimeMinutes: integer().notNull().default(d.resetLifetimeMinutes),
  // When the password maximum age was last shortened (or turned on): the passwords that made expire at
  // once get the warning window from then instead (lib/auth/sign-in.ts passwordExpiresAt).
  passwordMaxAgeShortenedAt: timestamp({ withTimezone: true }),
  // That grace covers only passwords changed after this time (null: every one changed before the
  // shortening): passwords already expired under the settings as they were stay expired.
  passwordGraceFrom: timestamp({ withTimezone: true }),
  updatedAt: createdAt(),
});

export const actorType = pgEnum('actor_type', ['user', 'api_user', 'system', 'anonymous']);

export type AuditChanges = Record<string, { before: unknown; after: unknown }>;

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    at: createdAt(),
    actorType: actorType().notNull(),
    actorId: uuid(),
    actorLabel: text().notNull(),
    action: text().notNull(),
    targetType: text(),
    targetId: uuid(),
    targetLabel: text(),
    environmentId: uuid(),
    changes: jsonb().$type<AuditChanges>(),
    detail: text(),
    ip: text(),
    userAgent: text(),
    /** The writing transaction (txid_current()), so the commit-time chain step finds its own events. */
    xact: bigint({ mode: 'number' })
      .notNull()
      .default(sql`txid_current()`),
  },
  (t) => [
    // Keyset pagination newest first, one index per filter of /audit, each ending in (at, id).
    index('audit_events_at_idx').on(t.at.desc(), t.id.desc()),
    index('audit_events_target_idx').on(t.targetId, t.at.desc(), t.id.desc()),
    index('audit_events_actor_idx').on(t.actorId, t.at.desc(), t.id.desc()),
    index('audit_events_action_idx').on(t.action, t.at.desc(), t.id.desc()),
    index('audit_events_environment_idx').on(t.environmentId, t.at.desc(), t.id.desc()),
  ],
);

// --- Audit chain, verification and retention (issue 11) ---

/** The head of the audit hash chain (the newest link): one row, locked by the appending transaction at commit. */
export const auditChainHead = pgTable('audit_chain_head', {
  id: integer().primaryKey().default(1),
  seq: bigint({ mode: 'number' }).notNull().default(0),
  hash: bytea().notNull(),
});

/**
 * One link of the audit hash chain per committing transaction that wrote events: their ids and
 * content digests in id order, and hash = sha256(prev_hash || seq || digests). Written only by the
 * commit-time trigger (migration 0018).
 */
export const auditBlocks = pgTable('audit_blocks', {
  seq: bigint({ mode: 'number' }).primaryKey(),
  at: createdAt(),
  eventIds: bigint({ mode: 'number' }).array().notNull(),
  digests: bytea().notNull(),
  prevHash: bytea().notNull(),
  hash: bytea().notNull(),
});

/** The transactions with events still to chain: a row lives only inside its own transaction. */
export const auditPending = pgTable('audit_pending', {
  xact: bigint({ mode: 'number' }).primaryKey(),
  firstId: bigint({ mode: 'number' }).notNull(),
});

/** Where a purge cut the chain: verification starts from the latest cut. */
export const auditChainCuts = pgTable('audit_chain_cuts', {
  id: bigserial({ mode: 'number' }).primaryKey(),
  seq: bigint({ mode: 'number' }).notNull(),
  hash: bytea().notNull(),
  eventsRemoved: bigint({ mode: 'number' }).notNull(),
  at: createdAt(),
});

export const auditVerifications = pgTable('audit_verifications', {
  id: bigserial({ mode: 'number' }).primaryKey(),
  at: createdAt(),
  ok: boolean().notNull(),
  eventsChecked: bigint({ mode: 'number' }).notNull(),
  headSeq: bigint({ mode: 'number' }).notNull(),
  // The first event that was changed, inserted or removed, in a sentence.
  problem: text(),
  problemEventId: bigint({ mode: 'number' }),
});

/** How long audit events are kept; 0 = forever (the default). */
export const auditSettings = pgTable('audit_settings', {
  organizationId: uuid()
    .primaryKey()
    .references(() => organizations.id),
  retentionDays: integer().notNull().default(0),
  updatedAt: createdAt(),
});

export type AuditVerification = typeof auditVerifications.$inferSelect;

export type Organization = typeof organizations.$inferSelect;
export type Environment = typeof environments.$inferSelect;
export type Role = typeof roles.$inferSelect;
export type User = typeof users.$inferSelect;
export type UserStatus = (typeof userStatus.enumValues)[number];
export type SecuritySettings = typeof securitySettings.$inferSelect;
export type AuditEvent = typeof auditEvents.$inferSelect;

export const tokenPurpose = pgEnum('token_purpose', ['invitation', 'reset']);

/** Invitation and reset links. Only the SHA-256 of the token is stored; each link works once. */
export const userTokens = pgTable(
  'user_tokens',
  {
    id: uuid().primaryKey().defaultRandom(),
    // References users (checked by the database: see userEnvironments).
    userId: uuid().notNull(),
    purpose: tokenPurpose().notNull(),
    tokenHash: text().notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    // Set when the link is used, or when a newer link of the same purpose replaces it.
    consumedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('user_tokens_hash_idx').on(t.tokenHash), index('user_tokens_user_idx').on(t.userId, t.purpose)],
);

export const outboxStatus = pgEnum('outbox_status', ['pending', 'sent', 'failed', 'sending', 'cancelled']);

/** Delivery order: urgent mail (reset links, lock and security notices) before bulk (invitations). */
export const MAIL_PRIORITY = { urgent: 0, bulk: 1 } as const;

/**
 * Every email, written in the transaction of the change that causes it, then delivered over SMTP
 * (lib/mail/deliver.ts). A row is due while `nextAttemptAt` is set and has passed: for `pending` it
 * is the next attempt, for `sending` the end of the lease a sender holds (a crashed sender's rows come
 * back when it ends). Sent, failed and cancelled rows have none (a CHECK in migration 0005 says so).
 */
export const outboxMessages = pgTable(
  'outbox_messages',
  {
    id: uuid().primaryKey().defaultRandom(),
    kind: text().notNull(),
    toAddress: text().notNull(),
    subject: text().notNull(),
    text: text().notNull(),
    html: text().notNull(),
    // The links the template itself wrote (the only ones /outbox makes clickable).
    links: jsonb().$type<string[]>().notNull().default([]),
    status: outboxStatus().notNull().default('pending'),
    priority: smallint().notNull().default(MAIL_PRIORITY.urgent),
    // Counted when a sender claims the row, so a message whose sender dies still reaches `failed`.
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).defaultNow(),
    // The sender (host:pid) holding the lease while `sending`.
    claimedBy: text(),
    lastError: text(),
    sentAt: timestamp({ withTimezone: true }),
    // References users (checked by the database: see userEnvironments).
    userId: uuid(),
    createdAt: createdAt(),
  },
  (t) => [
    index('outbox_due_idx').on(t.priority, t.nextAttemptAt).where(sql`${t.nextAttemptAt} is not null`),
    index('outbox_sent_at_idx').on(t.sentAt).where(sql`${t.sentAt} is not null`),
    // The /outbox list filtered by status, newest first, and the per-status counts.
    index('outbox_status_idx').on(t.status, t.createdAt.desc(), t.id.desc()),
    index('outbox_created_idx').on(t.createdAt.desc()),
    // A user's messages not sent, for cancelling those whose link a newer one replaced. (Written without
    // 'sending': a fresh database adds that enum value in the same transaction, where it may not be used.)
    index('outbox_user_waiting_idx').on(t.userId).where(sql`${t.status} <> 'sent'`),
  ],
);

/** Rate-limit buckets (per IP for sign-in and reset requests; see lib/auth/rate-limit.ts): `count` units as of `windowStart`, shared by every app instance. */
export const rateLimits = pgTable('rate_limits', {
  key: text().primaryKey(),
  windowStart: timestamp({ withTimezone: true }).notNull(),
  count: integer().notNull(),
});

export type OutboxMessage = typeof outboxMessages.$inferSelect;
export type UserToken = typeof userTokens.$inferSelect;

// ---- Bulk import (issue 9) ----

export const importStatus = pgEnum('import_status', ['validated', 'queued', 'running', 'done', 'failed', 'cancelled']);
export const importRowKind = pgEnum('import_row_kind', ['new', 'update', 'skip', 'error']);

/** One import: validated rows waiting for a decision, then a background job any instance may claim. */
export const importJobs = pgTable(
  'import_jobs',
  {
    id: uuid().primaryKey().defaultRandom(),
    createdBy: uuid()
      .notNull()
      .references(() => users.id),
    createdByLabel: text().notNull(),
    source: text().notNull(), // "grid" or the uploaded file's name
    status: importStatus().notNull().default('validated'),
    existing: text().notNull().default('skip'), // "skip" | "update": what to do with users that exist
    environmentId: uuid(), // the importer's environment: rows with no environment go there
    allOrNothing: boolean().notNull().default(false),
    sendInvitations: boolean().notNull().default(true),
    headers: jsonb().$type<string[]>().notNull().default([]),
    totalRows: integer().notNull().default(0),
    newCount: integer().notNull().default(0),
    updateCount: integer().notNull().default(0),
    skipCount: integer().notNull().default(0),
    errorCount: integer().notNull().default(0),
    // Progress: rows with a row number below nextRow are settled; written with each batch it covers.
    nextRow: integer().notNull().default(0),
    rowsDone: integer().notNull().default(0),
    createdCount: integer().notNull().default(0),
    updatedCount: integer().notNull().default(0),
    cancelRequested: boolean().notNull().default(false),
    error: text(),
    ip: text(),
    userAgent: text(),
    heartbeatAt: timestamp({ withTimezone: true }),
    startedAt: timestamp({ withTimezone: true }),
    finishedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index('import_jobs_created_idx').on(t.createdAt.desc()),
    index('import_jobs_runnable_idx').on(t.createdAt).where(sql`${t.status} in ('queued', 'running')`),
  ],
);

/** Each input row of an import: its cells as read, the validated user, and its outcome. */
export const importRows = pgTable(
  'import_rows',
  {
    jobId: uuid()
      .notNull()
      .references(() => importJobs.id, { onDelete: 'cascade' }),
    rowNo: integer().notNull(), // the row number in the file (the header is row 1)
    // json, not jsonb: stored and returned as written, without the cost of converting 100,000 documents.
    cells: json().$type<string[]>().notNull(),
    kind: importRowKind().notNull(),
    data: json().$type<Record<string, unknown>>(),
    errors: jsonb().$type<{ column: string; message: string }[]>(),
    outcome: text(), // created | updated | skipped | not imported
    message: text(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.rowNo] })],
);

export type ImportJob = typeof importJobs.$inferSelect;
export type ImportRow = typeof importRows.$inferSelect;

// ---- Bulk actions on "all N matching" (lib/users/bulk-jobs.ts): run in the background, batch by batch. ----

export const bulkJobStatus = pgEnum('bulk_job_status', ['queued', 'running', 'done', 'failed', 'cancelled']);

/** A bulk action on every user matching a list's filters, as it was asked for, and how far it got. */
export const bulkJobs = pgTable(
  'bulk_jobs',
  {
    id: uuid().primaryKey().defaultRandom(),
    // The job runs with its creator's rights as they are at each batch.
    createdBy: uuid()
      .notNull()
      .references(() => users.id),
    createdByLabel: text().notNull(),
    // An environment emptied (by a job like this one) may be deleted: its jobs go with it.
    environmentId: uuid()
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    operation: jsonb().$type<Record<string, unknown>>().notNull(),
    filter: jsonb().$type<Record<string, unknown>>().notNull(),
    // When the list was read: whoever began to match later is left out.
    readAt: timestamp({ withTimezone: true }).notNull(),
    status: bulkJobStatus().notNull().default('queued'),
    // The matching users when it was asked for (exact up to 100,000, estimated above).
    total: integer().notNull(),
    done: integer().notNull().default(0),
    skipped: integer().notNull().default(0),
    problems: jsonb().$type<{ email: string; message: string }[]>().notNull().default([]),
    // Ids (after, last] of the batches committed, each written with its batch: a resumed run skips them.
    batches: jsonb().$type<[string | null, string][]>().notNull().default([]),
    cancelRequested: boolean().notNull().default(false),
    // Set at each claim: a runner that lost its claim (it stalled past the heartbeat and another process
    // took the job over) finds its next batch's progress refused, and stops with that batch undone.
    runId: uuid(),
    // The outcome in words, once it ended.
    message: text(),
    ip: text(),
    userAgent: text(),
    heartbeatAt: timestamp({ withTimezone: true }),
    startedAt: timestamp({ withTimezone: true }),
    finishedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index('bulk_jobs_runnable_idx').on(t.createdAt).where(sql`${t.status} in ('queued', 'running')`),
    // One at a time per person: a second Confirm (another tab, a double submit) is refused, not queued.
    uniqueIndex('bulk_jobs_one_active_idx').on(t.createdBy).where(sql`${t.status} in ('queued', 'running')`),
  ],
);

export type BulkJob = typeof bulkJobs.$inferSelect;

// ---- API users (issue 10): credentials for integrations, never people, never seats. ----

export const apiUserScope = pgEnum('api_user_scope', ['user', 'environments', 'organization']);

export const apiUsers = pgTable(
  'api_users',
  {
    id: uuid().primaryKey().defaultRandom(),
    username: text().notNull(),
    description: text().notNull().default(''),
    scope: apiUserScope().notNull(),
    // Scope 'user': the key acts as this user, with their permissions and environments at each call.
    userId: uuid().references(() => users.id),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    createdById: uuid().references(() => users.id),
    createdByLabel: text().notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
    rateLimitPerMinute: integer().notNull().default(600),
    // The key is `udk_<keyId>_<secret>`: looked up by keyId, then its SHA-256 compared in constant time.
    keyId: text().notNull(),
    keyHash: text().notNull(),
    // Set once the Administrators were warned that the key expires soon (one warning per API user).
    expiryWarnedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex('api_users_username_idx').on(sql`lower(${t.username})`),
    uniqueIndex('api_users_key_id_idx').on(t.keyId),
  ],
);

export const apiUserEnvironments = pgTable(
  'api_user_environments',
  {
    apiUserId: uuid()
      .notNull()
      .references(() => apiUsers.id, { onDelete: 'cascade' }),
    environmentId: uuid()
      .notNull()
      .references(() => environments.id),
  },
  (t) => [primaryKey({ columns: [t.apiUserId, t.environmentId] })],
);

/** Short-lived bearer tokens from POST /api/v1/auth/token; only their SHA-256 is stored. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid().primaryKey().defaultRandom(),
    apiUserId: uuid()
      .notNull()
      .references(() => apiUsers.id, { onDelete: 'cascade' }),
    tokenHash: text().notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('api_tokens_hash_idx').on(t.tokenHash), index('api_tokens_expires_idx').on(t.expiresAt)],
);

/**
 * Per-key request buckets (a sliding one-minute budget: `count` units as of `windowStart`, see lib/auth/rate-limit.ts). UNLOGGED (custom migration): a counter is taken
 * on every API call, and a crash that forgets the current minute's counts is harmless, so the write
 * skips the WAL flush a logged table would wait for.
 */
export const apiRateWindows = pgTable('api_rate_windows', {
  apiUserId: uuid()
    .primaryKey()
    .references(() => apiUsers.id, { onDelete: 'cascade' }),
  windowStart: timestamp({ withTimezone: true }).notNull(),
  count: integer().notNull(),
});

export type ApiUser = typeof apiUsers.$inferSelect;
export type ApiUserScope = (typeof apiUserScope.enumValues)[number];

/**
 * AuthenticationTokens of the AssureSign-compatible SOAP service (lib/soap). Only the SHA-256 of the
 * token is stored; the session version it was issued under must still be the user's at each call.
 */
export const soapSessions = pgTable(
  'soap_sessions',
  {
    id: uuid().primaryKey().defaultRandom(),
    tokenHash: text().notNull(),
    userId: uuid()
      .notNull()
      .references(() => users.id),
    sessionVersion: integer().notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('soap_sessions_token_idx').on(t.tokenHash), index('soap_sessions_expires_idx').on(t.expiresAt)],
);

/**
 * Portal sessions ended by signing out, until they would have expired anyway. A session is a signed
 * cookie (next-auth JWT) carrying a random id; signing out records that id here, so a copy of the
 * cookie taken before (another tab, a stolen one) is refused from then on, on every instance.
 */
export const endedSessions = pgTable(
  'ended_sessions',
  {
    sessionId: text().primaryKey(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [index('ended_sessions_expires_idx').on(t.expiresAt)],
);
