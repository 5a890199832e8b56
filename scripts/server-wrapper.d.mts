// Types of scripts/server-wrapper.mjs (plain JavaScript: the production server loads it without a build).
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

export const PEER_HEADER: string;
export function hasBrokenEscape(url: string | undefined): boolean;
export function withPeerAddress(
  listener: (req: IncomingMessage, res: ServerResponse) => unknown,
  options?: { https?: boolean },
): RequestListener;
export function serverProcesses(env: Record<string, string | undefined>, cores: number): { processes: number; error?: undefined } | { error: string; processes?: undefined };
