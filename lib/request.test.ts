import { describe, expect, it } from 'vitest';
import { clientIp } from './request';

describe('clientIp', () => {
  it('takes the address the nearest trusted proxy saw, not what the client claims', () => {
    expect(clientIp('6.6.6.6, 203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientIp('6.6.6.6, 203.0.113.7, 10.0.0.2', 2)).toBe('203.0.113.7');
    expect(clientIp('203.0.113.7', 3)).toBe('203.0.113.7');
    expect(clientIp(null, 1)).toBeNull();
  });
});
