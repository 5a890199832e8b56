import { describe, expect, it } from 'vitest';
import { serverProcesses } from './server-wrapper.mjs';

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
