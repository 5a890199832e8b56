// Delivers the outbox over SMTP: at least once, and exactly once unless a sender dies mid-send.
//   1. Claim: one short statement moves due rows to `sending` under a lease (SKIP LOCKED, so
//      instances share the queue) and counts the attempt.
//   2. Send: outside any transaction, through a pool of SMTP connections, each row under one
//      Message-ID derived from its id, the same on every attempt.
//   3. Mark: sent; failed at once on a permanent refusal (5xx to the envelope or the message) or
//      after the last attempt; otherwise pending again after a backoff.
// A sender that dies (or loses its database) between 2 and 3 leaves its rows `sending`: when the
// lease ends they are due again with the attempt already counted, and a resend carries the same
// Message-ID, so receivers can drop the copy. That gap is the only at-least-once window.
import net, { type Socket } from 'node:net';
import os from 'node:os';
import { and, asc, eq, inArray, isNotNull, lte, sql } from 'drizzle-orm';
import nodemailer, { type Transporter } from 'nodemailer';
import SMTPPool from 'nodemailer/lib/smtp-pool';
import type { Db, Queryable } from '@/db/client';
import { outboxMessages } from '@/db/schema';

export const MAX_ATTEMPTS = 8;
/** 1, 2, 4 … minutes between attempts, capped at an hour. */
export const backoffMs = (attempts: number) => Math.min(60, 2 ** (attempts - 1)) * 60_000;
/**
 * How long a claim holds a row unless renewed. A live sender renews the leases of the messages it still
 * has in flight (a slow server can take longer than a lease: each SMTP step has its own timeout, and a
 * message may queue behind others for a connection), so only a dead sender's rows come back.
 */
export const LEASE_MS = 5 * 60_000;
/** A claim is renewed for at most this long; a send still unfinished by then is given up to a new claim. */
export const MAX_HOLD_MS = 60 * 60_000;

export type PoolOptions = { poolSize?: number; ratePerSecond?: number };

/** A pooled transport: `poolSize` connections, 100 messages each, at most `ratePerSecond`. */
export function smtpTransport(url: string, from: string, { poolSize = 5, ratePerSecond }: PoolOptions = {}): Transporter {
  const pool = new SMTPPool({
    url,
    pool: true,
    maxConnections: poolSize,
    maxMessages: 100,
    ...(ratePerSecond ? { rateDelta: 1000, rateLimit: ratePerSecond } : {}),
    // Bounded, so a stalled server cannot hold a message past its lease.
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
    getSocket: connectWithoutDelay,
  });
  return nodemailer.createTransport(pool, { from });
}

/**
 * Opens each pooled connection with Nagle's algorithm off. Otherwise the end of every message waits
 * for the server's delayed ACK (about 40 ms), which caps a connection at ~20 messages a second.
 * TLS (smtps, STARTTLS) is still negotiated by nodemailer on top of this socket.
 */
function connectWithoutDelay(options: { host?: string; port?: number | string; secure?: boolean }, done: (error: Error | null, socket?: { connection: Socket }) => void) {
  const socket = net.connect({ host: options.host ?? 'localhost', port: Number(options.port) || (options.secure ? 465 : 587), noDelay: true });
  const fail = (error: Error) => {
    socket.destroy();
    done(Object.assign(error, { code: 'ECONNECTION' }));
  };
  socket.setTimeout(30_000, () => fail(new Error('Connection timeout')));
  socket.once('error', fail);
  socket.once('connect', () => {
    socket.setTimeout(0);
    socket.removeListener('error', fail);
    done(null, { connection: socket });
  });
}

/** The domain Message-IDs are minted under: MAIL_FROM's, else the portal's host. */
export function mailDomain(from: string, portalUrl?: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  const domain = address.split('@')[1]?.trim().toLowerCase();
  if (domain && /^[a-z0-9.-]+$/.test(domain)) return domain;
  try {
    return portalUrl ? new URL(portalUrl).hostname : 'localhost';
  } catch {
    return 'localhost';
  }
}

export const messageIdFor = (id: string, domain: string) => `<${id}@${domain}>`;

export type ClaimedMessage = { id: string; toAddress: string; subject: string; text: string; html: string; attempts: number };

/** Claims up to `count` due rows, most urgent first, in one short statement. */
export async function claimDue(q: Queryable, count: number, { leaseMs = LEASE_MS, sender = senderName() } = {}): Promise<ClaimedMessage[]> {
  if (count <= 0) return [];
  const due = q
    .select({ id: outboxMessages.id })
    .from(outboxMessages)
    .where(and(isNotNull(outboxMessages.nextAttemptAt), lte(outboxMessages.nextAttemptAt, sql`now()`)))
    .orderBy(asc(outboxMessages.priority), asc(outboxMessages.nextAttemptAt))
    .limit(count)
    .for('update', { skipLocked: true });
  return q
    .update(outboxMessages)
    .set({
      status: 'sending',
      attempts: sql`${outboxMessages.attempts} + 1`,
      nextAttemptAt: sql`now() + make_interval(secs => ${leaseMs / 1000}::double precision)`,
      claimedBy: sender,
    })
    .where(inArray(outboxMessages.id, due))
    .returning({
      id: outboxMessages.id,
      toAddress: outboxMessages.toAddress,
      subject: outboxMessages.subject,
      text: outboxMessages.text,
      html: outboxMessages.html,
      attempts: outboxMessages.attempts,
    });
}

/**
 * SMTP's verdict on one message: only a 5xx to the envelope or the message itself is final, or an
 * envelope nodemailer refuses before asking the server (an address it cannot send to, with no reply
 * code): trying again cannot change that.
 */
export function isPermanentFailure(error: unknown): boolean {
  const e = error as { responseCode?: unknown; code?: unknown };
  if (e?.code === 'EENVELOPE' && e.responseCode === undefined) return true;
  // A 5xx to AUTH or the greeting is the server's or our configuration's problem, not this message's.
  return typeof e?.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600 && (e.code === 'EENVELOPE' || e.code === 'EMESSAGE');
}

/**
 * The mail server itself cannot be reached or will not let us in (no connection, its name does not
 * resolve, AUTH refused) before anything of the message was sent: nothing about the message, which is
 * kept without counting the attempt. Counted, an outage of two hours would fail every message queued
 * (eight attempts, 1+2+...+60 minutes apart). A connection lost or stalled mid-message is counted as
 * before: the message itself may be what the server chokes on, and must not be tried for ever.
 */
export function isServerUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'ECONNECTION' || code === 'EDNS' || code === 'EAUTH';
}

/** After the server could not be reached: how long the loop waits before claiming more, and when the message is due again. */
export const UNAVAILABLE_PAUSE_MS = 30_000;
export const UNAVAILABLE_RETRY_MS = 60_000;

const errorText = (error: unknown) => String(error instanceof Error ? error.message : error).slice(0, 1000);
// One line for the log: a driver error's cause says more than the failed query's text.
const logText = (error: unknown) => {
  const cause = (error as { cause?: unknown })?.cause;
  return errorText(cause instanceof Error ? cause : error);
};

// The claim a mark belongs to: a row re-claimed after the lease ended has a higher attempt count.
const ours = (m: ClaimedMessage) => and(eq(outboxMessages.id, m.id), eq(outboxMessages.attempts, m.attempts), eq(outboxMessages.status, 'sending'));

/** `deferred`: the server could not be reached; the message waits, its attempt not counted. */
export type Outcome = 'sent' | 'retry' | 'failed' | 'deferred';

/** Extends the leases of claims still in flight (only those still ours: `sending` at the same attempt). */
export async function renewLeases(q: Queryable, claims: readonly ClaimedMessage[], leaseMs = LEASE_MS): Promise<void> {
  if (claims.length === 0) return;
  const list = sql.join(claims.map((m) => sql`(${m.id}::uuid, ${m.attempts}::int)`), sql`, `);
  await q
    .update(outboxMessages)
    .set({ nextAttemptAt: sql`now() + make_interval(secs => ${leaseMs / 1000}::double precision)` })
    .where(and(eq(outboxMessages.status, 'sending'), sql`(${outboxMessages.id}, ${outboxMessages.attempts}) in (${list})`));
}

// A lost connection is retried (postgres.js reconnects); if the database stays away, the rows
// simply come back when their leases end.
async function withRetry(write: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

async function markFailure(db: Db, m: ClaimedMessage, outcome: 'retry' | 'failed' | 'deferred', error: unknown): Promise<void> {
  // Due by the database's clock, as claims read it: an app clock behind it would retry at once.
  const dueIn = (ms: number) => sql`now() + make_interval(secs => ${ms / 1000}::double precision)`;
  const values =
    outcome === 'failed'
      ? { status: 'failed' as const, nextAttemptAt: null, lastError: errorText(error), claimedBy: null }
      : outcome === 'deferred'
        ? { status: 'pending' as const, attempts: sql`${outboxMessages.attempts} - 1`, nextAttemptAt: dueIn(UNAVAILABLE_RETRY_MS), lastError: errorText(error), claimedBy: null }
        : { status: 'pending' as const, nextAttemptAt: dueIn(backoffMs(m.attempts)), lastError: errorText(error), claimedBy: null };
  await withRetry(() => db.update(outboxMessages).set(values).where(ours(m)));
}

/**
 * A sent message's stored copy loses the secret of its link (an invitation's or reset's token, good for
 * days): the recipient's mailbox now holds the only copy, and a database backup or a reader of /outbox
 * must not hold a way into the account. The link stays readable, and is no longer offered as a link.
 */
const TOKEN = sql.raw(`'([?&]token=)[A-Za-z0-9_-]+'`);
const withoutSecrets = {
  text: sql`regexp_replace(${outboxMessages.text}, ${TOKEN}, '\\1[removed once sent]', 'g')`,
  html: sql`regexp_replace(${outboxMessages.html}, ${TOKEN}, '\\1[removed once sent]', 'g')`,
  links: sql`coalesce((select jsonb_agg(l) from jsonb_array_elements(${outboxMessages.links}) l where l #>> '{}' !~ ${TOKEN}), '[]'::jsonb)`,
};

type MarkSent = (m: ClaimedMessage) => Promise<void>;

/**
 * Records sent messages in groups: one UPDATE for everything that finished while the previous one
 * ran (none waits for a timer), so the database keeps up with a fast mail server.
 */
export function sentMarker(db: Db): MarkSent {
  let queue: { m: ClaimedMessage; done: (error?: unknown) => void }[] = [];
  let running = false;
  const flush = async () => {
    running = true;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      const claims = sql.join(batch.map(({ m }) => sql`(${m.id}::uuid, ${m.attempts}::int)`), sql`, `);
      try {
        await withRetry(() =>
          db
            .update(outboxMessages)
            .set({ status: 'sent', sentAt: sql`now()`, nextAttemptAt: null, lastError: null, claimedBy: null, ...withoutSecrets })
            .where(and(eq(outboxMessages.status, 'sending'), sql`(${outboxMessages.id}, ${outboxMessages.attempts}) in (${claims})`)),
        );
        for (const item of batch) item.done();
      } catch (error) {
        for (const item of batch) item.done(error);
      }
    }
    running = false;
  };
  return (m) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ m, done: (error) => (error ? reject(error) : resolve()) });
      if (!running) void flush();
    });
}

/** Sends one claimed message and records the result. */
export async function sendClaimed(db: Db, transport: Transporter, m: ClaimedMessage, domain: string, markSent: MarkSent = sentMarker(db)): Promise<Outcome> {
  if (m.attempts > MAX_ATTEMPTS) {
    // Its last attempt's sender died: give up rather than send a ninth time.
    await markFailure(db, m, 'failed', new Error(`No result was recorded for attempt ${MAX_ATTEMPTS} (its sender stopped before finishing).`));
    return 'failed';
  }
  try {
    await transport.sendMail({ to: m.toAddress, subject: m.subject, text: m.text, html: m.html, messageId: messageIdFor(m.id, domain) });
  } catch (error) {
    const outcome = isPermanentFailure(error) ? 'failed' : isServerUnavailable(error) ? 'deferred' : m.attempts >= MAX_ATTEMPTS ? 'failed' : 'retry';
    await markFailure(db, m, outcome, error);
    return outcome;
  }
  await markSent(m);
  return 'sent';
}

export type DeliveryOptions = {
  domain: string;
  /** Messages claimed ahead of the pool: enough to keep every connection busy. */
  window?: number;
  leaseMs?: number;
  /** Pause between looks at an empty queue. */
  idleMs?: number;
  sender?: string;
  signal?: AbortSignal;
  /** Return once nothing is due and nothing is in flight (tests, scripts). */
  untilEmpty?: boolean;
  onOutcome?: (outcome: Outcome, message: ClaimedMessage) => void;
};

/** This process, as recorded on the rows it holds. */
export const senderName = () => `${os.hostname()}:${process.pid}`;

/**
 * The delivery loop: keeps up to `window` messages in flight, claiming more as soon as half have
 * finished, so a backlog drains continuously and several instances share it.
 */
export async function runDelivery(db: Db, transport: Transporter, options: DeliveryOptions): Promise<{ sent: number; retried: number; failed: number }> {
  const { domain, window = 20, leaseMs = LEASE_MS, idleMs = 1000, sender = senderName(), signal, untilEmpty = false } = options;
  const totals = { sent: 0, retried: 0, failed: 0 };
  const markSent = sentMarker(db);
  let inFlight = 0;
  // The claims in flight, with when each was made: their leases are renewed at a third of the lease, so a
  // slow send keeps its row and no sender (this one included) claims and sends it again meanwhile.
  const held = new Map<string, { m: ClaimedMessage; since: number }>();
  const renewal = setInterval(() => {
    const live = [...held.values()].filter((h) => Date.now() - h.since < MAX_HOLD_MS).map((h) => h.m);
    renewLeases(db, live, leaseMs).catch((error) => console.error(`Mail delivery: renewing leases failed: ${logText(error)}`));
  }, Math.max(10, leaseMs / 3));
  renewal.unref?.();
  let wake: (() => void) | undefined;
  const waitForWake = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  // Set when the server could not be reached: no claims until then (each would be one more failed
  // connection, thousands of them in a backlog), the claims in flight finishing meanwhile.
  let pausedUntil = 0;
  while (!signal?.aborted) {
    const pause = pausedUntil - Date.now();
    if (pause > 0) {
      if (untilEmpty && inFlight === 0) break;
      await waitForWake(pause);
      continue;
    }
    if (inFlight > window / 2) {
      await waitForWake(idleMs);
      continue;
    }
    let claimed: ClaimedMessage[] = [];
    try {
      claimed = await claimDue(db, window - inFlight, { leaseMs, sender });
    } catch (error) {
      console.error(`Mail delivery: claiming failed: ${logText(error)}`);
    }
    for (const m of claimed) {
      inFlight++;
      held.set(m.id, { m, since: Date.now() });
      void sendClaimed(db, transport, m, domain, markSent)
        .then((outcome) => {
          if (outcome === 'deferred') pausedUntil = Date.now() + UNAVAILABLE_PAUSE_MS;
          totals[outcome === 'sent' ? 'sent' : outcome === 'failed' ? 'failed' : 'retried']++;
          options.onOutcome?.(outcome, m);
        })
        .catch((error) => console.error(`Mail delivery: recording the result of ${m.id} failed (it is sent again after its lease): ${logText(error)}`))
        .finally(() => {
          if (held.get(m.id)?.m === m) held.delete(m.id);
          inFlight--;
          wake?.();
        });
    }
    if (claimed.length === 0) {
      if (untilEmpty && inFlight === 0) break;
      await waitForWake(idleMs);
    }
  }
  while (inFlight > 0) await new Promise<void>((resolve) => ((wake = resolve), setTimeout(resolve, 50)));
  clearInterval(renewal);
  return totals;
}

/** Sends everything due now and returns how many went out (tests and one-off runs). */
export async function deliverDue(db: Db, transport: Transporter, options: Partial<DeliveryOptions> = {}): Promise<number> {
  const { sent } = await runDelivery(db, transport, { domain: 'localhost', ...options, untilEmpty: true, idleMs: 20 });
  return sent;
}
