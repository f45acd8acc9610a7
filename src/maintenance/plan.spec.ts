import { describe, expect, it } from '@jest/globals';
import { parseBatteryType, planWindow } from './plan.js';

describe('parseBatteryType', () => {
  it('reads the count and type of the catalog’s battery field', () => {
    expect(parseBatteryType('4x AA')).toEqual({ type: 'AA', perLock: 4 });
    expect(parseBatteryType('2X CR123A')).toEqual({ type: 'CR123A', perLock: 2 });
    expect(parseBatteryType('8 × AA')).toEqual({ type: 'AA', perLock: 8 });
    expect(parseBatteryType('9V')).toEqual({ type: '9V', perLock: 1 });
    expect(parseBatteryType(null)).toBeNull();
    expect(parseBatteryType('  ')).toBeNull();
  });
});

describe('planWindow', () => {
  it('runs from today (UTC) to today + days', () => {
    expect(planWindow(new Date('2026-12-31T23:59:00.000Z'), 1)).toMatchObject({
      from: '2026-12-31',
      until: '2027-01-01',
    });
    expect(planWindow(new Date('2026-02-01T00:00:00.000Z'), 30).until).toBe('2026-03-03');
  });
});
