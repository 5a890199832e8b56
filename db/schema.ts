// The Userdesk data model (SPEC.md section 2). One installation serves one organization.
import { sql, type SQL } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp({ withTimezone: true }).notNull().defaultNow();

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
  },
  (t) => [
    uniqueIndex('environments_context_identifier_idx').on(t.contextIdentifier),
    uniqueIndex('environments_name_idx').on(sql`lower(${t.name})`),
  ],
);

export type RequiredField = { label: string; key: string };

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
    roleId: uuid()
      .notNull()
      .references(() => roles.id),
    status: userStatus().notNull().default('invited'),
    lockReason: lockReason(),
    lockedAt: timestamp({ withTimezone: true }),
    failedAttempts: integer().notNull().default(0),
    banReason: text(),
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
    // Keyset pagination: one index per sort order, each ending in the id as tie-breaker.
    index('users_name_sort_idx').on(sql`lower(${t.lastName})`, sql`lower(${t.firstName})`, t.id),
    index('users_last_sign_in_sort_idx').on(sql`coalesce(${t.lastSignInAt}, '-infinity'::timestamptz)`, t.id),
    index('users_locked_idx').on(t.lockedAt.desc(), t.id.desc()).where(sql`${t.status} = 'locked'`),
  ],
);

export const userEnvironments = pgTable(
  'user_environments',
  {
    userId: uuid()
      .notNull()
      .references(() => users.id),
    environmentId: uuid()
      .notNull()
      .references(() => environments.id),
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
  },
  (t) => [
    index('audit_events_at_idx').on(t.at.desc(), t.id.desc()),
    index('audit_events_target_idx').on(t.targetId, t.id.desc()),
    index('audit_events_actor_idx').on(t.actorId, t.id.desc()),
  ],
);

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
    userId: uuid()
      .notNull()
      .references(() => users.id),
    purpose: tokenPurpose().notNull(),
    tokenHash: text().notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    // Set when the link is used, or when a newer link of the same purpose replaces it.
    consumedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('user_tokens_hash_idx').on(t.tokenHash), index('user_tokens_user_idx').on(t.userId, t.purpose)],
);

export const outboxStatus = pgEnum('outbox_status', ['pending', 'sent', 'failed']);

/** Every email, written in the transaction of the change that causes it, then delivered over SMTP. */
export const outboxMessages = pgTable(
  'outbox_messages',
  {
    id: uuid().primaryKey().defaultRandom(),
    kind: text().notNull(),
    toAddress: text().notNull(),
    subject: text().notNull(),
    text: text().notNull(),
    html: text().notNull(),
    status: outboxStatus().notNull().default('pending'),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastError: text(),
    sentAt: timestamp({ withTimezone: true }),
    userId: uuid().references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    index('outbox_pending_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('outbox_created_idx').on(t.createdAt.desc()),
  ],
);

/** Fixed-window counters (per IP for sign-in and reset requests), shared by every app instance. */
export const rateLimits = pgTable('rate_limits', {
  key: text().primaryKey(),
  windowStart: timestamp({ withTimezone: true }).notNull(),
  count: integer().notNull(),
});

export type OutboxMessage = typeof outboxMessages.$inferSelect;
export type UserToken = typeof userTokens.$inferSelect;

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
