// Who is calling, as far as the request tells: the client IP and user agent for audit and rate limits.
// Where the client address comes from is the operator's choice (TRUSTED_PROXY_HOPS, see README):
//   N >= 1: behind N reverse proxies that append to X-Forwarded-For: the N-th entry from the right.
//   0: no proxy: the TCP peer address, written by our own server (scripts/server.mjs) into
//      x-userdesk-peer over anything the client sent; X-Forwarded-For is ignored entirely.
import { isIP } from 'node:net';
import type { RequestMeta } from '@/lib/audit';

export const PEER_HEADER = 'x-userdesk-peer';

type HeaderSource = { get(name: string): string | null | undefined };

const proxyHops = () => {
  const hops = Number(process.env.TRUSTED_PROXY_HOPS ?? 1);
  return Number.isInteger(hops) && hops >= 0 ? hops : 1;
};

/** True when this process is served by scripts/server.mjs, which owns the peer header. */
const peerHeaderIsOurs = () => process.env.USERDESK_PEER_HEADER === '1';

/**
 * The client address is the X-Forwarded-For entry written by the nearest trusted proxy: with
 * TRUSTED_PROXY_HOPS=N (default 1), the N-th entry from the right. Entries further left are whatever
 * the client sent and are never trusted, so rate limits cannot be dodged by forging the header.
 */
export function clientIp(forwardedFor: string | null | undefined, hops = proxyHops()): string | null {
  const entries = (forwardedFor ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) return null;
  const entry = entries[Math.max(0, entries.length - Math.max(1, hops))] ?? null;
  return entry === null ? null : address(entry);
}

/**
 * The entry as an IP address, or null when it is none. Some proxies add the port (a.b.c.d:port,
 * [v6]:port), which is dropped. Anything else (a forged or garbled header) is no address: it must not
 * reach the audit log as one, nor become a rate-limit key (a long one cannot be indexed, and sign-in
 * failed with an internal error even for the right password).
 */
function address(entry: string): string | null {
  const ip = entry.replace(/^\[([^\]]+)\](?::\d+)?$/, '$1').replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1');
  if (isIP(ip) === 0) return null;
  // An IPv4 client on a dual-stack socket is ::ffff:a.b.c.d: the audit log and rate limits use a.b.c.d.
  return ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

/** The client address under the configured source (see the header comment). */
export function clientAddress(h: HeaderSource, hops = proxyHops(), peerTrusted = peerHeaderIsOurs()): string | null {
  if (hops === 0) return peerTrusted ? address(h.get(PEER_HEADER)?.trim() ?? '') : null;
  return clientIp(h.get('x-forwarded-for'), hops);
}

/** One line for the start-up log: which source of the client address is in force. */
export function clientAddressSource(hops = proxyHops(), peerTrusted = peerHeaderIsOurs()): { ok: boolean; message: string } {
  if (hops > 0)
    return {
      ok: true,
      message: `Client address: X-Forwarded-For, entry ${hops} from the right (TRUSTED_PROXY_HOPS=${hops}: ${hops} reverse prox${hops === 1 ? 'y' : 'ies'} in front must append to it).`,
    };
  if (peerTrusted) return { ok: true, message: 'Client address: the TCP peer address (TRUSTED_PROXY_HOPS=0, no proxy); X-Forwarded-For is ignored.' };
  return {
    ok: false,
    message:
      'Client address: UNKNOWN. TRUSTED_PROXY_HOPS=0 needs the server started with `npm start` (scripts/server.mjs), which records the TCP peer address; per-IP limits now share one budget and the audit log has no addresses.',
  };
}

export function metaFromHeaders(h: HeaderSource): RequestMeta {
  return { ip: clientAddress(h), userAgent: h.get('user-agent') ?? null };
}

/**
 * Whom a per-address limit counts: an IPv4 address, or an IPv6 client's /64. One subscriber or host
 * is handed a whole /64 (2^64 addresses), so counting each IPv6 address apart gave an attacker endless
 * budgets to spray passwords (or lock accounts) with. Without an address, everyone shares one budget.
 */
export function limitSubject(ip: string | null | undefined): string {
  if (!ip) return 'unknown';
  const bare = ip.replace(/%.*$/, '');
  if (isIP(bare) !== 6) return bare;
  // Expand "::" to the zero groups it stands for (a dotted IPv4 tail is two groups), then keep four.
  const groups = (part: string) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const [head = '', tail] = bare.split('::');
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const full = tail === undefined ? front : [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  return `${full.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

