import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SECURITY_HEADERS } from '@/lib/security-headers';
import { hasBrokenEscape, serverProcesses, withPeerAddress } from './server-wrapper.mjs';

describe('serverProcesses', () => {
  const pg = { DATABASE_URL: 'postgres://db/userdesk' };

  it('runs one process per core on PostgreSQL, at most 4 (10 connections each; PostgreSQL allows 100)', () => {
    expect(serverProcesses(pg, 2)).toEqual({ processes: 2 });
    expect(serverProcesses(pg, 1)).toEqual({ processes: 1 });
    expect(serverProcesses(pg, 4)).toEqual({ processes: 4 });
    expect(serverProcesses(pg, 256)).toEqual({ processes: 4 });
    expect(serverProcesses({ ...pg, WEB_CONCURRENCY: ' ' }, 4)).toEqual({ processes: 4 });
  });

  it('takes WEB_CONCURRENCY when it is a whole number from 1 to 64', () => {
    expect(serverProcesses({ ...pg, WEB_CONCURRENCY: '1' }, 8)).toEqual({ processes: 1 });
    expect(serverProcesses({ ...pg, WEB_CONCURRENCY: ' 3 ' }, 2)).toEqual({ processes: 3 });
    expect(serverProcesses({ ...pg, WEB_CONCURRENCY: '64' }, 2)).toEqual({ processes: 64 });
  });

  it('refuses anything else, naming the variable and the value', () => {
    for (const value of ['0', '65', '-1', '1.5', '1e1', '0x2', 'two', '2 3', '\u0662']) {
      expect(serverProcesses({ ...pg, WEB_CONCURRENCY: value }, 2), value).toEqual({
        error: `WEB_CONCURRENCY must be a whole number from 1 to 64 (it is "${value.trim()}").`,
      });
    }
  });

  it('keeps the embedded database in one process, whatever WEB_CONCURRENCY says', () => {
    expect(serverProcesses({}, 8)).toEqual({ processes: 1 });
    expect(serverProcesses({ WEB_CONCURRENCY: '4' }, 8)).toEqual({ processes: 1 });
    expect(serverProcesses({ DATABASE_URL: '', WEB_CONCURRENCY: '4' }, 8)).toEqual({ processes: 1 });
  });
});

describe('paths with a broken percent-escape', () => {
  it('are told apart from every well-formed path', () => {
    for (const url of ['/users/%E0%A4%A', '/users/%zz', '/%', '/api/v1/users/%ZZ', '/a%2', '/users/%C0%80', '/x/%ED%A0%80?q=1'])
      expect(hasBrokenEscape(url), url).toBe(true);
    for (const url of ['/users', '/users/%E0%A4%A4', '/api/v1/users/abc', '/users?q=%zz', '/%2F%2Fevil', '/%25', undefined])
      expect(hasBrokenEscape(url), String(url)).toBe(false);
  });

  it('get a page that a phone shows at its own width, with its text in a main landmark and the site\'s title style', async () => {
    const server = createServer(withPeerAddress((_req, res) => res.end('app')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/users/%E0%A4%A`);
      const html = await response.text();
      // Its one style is let in by the policy's hash, and nothing else is.
      const style = /<style>(.*)<\/style>/s.exec(html)?.[1] ?? '';
      expect(response.headers.get('content-security-policy')).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
      // Without the viewport tag a phone lays the page out 980 px wide and shrinks it to unreadable text.
      expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(html).toMatch(/<main>.*<h1>Bad request<\/h1>.*<\/main>/s);
      expect(html).toContain('<title>Bad request · Userdesk</title>');
    } finally {
      server.close();
    }
  });

  it('get a 400 before the application (Next.js would answer 500), problem+json under the REST API', async () => {
    let reached = 0;
    const server = createServer(
      withPeerAddress((_req, res) => {
        reached++;
        res.end('app');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const page = await fetch(`${base}/users/%E0%A4%A`);
      expect([page.status, page.headers.get('content-type')]).toEqual([400, 'text/html; charset=utf-8']);
      expect(await page.text()).toContain('broken percent-escape');
      // Every security header the application sends, the policy stricter still (nothing runs here).
      for (const { key, value } of SECURITY_HEADERS) {
        if (key === 'Content-Security-Policy') for (const directive of ["frame-ancestors 'none'", "object-src 'none'", "default-src 'none'", "base-uri 'none'"]) expect(page.headers.get(key), key).toContain(directive);
        else expect(page.headers.get(key), key).toBe(value);
      }
      const api = await fetch(`${base}/api/v1/users/%ZZ`);
      expect([api.status, api.headers.get('content-type')]).toEqual([400, 'application/problem+json']);
      // The title every other problem of type invalid carries (lib/api-users/http.ts).
      expect(await api.json()).toMatchObject({ status: 400, title: 'Invalid request' });
      expect(reached).toBe(0);
      expect(await (await fetch(`${base}/users/%E0%A4%A4?q=%zz`)).text()).toBe('app');
      expect(reached).toBe(1);
    } finally {
      server.close();
    }
  });
});
