import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Clock, SystemClock, TestClock } from '../src/common/clock.js';
import { startTestApp, type TestApp } from './support/app.js';

describe('the injectable clock', () => {
  const clock = new TestClock(new Date('2026-03-02T08:00:00Z'));
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { clock });
  });
  afterAll(async () => {
    await t.close();
  });

  it('is the test clock a test passes in, seen by every module', () => {
    const seen = t.app.get(Clock);
    expect(seen).toBe(clock);
    clock.advance({ hours: 3 });
    expect(seen.now().toISOString()).toBe('2026-03-02T11:00:00.000Z');
  });

  it('is the system clock otherwise', async () => {
    const plain = await startTestApp();
    try {
      expect(plain.app.get(Clock)).toBeInstanceOf(SystemClock);
    } finally {
      await plain.close();
    }
  });
});
