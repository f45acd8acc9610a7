import { describe, expect, it } from '@jest/globals';
import { parseCsv, csvRecords } from './csv.js';
import { forecastBattery } from './forecast.js';

describe('CSV', () => {
  it('handles quotes, escaped quotes, commas, newlines and CRLF', () => {
    expect(parseCsv('a,b\r\n"x, y","he said ""hi"""\n"multi\nline",\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'he said "hi"'],
      ['multi\nline', ''],
    ]);
  });
  it('maps rows by header and skips blank lines', () => {
    expect(csvRecords('\ufeffserial, model\nA1,X\n\nB2,Y').records).toEqual([
      { serial: 'A1', model: 'X' },
      { serial: 'B2', model: 'Y' },
    ]);
  });
  it('refuses an unterminated quote', () => {
    expect(() => parseCsv('a\n"open')).toThrow(/unterminated/);
  });
});

describe('battery forecast', () => {
  const now = new Date('2026-06-30T00:00:00Z');
  const day = (d: number) => new Date(Date.UTC(2026, 5, d));

  it('extrapolates a steady drain to 10%', () => {
    // 1% a day, 60% on June 30th: 50 days to 10%.
    const readings = [1, 10, 20, 30].map((d) => ({ at: day(d), percent: 90 - (d - 1) }));
    const f = forecastBattery(readings, now);
    expect(f.daysUntil10Percent).toBeCloseTo(51, 0);
    expect('drainPerDay' in f && f.drainPerDay).toBeCloseTo(1, 2);
  });

  it('ignores readings from before a battery change', () => {
    const readings = [
      { at: day(1), percent: 30 },
      { at: day(5), percent: 20 },
      { at: day(10), percent: 100 },
      { at: day(20), percent: 90 },
      { at: day(30), percent: 80 },
    ];
    const f = forecastBattery(readings, day(30));
    expect(f.readings).toBe(3);
    expect(f.daysUntil10Percent).toBeCloseTo(70, 0);
  });

  it('answers null with a reason when data is thin or flat', () => {
    expect(forecastBattery([{ at: day(1), percent: 50 }], now)).toMatchObject({
      daysUntil10Percent: null,
      reason: expect.stringContaining('fewer'),
    });
    expect(
      forecastBattery(
        [1, 2, 3].map((d) => ({ at: new Date(day(1).getTime() + d * 1000), percent: 50 - d })),
        now,
      ),
    ).toMatchObject({
      daysUntil10Percent: null,
      reason: expect.stringContaining('less than a day'),
    });
    expect(
      forecastBattery(
        [1, 5, 9].map((d) => ({ at: day(d), percent: 80 })),
        now,
      ),
    ).toMatchObject({
      daysUntil10Percent: null,
      reason: 'the battery is not draining',
    });
  });
});
