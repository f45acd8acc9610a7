import { describe, expect, it } from '@jest/globals';
import { Clock, SystemClock, TestClock } from './clock.js';

describe('Clock', () => {
  it('the system clock tells the real time', () => {
    const clock: Clock = new SystemClock();
    const before = Date.now();
    const now = clock.nowMs();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('a test clock stands still until advanced', () => {
    const clock = new TestClock(new Date('2026-01-05T09:00:00Z'));
    expect(clock.now().toISOString()).toBe('2026-01-05T09:00:00.000Z');
    expect(clock.now().toISOString()).toBe('2026-01-05T09:00:00.000Z');
    clock.advance({ minutes: 30, seconds: 1 });
    expect(clock.now().toISOString()).toBe('2026-01-05T09:30:01.000Z');
    clock.advance({ days: 1, hours: 2, ms: 5 });
    expect(clock.now().toISOString()).toBe('2026-01-06T11:30:01.005Z');
    expect(clock.set(new Date('2026-02-01T00:00:00Z')).toISOString()).toBe(
      '2026-02-01T00:00:00.000Z',
    );
  });

  it('hands out copies, not its own date', () => {
    const clock = new TestClock(0);
    clock.now().setTime(1_000_000);
    expect(clock.nowMs()).toBe(0);
  });

  it('never runs backward', () => {
    const clock = new TestClock(1_000);
    expect(() => clock.advance({ ms: -1 })).toThrow(RangeError);
    expect(() => clock.set(999)).toThrow(RangeError);
    expect(clock.nowMs()).toBe(1_000);
  });
});
