// What scripts/server.mjs adds in front of Next.js, per request: the TCP peer address in a header of our
// own that overwrites whatever the client sent under that name (see lib/request.ts), and HSTS when the
// portal's public URL is https (decided at run time, unlike next.config.ts headers, fixed at build).
export const PEER_HEADER = 'x-userdesk-peer';

const HSTS = 'max-age=63072000; includeSubDomains';

/** Wraps a Node request listener: the request carries its peer address in PEER_HEADER; https sites send HSTS. */
export function withPeerAddress(listener, { https = (process.env.NEXTAUTH_URL ?? '').startsWith('https:') } = {}) {
  return (req, res) => {
    if (https) res.setHeader('Strict-Transport-Security', HSTS);
    // IPv4 clients on a dual-stack socket appear as ::ffff:a.b.c.d; the audit log shows the plain form.
    req.headers[PEER_HEADER] = (req.socket.remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    return listener(req, res);
  };
}
