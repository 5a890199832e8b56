// Who is calling, as far as the request tells: the client IP and user agent for audit and rate limits.
import { headers } from 'next/headers';
import type { RequestMeta } from '@/lib/audit';

/**
 * The client address is the X-Forwarded-For entry written by the nearest trusted proxy: with
 * TRUSTED_PROXY_HOPS=N (default 1), the N-th entry from the right. Entries further left are whatever
 * the client sent and are never trusted, so rate limits cannot be dodged by forging the header.
 */
export function clientIp(forwardedFor: string | null | undefined, hops = Number(process.env.TRUSTED_PROXY_HOPS ?? 1)): string | null {
  const entries = (forwardedFor ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) return null;
  return entries[Math.max(0, entries.length - Math.max(1, hops))] ?? null;
}

export function metaFromHeaders(h: { get(name: string): string | null | undefined }): RequestMeta {
  return { ip: clientIp(h.get('x-forwarded-for')), userAgent: h.get('user-agent') ?? null };
}

export async function requestMeta(): Promise<RequestMeta> {
  return metaFromHeaders(await headers());
}
