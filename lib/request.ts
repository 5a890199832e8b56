// Who is calling, as far as the request tells: the client IP and user agent for audit and rate limits.
import { headers } from 'next/headers';
import type { RequestMeta } from '@/lib/audit';

export function metaFromHeaders(h: { get(name: string): string | null | undefined }): RequestMeta {
  const forwarded = h.get('x-forwarded-for')?.split(',')[0]?.trim();
  return { ip: forwarded || h.get('x-real-ip') || null, userAgent: h.get('user-agent') ?? null };
}

export async function requestMeta(): Promise<RequestMeta> {
  return metaFromHeaders(await headers());
}
