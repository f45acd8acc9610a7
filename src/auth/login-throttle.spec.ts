import { describe, expect, it } from '@jest/globals';
import { LoginThrottle } from './login-throttle.js';

describe('LoginThrottle', () => {
  it('blocks an account after 5 failures for the rest of the window, per account', () => {
    const t = new LoginThrottle(5, 100, 60_000);
    for (let i = 0; i < 4; i++) t.recordFailure('a@x', '1.1.1.1', 1000 + i);
    expect(t.retryAfter('a@x', '1.1.1.1', 2000)).toBe(0);
    t.recordFailure('a@x', '1.1.1.1', 1004);
    expect(t.retryAfter('a@x', '1.1.1.1', 2000)).toBe(59);
    expect(t.retryAfter('b@x', '1.1.1.1', 2000)).toBe(0);
    expect(t.retryAfter('a@x', '1.1.1.1', 61_001)).toBe(0);
  });

  it('blocks an address that tries many accounts', () => {
    const t = new LoginThrottle(5, 3, 60_000);
    ['a', 'b', 'c'].forEach((u, i) => t.recordFailure(`${u}@x`, '9.9.9.9', i));
    expect(t.retryAfter('d@x', '9.9.9.9', 10)).toBeGreaterThan(0);
    expect(t.retryAfter('d@x', '8.8.8.8', 10)).toBe(0);
  });

  it('forgets an account’s failures after a success', () => {
    const t = new LoginThrottle(2, 100, 60_000);
    t.recordFailure('a@x', 'ip', 0);
    t.recordSuccess('a@x');
    t.recordFailure('a@x', 'ip', 1);
    expect(t.retryAfter('a@x', 'ip', 2)).toBe(0);
  });
});
