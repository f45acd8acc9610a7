import { describe, expect, it } from '@jest/globals';
import {
  ALWAYS_OPEN,
  type BusinessHours,
  WEEKDAYS_9_TO_5,
  addBusinessMinutes,
  businessMinutesBetween,
  slaState,
  validateBusinessHours,
} from './sla.util.js';

const d = (iso: string): Date => new Date(iso);
const iso = (x: Date | null): string | null => (x === null ? null : x.toISOString());

/** Same intervals every day of the week. */
function everyDay(
  timeZone: string,
  intervals: { start: string; end: string }[],
  holidays?: string[],
): BusinessHours {
  return {
    timeZone,
    days: {
      0: intervals,
      1: intervals,
      2: intervals,
      3: intervals,
      4: intervals,
      5: intervals,
      6: intervals,
    },
    ...(holidays ? { holidays } : {}),
  };
}

/** Mon-Fri with the given intervals, weekends closed. */
function weekdays(
  timeZone: string,
  intervals: { start: string; end: string }[],
  holidays?: string[],
): BusinessHours {
  return {
    timeZone,
    days: { 0: [], 1: intervals, 2: intervals, 3: intervals, 4: intervals, 5: intervals, 6: [] },
    ...(holidays ? { holidays } : {}),
  };
}

const add = (start: string, minutes: number, hours: BusinessHours): string =>
  addBusinessMinutes(d(start), minutes, hours).toISOString();
const between = (a: string, b: string, hours: BusinessHours): number =>
  businessMinutesBetween(d(a), d(b), hours);

/** Deterministic PRNG (mulberry32) so property tests are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Independent oracle: is the instant inside business hours, judged from its local wall clock as
 * formatted by Intl (weekday, date, HH:MM)?
 */
function oracle(hours: BusinessHours): (t: number) => boolean {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: hours.timeZone,
    hourCycle: 'h23',
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  const weekdayIndex: Record<string, 0 | 1 | 2 | 3 | 4 | 5 | 6> = {
    Sun: 0,
    Mon: 1,
    Tue: 2,
    Wed: 3,
    Thu: 4,
    Fri: 5,
    Sat: 6,
  };
  const holidays = new Set(hours.holidays ?? []);
  return (t) => {
    const p: Record<string, string> = {};
    for (const part of fmt.formatToParts(new Date(t))) p[part.type] = part.value;
    if (holidays.has(`${p.year}-${p.month}-${p.day}`)) return false;
    const wd = weekdayIndex[p.weekday ?? '']!;
    if (wd === undefined) throw new Error(`unexpected weekday ${p.weekday}`);
    const hhmm = `${p.hour}:${p.minute}`;
    return hours.days[wd].some((i) => i.start <= hhmm && hhmm < i.end);
  };
}

/** Business minutes in [a, b) counted minute by minute with the oracle (a, b on whole minutes). */
function bruteForceMinutes(a: Date, b: Date, hours: BusinessHours): number {
  const inHours = oracle(hours);
  let n = 0;
  for (let t = a.getTime(); t < b.getTime(); t += 60_000) if (inHours(t)) n++;
  return n;
}

const LISBON = 'Europe/Lisbon';
const NEW_YORK = 'America/New_York';
const lisbon9to5 = WEEKDAYS_9_TO_5(LISBON);

describe('presets', () => {
  it('ALWAYS_OPEN is 24x7 in UTC by default, or in the given zone', () => {
    const h = ALWAYS_OPEN();
    expect(h.timeZone).toBe('UTC');
    for (const day of [0, 1, 2, 3, 4, 5, 6] as const) {
      expect(h.days[day]).toEqual([{ start: '00:00', end: '24:00' }]);
    }
    expect(ALWAYS_OPEN(LISBON).timeZone).toBe(LISBON);
    expect(validateBusinessHours(h)).toEqual([]);
  });

  it('WEEKDAYS_9_TO_5 is Mon-Fri 09:00-17:00 with weekends closed', () => {
    const h = WEEKDAYS_9_TO_5(NEW_YORK);
    expect(h.timeZone).toBe(NEW_YORK);
    expect(h.days[0]).toEqual([]);
    expect(h.days[6]).toEqual([]);
    for (const day of [1, 2, 3, 4, 5] as const) {
      expect(h.days[day]).toEqual([{ start: '09:00', end: '17:00' }]);
    }
    expect(validateBusinessHours(h)).toEqual([]);
  });

  it('returns a fresh object each call', () => {
    const a = ALWAYS_OPEN();
    a.days[0].push({ start: '00:00', end: '01:00' });
    expect(ALWAYS_OPEN().days[0]).toHaveLength(1);
  });
});

describe('addBusinessMinutes / businessMinutesBetween: 24x7', () => {
  const utc = ALWAYS_OPEN();

  it('is plain elapsed time', () => {
    expect(add('2024-01-01T10:00:00Z', 90, utc)).toBe('2024-01-01T11:30:00.000Z');
    expect(add('2024-02-28T23:30:00Z', 60, utc)).toBe('2024-02-29T00:30:00.000Z');
    expect(add('2024-01-01T00:00:00Z', 3 * 1440, utc)).toBe('2024-01-04T00:00:00.000Z');
    expect(between('2024-01-01T10:00:00Z', '2024-01-01T11:30:00Z', utc)).toBe(90);
    expect(between('2024-01-01T00:00:00Z', '2024-12-31T00:00:00Z', utc)).toBe(365 * 1440);
  });

  it('keeps seconds and milliseconds of the start', () => {
    expect(add('2024-01-01T10:00:12.345Z', 1, utc)).toBe('2024-01-01T10:01:12.345Z');
    expect(between('2024-01-01T10:00:00Z', '2024-01-01T10:00:30Z', utc)).toBe(0.5);
  });

  it('in Lisbon spans the missing and the repeated hour as real time', () => {
    const h = ALWAYS_OPEN(LISBON);
    // 2024-03-31: 01:00 WET -> 02:00 WEST at 01:00Z.
    expect(add('2024-03-31T00:30:00Z', 60, h)).toBe('2024-03-31T01:30:00.000Z');
    // Local day 2024-03-31 is 23 hours long, 2024-10-27 is 25 hours long.
    expect(between('2024-03-31T00:00:00Z', '2024-03-31T23:00:00Z', h)).toBe(23 * 60);
    expect(between('2024-10-26T23:00:00Z', '2024-10-28T00:00:00Z', h)).toBe(25 * 60);
  });

  it('returns the start itself for zero minutes', () => {
    expect(add('2024-05-05T05:05:05Z', 0, utc)).toBe('2024-05-05T05:05:05.000Z');
  });
});

describe('addBusinessMinutes: Mon-Fri 09:00-17:00 in Europe/Lisbon', () => {
  // January: WET = UTC+0. 2024-01-05 is a Friday, 2024-01-08 a Monday.
  it('counts during hours', () => {
    expect(add('2024-01-08T10:15:00Z', 45, lisbon9to5)).toBe('2024-01-08T11:00:00.000Z');
  });

  it('starts counting at opening when started before opening', () => {
    expect(add('2024-01-08T07:30:00Z', 30, lisbon9to5)).toBe('2024-01-08T09:30:00.000Z');
    expect(add('2024-01-08T00:00:00Z', 480, lisbon9to5)).toBe('2024-01-08T17:00:00.000Z');
  });

  it('moves to the next business day when started after closing', () => {
    expect(add('2024-01-08T18:00:00Z', 60, lisbon9to5)).toBe('2024-01-09T10:00:00.000Z');
    expect(add('2024-01-08T17:00:00Z', 1, lisbon9to5)).toBe('2024-01-09T09:01:00.000Z');
  });

  it('ends exactly at closing rather than at the next opening', () => {
    expect(add('2024-01-08T16:00:00Z', 60, lisbon9to5)).toBe('2024-01-08T17:00:00.000Z');
    expect(add('2024-01-08T09:00:00Z', 480, lisbon9to5)).toBe('2024-01-08T17:00:00.000Z');
    expect(add('2024-01-08T09:00:00Z', 481, lisbon9to5)).toBe('2024-01-09T09:01:00.000Z');
  });

  it('skips the weekend', () => {
    expect(add('2024-01-05T16:00:00Z', 120, lisbon9to5)).toBe('2024-01-08T10:00:00.000Z');
    expect(add('2024-01-06T12:00:00Z', 10, lisbon9to5)).toBe('2024-01-08T09:10:00.000Z');
    expect(add('2024-01-07T23:59:59Z', 10, lisbon9to5)).toBe('2024-01-08T09:10:00.000Z');
  });

  it('handles week-long and multi-week targets', () => {
    expect(add('2024-01-08T09:00:00Z', 5 * 480, lisbon9to5)).toBe('2024-01-12T17:00:00.000Z');
    expect(add('2024-01-08T09:00:00Z', 5 * 480 + 1, lisbon9to5)).toBe('2024-01-15T09:01:00.000Z');
    expect(add('2024-01-08T09:00:00Z', 20 * 480, lisbon9to5)).toBe('2024-02-02T17:00:00.000Z');
  });

  it('uses local time in summer (WEST = UTC+1)', () => {
    // 2024-07-05 is a Friday: 16:00 local = 15:00Z; Monday 09:00 local = 08:00Z.
    expect(add('2024-07-05T15:00:00Z', 120, lisbon9to5)).toBe('2024-07-08T09:00:00.000Z');
    expect(add('2024-07-08T07:59:00Z', 0, lisbon9to5)).toBe('2024-07-08T08:00:00.000Z');
  });

  it('crosses the spring-forward weekend (opening moves from 09:00Z to 08:00Z)', () => {
    // Fri 2024-03-29 16:00 WET = 16:00Z; Mon 2024-04-01 09:00 WEST = 08:00Z.
    expect(add('2024-03-29T16:00:00Z', 120, lisbon9to5)).toBe('2024-04-01T09:00:00.000Z');
    expect(between('2024-03-29T00:00:00Z', '2024-04-02T00:00:00Z', lisbon9to5)).toBe(960);
  });

  it('crosses the fall-back weekend (opening moves from 08:00Z to 09:00Z)', () => {
    // Fri 2024-10-25 16:00 WEST = 15:00Z; Mon 2024-10-28 09:00 WET = 09:00Z.
    expect(add('2024-10-25T15:00:00Z', 120, lisbon9to5)).toBe('2024-10-28T10:00:00.000Z');
  });

  describe('zero minutes returns the next opening at or after start', () => {
    it.each([
      ['inside hours: the start itself', '2024-01-08T10:15:30Z', '2024-01-08T10:15:30.000Z'],
      ['at opening', '2024-01-08T09:00:00Z', '2024-01-08T09:00:00.000Z'],
      ['before opening', '2024-01-08T08:59:59Z', '2024-01-08T09:00:00.000Z'],
      ['at closing (end exclusive)', '2024-01-08T17:00:00Z', '2024-01-09T09:00:00.000Z'],
      ['Friday evening', '2024-01-05T20:00:00Z', '2024-01-08T09:00:00.000Z'],
      ['Saturday', '2024-01-06T12:00:00Z', '2024-01-08T09:00:00.000Z'],
    ])('%s', (_label, start, expected) => {
      expect(add(start, 0, lisbon9to5)).toBe(expected);
    });
  });

  it('accepts fractional minutes', () => {
    expect(add('2024-01-08T16:59:00Z', 1.5, lisbon9to5)).toBe('2024-01-09T09:00:30.000Z');
  });
});

describe('businessMinutesBetween: Mon-Fri 09:00-17:00 in Europe/Lisbon', () => {
  it('counts only open time', () => {
    expect(between('2024-01-08T10:00:00Z', '2024-01-08T11:30:00Z', lisbon9to5)).toBe(90);
    expect(between('2024-01-08T07:00:00Z', '2024-01-08T20:00:00Z', lisbon9to5)).toBe(480);
    expect(between('2024-01-05T16:00:00Z', '2024-01-08T10:00:00Z', lisbon9to5)).toBe(120);
    expect(between('2024-01-06T00:00:00Z', '2024-01-08T00:00:00Z', lisbon9to5)).toBe(0);
    expect(between('2024-01-08T00:00:00Z', '2024-01-15T00:00:00Z', lisbon9to5)).toBe(2400);
  });

  it('is 0 when b <= a', () => {
    expect(between('2024-01-08T11:00:00Z', '2024-01-08T10:00:00Z', lisbon9to5)).toBe(0);
    expect(between('2024-01-08T11:00:00Z', '2024-01-08T11:00:00Z', lisbon9to5)).toBe(0);
  });

  it('is additive over adjacent ranges', () => {
    const a = between('2024-01-03T12:34:00Z', '2024-01-09T08:00:00Z', lisbon9to5);
    const b = between('2024-01-09T08:00:00Z', '2024-01-17T15:21:00Z', lisbon9to5);
    expect(a + b).toBe(between('2024-01-03T12:34:00Z', '2024-01-17T15:21:00Z', lisbon9to5));
  });
});

describe('holidays', () => {
  const h = WEEKDAYS_9_TO_5(LISBON);
  h.holidays = ['2024-12-25', '2024-12-26'];

  it('are skipped when adding', () => {
    // Tue 2024-12-24 16:00Z: 60 min Tue, Wed 25 and Thu 26 closed, Fri 27 09:00Z + 60.
    expect(add('2024-12-24T16:00:00Z', 120, h)).toBe('2024-12-27T10:00:00.000Z');
    expect(add('2024-12-25T10:00:00Z', 0, h)).toBe('2024-12-27T09:00:00.000Z');
  });

  it('are not counted as business time', () => {
    expect(between('2024-12-24T09:00:00Z', '2024-12-27T17:00:00Z', h)).toBe(960);
    expect(between('2024-12-25T00:00:00Z', '2024-12-27T00:00:00Z', h)).toBe(0);
  });

  it('are local dates, not UTC dates (Asia/Tokyo, UTC+9)', () => {
    const tokyo = WEEKDAYS_9_TO_5('Asia/Tokyo');
    tokyo.holidays = ['2024-01-08'];
    // Fri 2024-01-05 16:00 JST = 07:00Z; Mon 8th is a holiday; Tue 09:00 JST = 2024-01-09T00:00Z.
    expect(add('2024-01-05T07:00:00Z', 120, tokyo)).toBe('2024-01-09T01:00:00.000Z');
    // 2024-01-07T23:30Z is Monday 08:30 JST (a holiday), although the UTC date is Sunday.
    expect(add('2024-01-07T23:30:00Z', 0, tokyo)).toBe('2024-01-09T00:00:00.000Z');
    expect(between('2024-01-07T00:00:00Z', '2024-01-09T00:00:00Z', tokyo)).toBe(0);
  });

  it('on a closed day change nothing', () => {
    const withSunday = WEEKDAYS_9_TO_5(LISBON);
    withSunday.holidays = ['2024-01-07'];
    expect(add('2024-01-05T16:00:00Z', 120, withSunday)).toBe('2024-01-08T10:00:00.000Z');
  });
});

describe('split shifts 09:00-12:00 and 13:00-17:00', () => {
  // Listed out of order on purpose.
  const split = weekdays(LISBON, [
    { start: '13:00', end: '17:00' },
    { start: '09:00', end: '12:00' },
  ]);

  it('skips the lunch break', () => {
    expect(add('2024-01-08T11:30:00Z', 60, split)).toBe('2024-01-08T13:30:00.000Z');
    expect(add('2024-01-08T09:00:00Z', 420, split)).toBe('2024-01-08T17:00:00.000Z');
    expect(add('2024-01-08T09:00:00Z', 421, split)).toBe('2024-01-09T09:01:00.000Z');
  });

  it('ends at the end of the morning shift when exactly used up', () => {
    expect(add('2024-01-08T11:00:00Z', 60, split)).toBe('2024-01-08T12:00:00.000Z');
  });

  it('zero minutes during lunch gives the afternoon opening', () => {
    expect(add('2024-01-08T12:15:00Z', 0, split)).toBe('2024-01-08T13:00:00.000Z');
    expect(add('2024-01-08T12:00:00Z', 0, split)).toBe('2024-01-08T13:00:00.000Z');
  });

  it('counts both shifts', () => {
    expect(between('2024-01-08T09:00:00Z', '2024-01-08T17:00:00Z', split)).toBe(420);
    expect(between('2024-01-08T11:00:00Z', '2024-01-08T14:00:00Z', split)).toBe(120);
    expect(between('2024-01-08T12:10:00Z', '2024-01-08T12:50:00Z', split)).toBe(0);
  });

  it('treats touching intervals as continuous', () => {
    const touching = weekdays('UTC', [
      { start: '09:00', end: '12:00' },
      { start: '12:00', end: '17:00' },
    ]);
    expect(add('2024-01-08T11:30:00Z', 60, touching)).toBe('2024-01-08T12:30:00.000Z');
    expect(between('2024-01-08T09:00:00Z', '2024-01-08T17:00:00Z', touching)).toBe(480);
  });
});

describe('overnight shift with "24:00" end', () => {
  const night: BusinessHours = {
    timeZone: 'UTC',
    days: {
      0: [],
      1: [],
      2: [],
      3: [],
      4: [],
      5: [{ start: '22:00', end: '24:00' }],
      6: [{ start: '00:00', end: '02:00' }],
    },
  };

  it('runs across midnight', () => {
    // 2024-01-05 is a Friday.
    expect(add('2024-01-05T23:00:00Z', 120, night)).toBe('2024-01-06T01:00:00.000Z');
    expect(add('2024-01-05T22:00:00Z', 120, night)).toBe('2024-01-06T00:00:00.000Z');
    expect(add('2024-01-06T02:00:00Z', 1, night)).toBe('2024-01-12T22:01:00.000Z');
    expect(between('2024-01-05T00:00:00Z', '2024-01-07T00:00:00Z', night)).toBe(240);
  });
});

describe('DST with hours spanning the change (01:00-04:00 every day)', () => {
  describe('Europe/Lisbon', () => {
    const h = everyDay(LISBON, [{ start: '01:00', end: '04:00' }]);

    it('spring forward: 2024-03-31 local 01:00-02:00 does not exist, only 2h open', () => {
      // Saturday 30th (WET): [01:00Z, 04:00Z). Sunday 31st: 00:59:59 WET -> 02:00 WEST at 01:00Z,
      // so open [01:00Z, 03:00Z). Monday (WEST): [00:00Z, 03:00Z).
      expect(add('2024-03-31T00:00:00Z', 0, h)).toBe('2024-03-31T01:00:00.000Z');
      expect(add('2024-03-31T00:00:00Z', 60, h)).toBe('2024-03-31T02:00:00.000Z');
      expect(add('2024-03-31T00:00:00Z', 120, h)).toBe('2024-03-31T03:00:00.000Z');
      expect(add('2024-03-31T00:00:00Z', 121, h)).toBe('2024-04-01T00:01:00.000Z');
      expect(between('2024-03-30T12:00:00Z', '2024-03-31T12:00:00Z', h)).toBe(120);
      expect(between('2024-03-29T12:00:00Z', '2024-03-30T12:00:00Z', h)).toBe(180);
      expect(add('2024-03-30T03:00:00Z', 60, h)).toBe('2024-03-30T04:00:00.000Z');
      expect(add('2024-03-30T03:30:00Z', 60, h)).toBe('2024-03-31T01:30:00.000Z');
    });

    it('fall back: 2024-10-27 local 01:00-02:00 happens twice, 4h open', () => {
      // 01:00 WEST = 00:00Z ... 02:00 WEST -> 01:00 WET at 01:00Z ... 04:00 WET = 04:00Z.
      expect(add('2024-10-26T22:00:00Z', 0, h)).toBe('2024-10-27T00:00:00.000Z');
      expect(add('2024-10-27T00:00:00Z', 90, h)).toBe('2024-10-27T01:30:00.000Z');
      expect(add('2024-10-27T00:00:00Z', 240, h)).toBe('2024-10-27T04:00:00.000Z');
      expect(add('2024-10-27T00:00:00Z', 241, h)).toBe('2024-10-28T01:01:00.000Z');
      expect(between('2024-10-26T23:00:00Z', '2024-10-27T23:00:00Z', h)).toBe(240);
      expect(between('2024-10-27T00:30:00Z', '2024-10-27T01:30:00Z', h)).toBe(60);
    });
  });

  describe('America/New_York', () => {
    const h = everyDay(NEW_YORK, [{ start: '01:00', end: '04:00' }]);

    it('spring forward: 2024-03-10 02:00 EST -> 03:00 EDT at 07:00Z, 2h open', () => {
      // 01:00 EST = 06:00Z, 04:00 EDT = 08:00Z. Monday 01:00 EDT = 05:00Z.
      expect(add('2024-03-10T00:00:00Z', 0, h)).toBe('2024-03-10T06:00:00.000Z');
      expect(add('2024-03-10T06:30:00Z', 60, h)).toBe('2024-03-10T07:30:00.000Z');
      expect(add('2024-03-10T06:00:00Z', 120, h)).toBe('2024-03-10T08:00:00.000Z');
      expect(add('2024-03-10T06:00:00Z', 150, h)).toBe('2024-03-11T05:30:00.000Z');
      expect(between('2024-03-10T00:00:00Z', '2024-03-11T00:00:00Z', h)).toBe(120);
      // The day before (EST) and after (EDT) have the usual 3h.
      expect(between('2024-03-09T00:00:00Z', '2024-03-10T00:00:00Z', h)).toBe(180);
      expect(between('2024-03-11T00:00:00Z', '2024-03-12T00:00:00Z', h)).toBe(180);
    });

    it('fall back: 2024-11-03 02:00 EDT -> 01:00 EST at 06:00Z, 4h open', () => {
      // 01:00 EDT = 05:00Z ... 04:00 EST = 09:00Z.
      expect(add('2024-11-03T00:00:00Z', 0, h)).toBe('2024-11-03T05:00:00.000Z');
      expect(add('2024-11-03T05:00:00Z', 180, h)).toBe('2024-11-03T08:00:00.000Z');
      expect(add('2024-11-03T05:00:00Z', 240, h)).toBe('2024-11-03T09:00:00.000Z');
      expect(add('2024-11-03T05:00:00Z', 241, h)).toBe('2024-11-04T06:01:00.000Z');
      expect(between('2024-11-03T00:00:00Z', '2024-11-04T00:00:00Z', h)).toBe(240);
    });

    it('an interval starting inside the repeated hour is open for both passes of it', () => {
      // 01:30-02:30 on 2024-11-03: 01:30-02:00 EDT (05:30Z-06:00Z), then 01:00-01:30 EST
      // (06:00Z-06:30Z) is before the opening, then 01:30-02:30 EST (06:30Z-07:30Z).
      const late = everyDay(NEW_YORK, [{ start: '01:30', end: '02:30' }]);
      expect(between('2024-11-03T00:00:00Z', '2024-11-04T00:00:00Z', late)).toBe(90);
      expect(add('2024-11-03T05:30:00Z', 30, late)).toBe('2024-11-03T06:00:00.000Z');
      expect(add('2024-11-03T05:30:00Z', 31, late)).toBe('2024-11-03T06:31:00.000Z');
      expect(add('2024-11-03T06:10:00Z', 0, late)).toBe('2024-11-03T06:30:00.000Z');
    });

    it('an interval cut by the spring-forward gap keeps only its existing part', () => {
      // 01:30-02:30 on 2024-03-10: 01:30-02:00 EST (06:30Z-07:00Z) only.
      const late = everyDay(NEW_YORK, [{ start: '01:30', end: '02:30' }]);
      expect(between('2024-03-10T00:00:00Z', '2024-03-11T00:00:00Z', late)).toBe(30);
      expect(add('2024-03-10T06:30:00Z', 30, late)).toBe('2024-03-10T07:00:00.000Z');
      // Next opening: Monday 01:30 EDT = 05:30Z.
      expect(add('2024-03-10T06:30:00Z', 31, late)).toBe('2024-03-11T05:31:00.000Z');
      // An interval wholly inside the gap does not exist that day.
      const gap = everyDay(NEW_YORK, [{ start: '02:10', end: '02:50' }]);
      expect(between('2024-03-10T00:00:00Z', '2024-03-11T00:00:00Z', gap)).toBe(0);
      expect(add('2024-03-10T00:00:00Z', 0, gap)).toBe('2024-03-11T06:10:00.000Z');
    });

    it('9-to-5 across both changes', () => {
      const ny = WEEKDAYS_9_TO_5(NEW_YORK);
      // Fri 2024-03-08 16:00 EST = 21:00Z; Mon 2024-03-11 09:00 EDT = 13:00Z.
      expect(add('2024-03-08T21:00:00Z', 120, ny)).toBe('2024-03-11T14:00:00.000Z');
      // Fri 2024-11-01 16:00 EDT = 20:00Z; Mon 2024-11-04 09:00 EST = 14:00Z.
      expect(add('2024-11-01T20:00:00Z', 120, ny)).toBe('2024-11-04T15:00:00.000Z');
    });
  });

  it('also works for a zone with a 30-minute DST shift (Australia/Lord_Howe)', () => {
    // 2024-04-07 02:00 LHDT (+11) -> 01:30 LHST (+10:30) at 2024-04-06T15:00Z.
    const h = everyDay('Australia/Lord_Howe', [{ start: '01:00', end: '03:00' }]);
    // 01:00 LHDT = 14:00Z; 03:00 LHST = 16:30Z.
    expect(add('2024-04-06T12:00:00Z', 0, h)).toBe('2024-04-06T14:00:00.000Z');
    expect(between('2024-04-06T12:00:00Z', '2024-04-06T20:00:00Z', h)).toBe(150);
  });
});

describe('agreement with a minute-by-minute oracle', () => {
  const schedules: [string, BusinessHours][] = [
    ['Lisbon 9-17', lisbon9to5],
    ['Lisbon 01:00-04:00', everyDay(LISBON, [{ start: '01:00', end: '04:00' }])],
    [
      'New York split 00:30-02:30 + 03:00-24:00 with holiday',
      everyDay(
        NEW_YORK,
        [
          { start: '00:30', end: '02:30' },
          { start: '03:00', end: '24:00' },
        ],
        ['2024-11-04'],
      ),
    ],
  ];
  const windows = [
    ['2024-03-07T00:00:00Z', '2024-03-14T00:00:00Z'], // US spring forward
    ['2024-03-28T00:00:00Z', '2024-04-03T00:00:00Z'], // EU spring forward
    ['2024-10-24T00:00:00Z', '2024-10-30T00:00:00Z'], // EU fall back
    ['2024-11-01T00:00:00Z', '2024-11-06T00:00:00Z'], // US fall back
  ] as const;

  it.each(schedules)('%s', (_name, h) => {
    for (const [a, b] of windows) {
      expect(between(a, b, h)).toBe(bruteForceMinutes(d(a), d(b), h));
    }
  });
});

describe('property: businessMinutesBetween inverts addBusinessMinutes', () => {
  const schedules: [string, BusinessHours][] = [
    ['24x7 Lisbon', ALWAYS_OPEN(LISBON)],
    ['Lisbon 9-17 with holidays', { ...lisbon9to5, holidays: ['2024-04-25', '2024-12-25'] }],
    [
      'New York split shifts',
      weekdays(NEW_YORK, [
        { start: '09:00', end: '12:00' },
        { start: '13:00', end: '17:00' },
      ]),
    ],
    ['New York 01:00-04:00', everyDay(NEW_YORK, [{ start: '01:00', end: '04:00' }])],
    ['Lisbon 01:00-04:00', everyDay(LISBON, [{ start: '01:00', end: '04:00' }])],
  ];
  const yearStart = Date.UTC(2024, 0, 1);
  const year = 366 * 86_400_000;

  it.each(schedules)('%s', (_name, h) => {
    const random = rng(0x5eed ^ _name.length);
    for (let i = 0; i < 150; i++) {
      const anywhere = new Date(yearStart + Math.floor(random() * year));
      // A start strictly inside business hours (possibly with seconds and milliseconds).
      const s = addBusinessMinutes(anywhere, 0.001 + random() * 600, h);
      const m = Math.floor(random() * 20_000);
      const e = addBusinessMinutes(s, m, h);
      expect(businessMinutesBetween(s, e, h)).toBe(m);
      expect(e.getTime()).toBeGreaterThanOrEqual(s.getTime());
      // From outside hours too: the minutes before the first opening do not count.
      expect(businessMinutesBetween(anywhere, addBusinessMinutes(anywhere, m, h), h)).toBe(m);
      // Composition: adding m1 then m2 (> 0) is adding m1 + m2.
      const m1 = Math.floor(random() * 5_000);
      const m2 = 1 + Math.floor(random() * 5_000);
      expect(addBusinessMinutes(addBusinessMinutes(s, m1, h), m2, h).getTime()).toBe(
        addBusinessMinutes(s, m1 + m2, h).getTime(),
      );
    }
  });
});

describe('performance', () => {
  it('does not walk minute by minute (a year of business minutes)', () => {
    const started = Date.now();
    // 250 business days of 8 hours from Mon 2024-01-08 09:00Z, Portuguese-style holidays aside.
    const due = addBusinessMinutes(d('2024-01-08T09:00:00Z'), 250 * 480, lisbon9to5);
    expect(businessMinutesBetween(d('2024-01-08T09:00:00Z'), due, lisbon9to5)).toBe(250 * 480);
    // 250 weekdays = 50 weeks: Friday 2024-12-20, 17:00 WET.
    expect(due.toISOString()).toBe('2024-12-20T17:00:00.000Z');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('input checks', () => {
  it('rejects negative, NaN and infinite minutes', () => {
    for (const m of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => addBusinessMinutes(d('2024-01-08T09:00:00Z'), m, lisbon9to5)).toThrow(
        RangeError,
      );
    }
  });

  it('rejects invalid dates', () => {
    expect(() => addBusinessMinutes(new Date('nope'), 1, lisbon9to5)).toThrow(RangeError);
    expect(() => businessMinutesBetween(new Date('nope'), new Date(), lisbon9to5)).toThrow(
      RangeError,
    );
  });

  it('rejects invalid business hours with the list of problems', () => {
    const bad = { ...lisbon9to5, timeZone: 'Mars/Olympus_Mons' };
    expect(() => addBusinessMinutes(d('2024-01-08T09:00:00Z'), 1, bad)).toThrow(/Mars/);
    expect(() => businessMinutesBetween(d('2024-01-08T09:00:00Z'), new Date(), bad)).toThrow(
      RangeError,
    );
  });

  it('refuses to add on a schedule that is never open, but counts 0 between', () => {
    const closed = weekdays('UTC', []);
    expect(() => addBusinessMinutes(d('2024-01-08T09:00:00Z'), 0, closed)).toThrow(/no open/);
    expect(between('2024-01-01T00:00:00Z', '2024-02-01T00:00:00Z', closed)).toBe(0);
  });
});

describe('validateBusinessHours', () => {
  const valid = (): BusinessHours => WEEKDAYS_9_TO_5(LISBON);

  it('accepts valid definitions', () => {
    expect(validateBusinessHours(valid())).toEqual([]);
    expect(validateBusinessHours({ ...valid(), holidays: ['2024-02-29', '2025-12-25'] })).toEqual(
      [],
    );
    expect(validateBusinessHours(everyDay('UTC', [{ start: '00:00', end: '24:00' }]))).toEqual([]);
    expect(
      validateBusinessHours(
        everyDay(NEW_YORK, [
          { start: '09:00', end: '12:00' },
          { start: '12:00', end: '17:00' },
        ]),
      ),
    ).toEqual([]);
  });

  it('requires the intervals of a day in ascending order', () => {
    expect(
      validateBusinessHours(
        weekdays(NEW_YORK, [
          { start: '12:00', end: '17:00' },
          { start: '09:00', end: '12:00' },
        ]),
      ),
    ).toEqual(
      [1, 2, 3, 4, 5].map((d) => `days.${d}: intervals must be in ascending order of start`),
    );
  });

  it.each([null, undefined, 42, 'Europe/Lisbon', []])('rejects non-object %j', (value) => {
    expect(validateBusinessHours(value)).toEqual(['business hours must be an object']);
  });

  it('reports a bad or missing time zone', () => {
    expect(validateBusinessHours({ ...valid(), timeZone: 'Europe/Atlantis' })).toEqual([
      'timeZone: "Europe/Atlantis" is not a valid IANA time zone',
    ]);
    expect(validateBusinessHours({ ...valid(), timeZone: '' })).toHaveLength(1);
    expect(validateBusinessHours({ days: valid().days })).toEqual(['timeZone: must be a string']);
  });

  it('reports malformed HH:MM', () => {
    const h = valid();
    h.days[1] = [{ start: '9:00', end: '17:00' }];
    h.days[2] = [{ start: '09:00', end: '25:00' }];
    h.days[3] = [{ start: '09:60', end: '17:00' }];
    h.days[4] = [{ start: '24:00', end: '24:00' }];
    h.days[5] = [{ start: '09:00', end: '24:01' }];
    expect(validateBusinessHours(h)).toEqual([
      'days.1[0].start: "9:00" is not HH:MM (00:00-23:59)',
      'days.2[0].end: "25:00" is not HH:MM (00:00-24:00)',
      'days.3[0].start: "09:60" is not HH:MM (00:00-23:59)',
      'days.4[0].start: "24:00" is not HH:MM (00:00-23:59)',
      'days.5[0].end: "24:01" is not HH:MM (00:00-24:00)',
    ]);
  });

  it('reports start >= end', () => {
    const h = valid();
    h.days[1] = [{ start: '17:00', end: '09:00' }];
    h.days[2] = [{ start: '09:00', end: '09:00' }];
    expect(validateBusinessHours(h)).toEqual([
      'days.1[0]: start 17:00 must be before end 09:00',
      'days.2[0]: start 09:00 must be before end 09:00',
    ]);
  });

  it('reports overlapping intervals but allows touching ones', () => {
    const h = valid();
    h.days[1] = [
      { start: '09:00', end: '13:30' },
      { start: '13:00', end: '17:00' },
    ];
    h.days[2] = [
      { start: '09:00', end: '12:00' },
      { start: '12:00', end: '17:00' },
    ];
    expect(validateBusinessHours(h)).toEqual([
      'days.1: intervals 09:00-13:30 and 13:00-17:00 overlap',
    ]);
  });

  it('reports unknown and missing day keys', () => {
    const h: unknown = {
      timeZone: LISBON,
      days: { 1: [], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [], mon: [] },
    };
    expect(validateBusinessHours(h)).toEqual([
      'days: unknown day key "7"',
      'days: unknown day key "mon"',
      'days.0: missing (use [] for a closed day)',
    ]);
  });

  it('reports structural problems', () => {
    expect(validateBusinessHours({ timeZone: 'UTC' })).toEqual([
      'days: must be an object keyed 0 (Sunday) to 6 (Saturday)',
    ]);
    const h: unknown = {
      ...valid(),
      days: { ...valid().days, 1: 'all day', 2: [null] },
    };
    expect(validateBusinessHours(h)).toEqual([
      'days.1: must be an array of { start, end }',
      'days.2[0]: must be an object { start, end }',
    ]);
  });

  it('reports bad holidays', () => {
    expect(
      validateBusinessHours({ ...valid(), holidays: ['2024-02-30', '2023-02-29', '24-12-25', 7] }),
    ).toEqual([
      'holidays[0]: "2024-02-30" is not a valid YYYY-MM-DD date',
      'holidays[1]: "2023-02-29" is not a valid YYYY-MM-DD date',
      'holidays[2]: "24-12-25" is not a valid YYYY-MM-DD date',
      'holidays[3]: 7 is not a valid YYYY-MM-DD date',
    ]);
    expect(validateBusinessHours({ ...valid(), holidays: '2024-12-25' })).toEqual([
      'holidays: must be an array of YYYY-MM-DD dates',
    ]);
  });
});

describe('slaState', () => {
  // Lisbon in January is UTC+0, so local times equal the Z times below.
  // Created Mon 2024-01-08 10:00; first response 60 min (due 11:00), resolution 480 min
  // (7h left Monday, 1h Tuesday: due Tue 10:00).
  type Input = Parameters<typeof slaState>[0];
  const base: Input = {
    createdAt: d('2024-01-08T10:00:00Z'),
    firstResponseMinutes: 60,
    resolutionMinutes: 480,
    firstRespondedAt: null,
    resolvedAt: null,
    pauses: [],
    now: d('2024-01-08T10:30:00Z'),
    hours: lisbon9to5,
  };
  const state = (over: Partial<Input>) => {
    const s = slaState({ ...base, ...over });
    return {
      ...s,
      firstResponseDueAt: iso(s.firstResponseDueAt),
      resolutionDueAt: iso(s.resolutionDueAt),
      pausedAt: iso(s.pausedAt),
    };
  };

  it('without pauses: due times from createdAt, nothing breached yet', () => {
    expect(state({})).toEqual({
      firstResponseDueAt: '2024-01-08T11:00:00.000Z',
      resolutionDueAt: '2024-01-09T10:00:00.000Z',
      pausedAt: null,
      firstResponseBreached: false,
      resolutionBreached: false,
      breached: false,
    });
  });

  it('breaches only once now is strictly after due', () => {
    expect(state({ now: d('2024-01-08T11:00:00Z') }).firstResponseBreached).toBe(false);
    const late = state({ now: d('2024-01-08T11:00:01Z') });
    expect(late.firstResponseBreached).toBe(true);
    expect(late.resolutionBreached).toBe(false);
    expect(late.breached).toBe(true);
  });

  it('a response on time stays met forever', () => {
    const s = state({
      firstRespondedAt: d('2024-01-08T10:45:00Z'),
      now: d('2024-01-08T16:00:00Z'),
    });
    expect(s.firstResponseBreached).toBe(false);
    expect(s.breached).toBe(false);
    // Exactly at due is on time.
    const atDue = state({
      firstRespondedAt: d('2024-01-08T11:00:00Z'),
      now: d('2024-01-08T16:00:00Z'),
    });
    expect(atDue.firstResponseBreached).toBe(false);
  });

  it('a late response is breached', () => {
    const s = state({
      firstRespondedAt: d('2024-01-08T11:30:00Z'),
      now: d('2024-01-08T12:00:00Z'),
    });
    expect(s.firstResponseBreached).toBe(true);
    expect(s.breached).toBe(true);
  });

  it('late resolution is breached, on-time resolution is not', () => {
    const late = state({
      firstRespondedAt: d('2024-01-08T10:10:00Z'),
      resolvedAt: d('2024-01-09T11:00:00Z'),
      now: d('2024-01-10T12:00:00Z'),
    });
    expect(late).toMatchObject({
      resolutionDueAt: '2024-01-09T10:00:00.000Z',
      firstResponseBreached: false,
      resolutionBreached: true,
      breached: true,
    });
    const onTime = state({
      firstRespondedAt: d('2024-01-08T10:10:00Z'),
      resolvedAt: d('2024-01-09T09:59:00Z'),
      now: d('2024-02-01T12:00:00Z'),
    });
    expect(onTime.resolutionBreached).toBe(false);
    expect(onTime.breached).toBe(false);
  });

  it('an unresolved ticket breaches resolution once now passes due', () => {
    const s = state({
      firstRespondedAt: d('2024-01-08T10:10:00Z'),
      now: d('2024-01-09T10:00:01Z'),
    });
    expect(s.resolutionBreached).toBe(true);
    expect(s.firstResponseBreached).toBe(false);
  });

  it('a closed pause moves due times later by its business minutes', () => {
    // Paused 10:30-12:00 (90 business minutes).
    const s = state({
      pauses: [{ start: d('2024-01-08T10:30:00Z'), end: d('2024-01-08T12:00:00Z') }],
      now: d('2024-01-08T12:15:00Z'),
    });
    expect(s).toEqual({
      firstResponseDueAt: '2024-01-08T12:30:00.000Z',
      resolutionDueAt: '2024-01-09T11:30:00.000Z',
      pausedAt: null,
      firstResponseBreached: false,
      resolutionBreached: false,
      breached: false,
    });
  });

  it('a pause over closed hours only counts its business minutes', () => {
    // Created Fri 2024-01-05 16:00, paused Fri 16:30 - Mon 10:00: 30 + 60 business minutes.
    const s = state({
      createdAt: d('2024-01-05T16:00:00Z'),
      pauses: [{ start: d('2024-01-05T16:30:00Z'), end: d('2024-01-08T10:00:00Z') }],
      now: d('2024-01-08T10:05:00Z'),
    });
    // First response: 30 min Fri before the pause, 30 more from Mon 10:00.
    expect(s.firstResponseDueAt).toBe('2024-01-08T10:30:00.000Z');
    // Resolution: 30 before the pause, 450 from Mon 10:00 = 420 Mon + 30 Tue.
    expect(s.resolutionDueAt).toBe('2024-01-09T09:30:00.000Z');
    expect(s.breached).toBe(false);
  });

  it('a pause that starts after the due time does not move it', () => {
    const s = state({
      pauses: [{ start: d('2024-01-08T11:30:00Z'), end: d('2024-01-08T12:00:00Z') }],
      now: d('2024-01-08T12:30:00Z'),
    });
    expect(s.firstResponseDueAt).toBe('2024-01-08T11:00:00.000Z');
    expect(s.firstResponseBreached).toBe(true);
    // Resolution was not due yet: moved by the 30 paused minutes.
    expect(s.resolutionDueAt).toBe('2024-01-09T10:30:00.000Z');
    expect(s.resolutionBreached).toBe(false);
  });

  it('an open pause: paused now, due shown as if the clock resumed now', () => {
    const s = state({
      pauses: [{ start: d('2024-01-08T10:30:00Z'), end: null }],
      now: d('2024-01-08T14:00:00Z'),
    });
    expect(s).toEqual({
      pausedAt: '2024-01-08T10:30:00.000Z',
      // 30 minutes were left at 10:30.
      firstResponseDueAt: '2024-01-08T14:30:00.000Z',
      // 450 left: 180 Monday (14:00-17:00) + 270 Tuesday.
      resolutionDueAt: '2024-01-09T13:30:00.000Z',
      firstResponseBreached: false,
      resolutionBreached: false,
      breached: false,
    });
  });

  it('never breaches while paused if the due time had not passed when the pause began', () => {
    const s = state({
      pauses: [{ start: d('2024-01-08T10:30:00Z'), end: null }],
      now: d('2024-01-15T12:00:00Z'),
    });
    expect(s.pausedAt).toBe('2024-01-08T10:30:00.000Z');
    expect(s.firstResponseDueAt).toBe('2024-01-15T12:30:00.000Z');
    expect(s.breached).toBe(false);
  });

  it('a breach reached before the current pause stays breached', () => {
    // First response was due 11:00; the ticket was put on hold at 11:30 without a response.
    const s = state({
      pauses: [{ start: d('2024-01-08T11:30:00Z'), end: null }],
      now: d('2024-01-08T15:00:00Z'),
    });
    expect(s).toEqual({
      pausedAt: '2024-01-08T11:30:00.000Z',
      firstResponseDueAt: '2024-01-08T11:00:00.000Z',
      // 90 business minutes ran before the pause; 390 left from now: 120 Mon + 270 Tue.
      resolutionDueAt: '2024-01-09T13:30:00.000Z',
      firstResponseBreached: true,
      resolutionBreached: false,
      breached: true,
    });
  });

  it('a breach reached before an earlier closed pause stays breached after it', () => {
    const s = state({
      pauses: [
        { start: d('2024-01-08T11:30:00Z'), end: d('2024-01-08T12:00:00Z') },
        { start: d('2024-01-08T13:00:00Z'), end: null },
      ],
      now: d('2024-01-08T15:00:00Z'),
    });
    expect(s.firstResponseBreached).toBe(true);
    expect(s.pausedAt).toBe('2024-01-08T13:00:00.000Z');
  });

  it('target used up exactly when the pause starts: not breached while paused, breached after', () => {
    const paused = state({
      pauses: [{ start: d('2024-01-08T11:00:00Z'), end: null }],
      now: d('2024-01-08T13:00:00Z'),
    });
    expect(paused.firstResponseDueAt).toBe('2024-01-08T11:00:00.000Z');
    expect(paused.firstResponseBreached).toBe(false);
    const resumed = state({
      pauses: [{ start: d('2024-01-08T11:00:00Z'), end: d('2024-01-08T13:00:00Z') }],
      now: d('2024-01-08T13:00:01Z'),
    });
    expect(resumed.firstResponseBreached).toBe(true);
  });

  it('merges overlapping pauses and ignores time before createdAt', () => {
    const s = state({
      pauses: [
        { start: d('2024-01-08T09:00:00Z'), end: d('2024-01-08T10:15:00Z') }, // 15 min counted
        { start: d('2024-01-08T10:30:00Z'), end: d('2024-01-08T11:30:00Z') },
        { start: d('2024-01-08T11:00:00Z'), end: d('2024-01-08T12:00:00Z') }, // overlaps
      ],
      now: d('2024-01-08T12:05:00Z'),
    });
    // Active: 10:15-10:30 (15 min), then from 12:00: 45 more -> 12:45.
    expect(s.firstResponseDueAt).toBe('2024-01-08T12:45:00.000Z');
    // Paused total 15 + 90 = 105 -> resolution due Tue 10:00 + 105 min = 11:45.
    expect(s.resolutionDueAt).toBe('2024-01-09T11:45:00.000Z');
  });

  it('pauses after the first response do not move the first-response due time', () => {
    const s = state({
      firstRespondedAt: d('2024-01-08T10:15:00Z'),
      pauses: [{ start: d('2024-01-08T10:30:00Z'), end: d('2024-01-08T12:00:00Z') }],
      now: d('2024-01-08T13:00:00Z'),
    });
    expect(s.firstResponseDueAt).toBe('2024-01-08T11:00:00.000Z');
    expect(s.resolutionDueAt).toBe('2024-01-09T11:30:00.000Z');
    expect(s.breached).toBe(false);
  });

  it('resolved while paused, before the due time: met', () => {
    const s = state({
      firstRespondedAt: d('2024-01-08T10:05:00Z'),
      pauses: [{ start: d('2024-01-08T11:00:00Z'), end: null }],
      resolvedAt: d('2024-01-12T12:00:00Z'),
      now: d('2024-01-12T12:00:00Z'),
    });
    expect(s.resolutionBreached).toBe(false);
    expect(s.breached).toBe(false);
  });

  it('null targets have no due time and never breach', () => {
    const s = state({
      firstResponseMinutes: null,
      resolutionMinutes: null,
      now: d('2025-01-01T00:00:00Z'),
    });
    expect(s).toEqual({
      firstResponseDueAt: null,
      resolutionDueAt: null,
      pausedAt: null,
      firstResponseBreached: false,
      resolutionBreached: false,
      breached: false,
    });
  });

  it('a ticket created on a weekend starts its clock on Monday', () => {
    const s = state({
      createdAt: d('2024-01-06T15:00:00Z'),
      now: d('2024-01-08T09:30:00Z'),
    });
    expect(s.firstResponseDueAt).toBe('2024-01-08T10:00:00.000Z');
    expect(s.resolutionDueAt).toBe('2024-01-08T17:00:00.000Z');
    expect(s.breached).toBe(false);
  });

  it('a zero target is due at the next opening', () => {
    const s = state({
      createdAt: d('2024-01-06T15:00:00Z'),
      firstResponseMinutes: 0,
      now: d('2024-01-08T09:00:01Z'),
    });
    expect(s.firstResponseDueAt).toBe('2024-01-08T09:00:00.000Z');
    expect(s.firstResponseBreached).toBe(true);
  });

  it('works across a DST change with 24x7 hours (real minutes)', () => {
    // Lisbon spring forward at 2024-03-31T01:00Z; 24x7, so business minutes are real minutes.
    const s = slaState({
      ...base,
      hours: ALWAYS_OPEN(LISBON),
      createdAt: d('2024-03-30T23:00:00Z'),
      firstResponseMinutes: 240,
      resolutionMinutes: 24 * 60,
      pauses: [{ start: d('2024-03-31T00:30:00Z'), end: d('2024-03-31T01:30:00Z') }],
      now: d('2024-03-31T02:00:00Z'),
    });
    expect(iso(s.firstResponseDueAt)).toBe('2024-03-31T04:00:00.000Z');
    expect(iso(s.resolutionDueAt)).toBe('2024-04-01T00:00:00.000Z');
  });

  it('rejects negative targets and invalid dates', () => {
    expect(() => slaState({ ...base, firstResponseMinutes: -5 })).toThrow(RangeError);
    expect(() => slaState({ ...base, now: new Date(Number.NaN) })).toThrow(RangeError);
    expect(() => slaState({ ...base, pauses: [{ start: new Date('bad'), end: null }] })).toThrow(
      RangeError,
    );
  });
});

describe('arithmetic due times equal a minute-by-minute reference walk', () => {
  /** Reference: walk minute by minute with the Intl oracle until `minutes` open minutes passed. */
  function referenceAdd(start: Date, minutes: number, hours: BusinessHours): string {
    const inHours = oracle(hours);
    let t = start.getTime();
    let left = minutes;
    for (let steps = 0; steps < 400_000; steps++, t += 60_000) {
      if (!inHours(t)) continue;
      if (left === 0) return new Date(t).toISOString();
      left--;
      if (left === 0) return new Date(t + 60_000).toISOString();
    }
    throw new Error('reference walk did not finish');
  }

  const zones = [LISBON, NEW_YORK, 'Australia/Lord_Howe', 'Asia/Gaza', 'UTC', 'Asia/Tokyo'];
  const hhmm = (m: number) =>
    m === 1440
      ? '24:00'
      : `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

  /** Up to 3 ordered, non-overlapping intervals on a day, on 5-minute marks, some ending at 24:00. */
  function randomDay(random: () => number): { start: string; end: string }[] {
    const count = Math.floor(random() * 4);
    const marks = Array.from({ length: count * 2 }, () => Math.floor(random() * 289) * 5)
      .sort((a, b) => a - b)
      .filter((m, i, all) => i === 0 || m !== all[i - 1]);
    const out: { start: string; end: string }[] = [];
    for (let i = 0; i + 1 < marks.length; i += 2) {
      if (marks[i]! < marks[i + 1]!)
        out.push({ start: hhmm(marks[i]!), end: hhmm(Math.min(marks[i + 1]!, 1440)) });
    }
    return out;
  }

  // Windows around the 2024 DST changes of the zones above (US, EU, Lord Howe, Gaza).
  const starts = [
    Date.UTC(2024, 2, 8),
    Date.UTC(2024, 2, 28),
    Date.UTC(2024, 3, 3),
    Date.UTC(2024, 3, 18),
    Date.UTC(2024, 9, 1),
    Date.UTC(2024, 9, 24),
    Date.UTC(2024, 10, 1),
  ];

  it('for random schedules, holidays, starts and targets', () => {
    const random = rng(0xd57);
    let checked = 0;
    for (let i = 0; i < 60; i++) {
      const zone = zones[i % zones.length]!;
      const days = {
        0: randomDay(random),
        1: randomDay(random),
        2: randomDay(random),
        3: randomDay(random),
        4: randomDay(random),
        5: randomDay(random),
        6: randomDay(random),
      };
      const week = Object.values(days)
        .flat()
        .reduce((sum, x) => {
          const [sh, sm] = x.start.split(':').map(Number);
          const [eh, em] = x.end.split(':').map(Number);
          return sum + (eh! * 60 + em!) - (sh! * 60 + sm!);
        }, 0);
      if (week < 120) continue; // the reference walk would be too long
      const start =
        starts[Math.floor(random() * starts.length)]! + Math.floor(random() * 5 * 1440) * 60_000;
      const holidays = Array.from({ length: Math.floor(random() * 4) }, () =>
        new Date(start + Math.floor(random() * 14) * 86_400_000).toISOString().slice(0, 10),
      );
      const hours: BusinessHours = { timeZone: zone, days, holidays };
      const minutes = Math.floor(random() * Math.min(week * 2, 6000));
      expect([zone, minutes, add(new Date(start).toISOString(), minutes, hours)]).toEqual([
        zone,
        minutes,
        referenceAdd(new Date(start), minutes, hours),
      ]);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('for the slowest schedule accepted (4 h a week) and the largest target, 2,190 weeks on', () => {
    // Sunday 00:00-04:00 in UTC: 525,600 minutes are exactly 2,190 Sundays.
    const sundays = weekdays('UTC', []);
    sundays.days[0] = [{ start: '00:00', end: '04:00' }];
    expect(validateBusinessHours(sundays)).toEqual([]);
    const from = d('2026-01-04T00:00:00Z'); // a Sunday
    const due = addBusinessMinutes(from, 525_600, sundays);
    expect(due.toISOString()).toBe(
      new Date(from.getTime() + 2_189 * 7 * 86_400_000 + 4 * 3_600_000).toISOString(),
    );
    // Every holiday on a Sunday pushes it a week further.
    const withHolidays = { ...sundays, holidays: ['2026-01-04', '2030-06-02', '2060-01-04'] };
    expect(addBusinessMinutes(from, 525_600, withHolidays).getTime()).toBe(
      due.getTime() + 3 * 7 * 86_400_000,
    );
    expect(businessMinutesBetween(from, due, sundays)).toBe(525_600);
  });

  it('in a DST zone over decades: between() inverts add(), and every local opening is 09:00', () => {
    const h = everyDay(NEW_YORK, [{ start: '09:00', end: '09:30' }]);
    const from = d('2026-03-01T12:00:00Z');
    for (const minutes of [30 * 365, 30 * 365 * 20, 30 * 365 * 40 + 7]) {
      const due = addBusinessMinutes(from, minutes, h);
      expect(businessMinutesBetween(from, due, h)).toBe(minutes);
      const local = new Intl.DateTimeFormat('en-US', {
        timeZone: NEW_YORK,
        hourCycle: 'h23',
        hour: '2-digit',
        minute: '2-digit',
      }).format(due);
      expect(['09:30', '09:07']).toContain(local);
    }
  });

  it('refuses a due time beyond the horizon instead of computing for ever', () => {
    const oneMinute = weekdays('UTC', [{ start: '09:00', end: '09:01' }]);
    expect(() => addBusinessMinutes(d('2026-01-05T00:00:00Z'), 525_600, oneMinute)).toThrow(
      /100 years/,
    );
  });
});

describe('validateBusinessHours: limits on what a tenant may store', () => {
  it('refuses unknown fields, at the top and in intervals', () => {
    expect(validateBusinessHours({ ...lisbon9to5, junk: 1 })).toEqual([
      'junk: unknown field "junk"',
    ]);
    const h = WEEKDAYS_9_TO_5(LISBON);
    (h.days[1][0]! as Record<string, unknown>).note = 'x';
    expect(validateBusinessHours(h)).toEqual(['days.1[0].note: unknown field "note"']);
  });

  it('requires 4 hours of open time a week', () => {
    const h = weekdays('UTC', []);
    h.days[3] = [{ start: '09:00', end: '12:59' }];
    expect(validateBusinessHours(h)).toEqual([
      'days: open 239 minutes a week; at least 240 (4 hours) are required',
    ]);
    h.days[3] = [{ start: '09:00', end: '13:00' }];
    expect(validateBusinessHours(h)).toEqual([]);
  });

  it('bounds the intervals per day, the holidays and the zone name', () => {
    const h = WEEKDAYS_9_TO_5(LISBON);
    h.days[6] = Array.from({ length: 13 }, (_, i) => ({
      start: `${String(i).padStart(2, '0')}:00`,
      end: `${String(i).padStart(2, '0')}:30`,
    }));
    expect(validateBusinessHours(h)).toEqual(['days.6: at most 12 intervals per day']);
    const many = Array.from({ length: 501 }, (_, i) =>
      new Date(Date.UTC(2030, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
    );
    expect(validateBusinessHours({ ...lisbon9to5, holidays: many })).toEqual([
      'holidays: at most 500 holidays',
    ]);
    expect(validateBusinessHours({ ...lisbon9to5, timeZone: 'x'.repeat(65) })).toEqual([
      'timeZone: must be at most 64 characters',
    ]);
  });
});
