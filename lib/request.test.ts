import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { clientAddress, clientAddressSource, clientIp, limitSubject, metaFromHeaders, PEER_HEADER } from './request';

describe('clientIp', () => {
  it('writes an IPv4 client as a.b.c.d, not as the dual-stack form ::ffff:a.b.c.d', () => {
    expect(clientIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(clientIp('203.0.113.9, ::FFFF:198.51.100.4')).toBe('198.51.100.4');
    expect(clientIp('::ffff:7f00:1')).toBe('::ffff:7f00:1');
    expect(clientIp('2001:db8::1')).toBe('2001:db8::1');
  });

  it('takes the address the nearest trusted proxy saw, not what the client claims', () => {
    expect(clientIp('6.6.6.6, 203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientIp('6.6.6.6, 203.0.113.7, 10.0.0.2', 2)).toBe('203.0.113.7');
    expect(clientIp('203.0.113.7', 3)).toBe('203.0.113.7');
    expect(clientIp(null, 1)).toBeNull();
  });

  it('takes only an IP address (a port some proxies add is dropped); anything else is no address', () => {
    expect(clientIp('203.0.113.7:51234')).toBe('203.0.113.7');
    expect(clientIp('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(clientIp('[2001:db8::1]')).toBe('2001:db8::1');
    for (const forged of ['x'.repeat(5000), 'unknown', '<script>', '203.0.113.7 evil', '999.1.1.1', '203.0.113.7:80:80', '::ffff:evil'])
      expect(clientIp(`6.6.6.6, ${forged}`), forged.slice(0, 20)).toBeNull();
  });
});

const headersOf = (values: Record<string, string>) => ({ get: (name: string) => values[name] });

describe('clientAddress with TRUSTED_PROXY_HOPS=0 (no proxy)', () => {
  it('ignores X-Forwarded-For entirely and takes the peer address our server wrote', () => {
    const h = headersOf({ 'x-forwarded-for': '6.6.6.6', [PEER_HEADER]: '198.51.100.4' });
    expect(clientAddress(h, 0, true)).toBe('198.51.100.4');
    expect(clientAddress(headersOf({ 'x-forwarded-for': '6.6.6.6' }), 0, true)).toBeNull();
  });

  it('trusts no header when the server is not ours (the client could have sent it), and says so', () => {
    expect(clientAddress(headersOf({ [PEER_HEADER]: '6.6.6.6', 'x-forwarded-for': '6.6.6.6' }), 0, false)).toBeNull();
    expect(clientAddressSource(0, false)).toMatchObject({ ok: false });
    expect(clientAddressSource(0, true).message).toContain('TCP peer address');
    expect(clientAddressSource(2, false).message).toContain('entry 2 from the right');
  });

  it('behind a proxy, the peer header is ignored', () => {
    expect(clientAddress(headersOf({ [PEER_HEADER]: '6.6.6.6', 'x-forwarded-for': '6.6.6.6, 203.0.113.7' }), 1, true)).toBe('203.0.113.7');
  });

  it('over real HTTP through scripts/server.mjs\'s wrapper, a client cannot forge its address', async () => {
    const modulePath = '../scripts/server-wrapper.mjs';
    const { withPeerAddress } = (await import(/* @vite-ignore */ modulePath)) as {
      withPeerAddress: (l: (req: IncomingMessage, res: ServerResponse) => void, o?: { https?: boolean }) => (req: IncomingMessage, res: ServerResponse) => void;
    };
    const saved = { hops: process.env.TRUSTED_PROXY_HOPS, ours: process.env.USERDESK_PEER_HEADER };
    process.env.TRUSTED_PROXY_HOPS = '0';
    process.env.USERDESK_PEER_HEADER = '1';
    const server = createServer(
      withPeerAddress((req, res) => res.end(JSON.stringify(metaFromHeaders({ get: (n) => req.headers[n] as string | undefined }))), { https: true }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        headers: { 'x-forwarded-for': '6.6.6.6', [PEER_HEADER]: '6.6.6.6', 'user-agent': 'forger' },
      });
      expect(await response.json()).toEqual({ ip: '127.0.0.1', userAgent: 'forger' });
      // An https portal tells browsers to use nothing else (issue 7, item 6).
      expect(response.headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains');
    } finally {
      server.close();
      process.env.TRUSTED_PROXY_HOPS = saved.hops;
      process.env.USERDESK_PEER_HEADER = saved.ours;
      if (saved.hops === undefined) delete process.env.TRUSTED_PROXY_HOPS;
      if (saved.ours === undefined) delete process.env.USERDESK_PEER_HEADER;
    }
  });
});

describe('limitSubject (whom a per-address limit counts)', () => {
  it('an IPv4 address as it is; an IPv6 one by its /64, however it is written; no address, one shared subject', () => {
    expect(limitSubject('203.0.113.9')).toBe('203.0.113.9');
    for (const ip of ['2001:db8:1:2::1', '2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:DB8:1:2:3:4:5:6', '2001:db8:1:2:0:0:10.0.0.1', 'fe80::1%eth0'.replace('fe80::', '2001:db8:1:2::')])
      expect(limitSubject(ip)).toBe('2001:db8:1:2::/64');
    expect(limitSubject('::1')).toBe('0:0:0:0::/64');
    expect(limitSubject('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(limitSubject('::')).toBe('0:0:0:0::/64');
    expect(limitSubject('2001:db8:1:3::1')).not.toBe(limitSubject('2001:db8:1:2::1'));
    expect(limitSubject(null)).toBe('unknown');
  });
});

