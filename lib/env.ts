// Environment variables, parsed once. Every other module reads configuration from here.
import { z } from 'zod';

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// connection string')
    .optional(),
  // Where the embedded database keeps its files when DATABASE_URL is not set ("memory://" for tests).
  PGLITE_DIR: z.string().default('.data/pglite'),
  NEXTAUTH_SECRET: z.string().min(32, 'must be at least 32 characters (try: openssl rand -base64 32)').optional(),
  NEXTAUTH_URL: z.url('must be the portal\'s public URL, e.g. https://users.example.com').optional(),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().default('Userdesk <no-reply@localhost>'),
  // 0: no reverse proxy, the TCP peer address is the client's (see lib/request.ts and README).
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0, 'must be 0 (no proxy) or the number of proxies in front').max(10).default(1),
  // Bulk import limits: the upload's size, its rows, and what an .xlsx may unpack to (zip bombs).
  IMPORT_MAX_MB: z.coerce.number().positive().max(1024).default(25),
  IMPORT_MAX_ROWS: z.coerce.number().int().min(1).max(5_000_000).default(200_000),
  IMPORT_MAX_UNPACKED_MB: z.coerce.number().positive().max(10_240).default(500),
  // Uploads checked at once by one server instance: each holds one of its 10 database connections.
  IMPORT_MAX_CHECKS: z.coerce.number().int('must be a whole number').min(1, 'must be 1 or more').max(8, 'must be 8 or less: the instance has 10 database connections').default(3),
  // Outbox delivery (lib/mail/deliver.ts), per server instance: SMTP connections kept open at once,
  // and the most messages a second the instance hands to the mail server (unset: no limit).
  SMTP_POOL_SIZE: z.coerce.number().int('must be a whole number').min(1, 'must be 1 or more').max(50, 'must be 50 or less').default(5),
  SMTP_RATE_PER_SECOND: z.coerce.number().int('must be a whole number').min(1, 'must be 1 or more').max(100_000).optional(),
});

export type Env = z.infer<typeof envSchema>;

function parseEnv(): Env {
  const raw = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== ''));
  const result = envSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

export const env = parseEnv();

/** Production refuses to run without a configured secret; development gets one from scripts/dev.mjs. */
export function assertProductionConfig(): void {
  if (env.NODE_ENV === 'production' && !env.NEXTAUTH_SECRET) {
    throw new Error(
      'NEXTAUTH_SECRET is not set. Userdesk signs sessions with it and will not start without it in production.\n' +
        'Set it to a random value of at least 32 characters, e.g. NEXTAUTH_SECRET=$(openssl rand -base64 32).',
    );
  }
}
