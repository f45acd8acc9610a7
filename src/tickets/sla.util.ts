/**
 * SLA clocks measured in business minutes.
 *
 * Business hours are defined on the tenant's local wall clock (IANA zone, weekly schedule,
 * optional holidays). An instant is "in business hours" when its local date is not a holiday and
 * its local time of day falls in one of that weekday's intervals. Business minutes are the real
 * elapsed time spent inside that set, so DST changes are handled exactly:
 * - spring forward: skipped local times do not exist, so an interval spanning the gap is shorter;
 * - fall back: repeated local times occur twice, so an interval spanning the overlap is longer.
 *
 * Nothing here walks day by day or minute by minute: a tenant chooses the schedule and the
 * targets, and this code runs on the event loop, so its cost must not grow with them.
 * - On the wall clock, the business time before a wall instant is a closed formula: whole weeks
 *   times the weekly open time, plus the open time earlier in that week, minus the open time of
 *   the holidays before it (prefix sums over the sorted holidays, found by binary search).
 * - Between two zone-offset changes the wall clock moves with real time, so the business time of
 *   a real stretch is the difference of that formula at its two ends. Reaching a target inverts
 *   the formula (whole weeks at once, then the remainder; holidays by bisection on the monotone
 *   formula, about 40 steps).
 * - Offset changes come from `Intl.DateTimeFormat` only (no other time-zone data), found by
 *   sampling every 4 days and bisecting, and cached per zone in 180-day buckets (computed one per event-loop turn by
 *   `slaStateAsync`). So the work is
 *   bounded by the number of offset changes crossed (about two a year), not by the target.
 */

/** Opening hours per weekday, local time "HH:MM" (24h), end exclusive; 0 = Sunday ... 6 = Saturday. A day with [] is closed. "24:00" is allowed as an end. */
export interface BusinessHours {
  timeZone: string; // IANA, e.g. 'Europe/Lisbon'
  days: Record<0 | 1 | 2 | 3 | 4 | 5 | 6, { start: string; end: string }[]>;
  /** Local dates 'YYYY-MM-DD' that are closed all day (holidays). Optional. */
  holidays?: string[];
}

type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;
const WEEKDAYS: readonly Weekday[] = [0, 1, 2, 3, 4, 5, 6];

/** Accepted business hours are open at least this long in a regular week (4 hours). */
export const MIN_OPEN_MINUTES_PER_WEEK = 240;
/** At most this many intervals on one weekday. */
export const MAX_INTERVALS_PER_DAY = 12;
/** At most this many holidays. */
export const MAX_HOLIDAYS = 500;
/** A ticket's SLA clock may be stopped (pending, on hold) at most this many times. */
export const MAX_SLA_PAUSES = 200;
/** Longest accepted time-zone name (the longest IANA name is about 32 characters). */
export const MAX_TIME_ZONE_LENGTH = 64;

const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR_MS = 3_600_000;
const DAY = 86_400_000;
/**
 * Offsets are sampled this often when looking for changes. A change and its reversal closer
 * together than this would be missed; in the time-zone data shipped with Node (checked for every
 * zone, 1970-2100) the closest such pair is 6.96 days apart (Boa Vista 2000, Gaza 2040).
 */
const SAMPLE_STEP = 4 * DAY;
/** Offset changes are cached per zone in buckets of this many samples (180 days). */
const SAMPLES_PER_BUCKET = 45;
const BUCKET = SAMPLES_PER_BUCKET * SAMPLE_STEP;
const MAX_CACHED_BUCKETS = 50_000;
/** No computation looks further than this from its start (accepted settings stay under 60 years). */
const HORIZON = 100 * 366 * DAY;
/** Safety net on the segment loops: more offset changes than any zone has in the horizon. */
const MAX_SEGMENTS = 2_000;

/** 24x7 in the given zone (UTC by default). */
export const ALWAYS_OPEN = (timeZone = 'UTC'): BusinessHours => ({
  timeZone,
  days: {
    0: [{ start: '00:00', end: '24:00' }],
    1: [{ start: '00:00', end: '24:00' }],
    2: [{ start: '00:00', end: '24:00' }],
    3: [{ start: '00:00', end: '24:00' }],
    4: [{ start: '00:00', end: '24:00' }],
    5: [{ start: '00:00', end: '24:00' }],
    6: [{ start: '00:00', end: '24:00' }],
  },
});

/** Monday to Friday 09:00-17:00 in the given zone. */
export const WEEKDAYS_9_TO_5 = (timeZone: string): BusinessHours => ({
  timeZone,
  days: {
    0: [],
    1: [{ start: '09:00', end: '17:00' }],
    2: [{ start: '09:00', end: '17:00' }],
    3: [{ start: '09:00', end: '17:00' }],
    4: [{ start: '09:00', end: '17:00' }],
    5: [{ start: '09:00', end: '17:00' }],
    6: [],
  },
});

// ---------------------------------------------------------------------------------------------
// Validation

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Minutes since local midnight for "HH:MM"; "24:00" only when `allow24`. */
function parseClock(value: unknown, allow24: boolean): number | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const h = Number(m[1]!);
  const min = Number(m[2]!);
  if (h === 24 && min === 0) return allow24 ? 24 * 60 : null;
  if (h > 23 || min > 59) return null;
  return h * 60 + min;
}

/** Days since 1970-01-01 for a valid 'YYYY-MM-DD', else null (civil-calendar arithmetic, no Date). */
function parseLocalDate(value: unknown): number | null {
  if (typeof value !== 'string' || value.length !== 10) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const y = Number(m[1]!);
  const mo = Number(m[2]!);
  const d = Number(m[3]!);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (mo < 1 || mo > 12 || d < 1 || d > monthDays[mo - 1]!) return null;
  // Days from civil (H. Hinnant): years start in March so the leap day is last.
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function isValidTimeZone(zone: string): boolean {
  if (zone.trim() === '') return false;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** One problem with a business-hours definition: where (a path inside it, '' for the whole) and what. */
export interface BusinessHoursProblem {
  path: string;
  message: string;
}

const TOP_KEYS = new Set(['timeZone', 'days', 'holidays']);
const INTERVAL_KEYS = new Set(['start', 'end']);

/**
 * Every problem with a business-hours definition. `policy` adds the limits an API caller must
 * respect (intervals in ascending order, a minimum of open time per week); without it only what
 * the computation needs is checked.
 */
export function businessHoursProblems(h: unknown, policy = true): BusinessHoursProblem[] {
  if (!isRecord(h)) return [{ path: '', message: 'business hours must be an object' }];
  const problems: BusinessHoursProblem[] = [];
  const fail = (path: string, message: string) => problems.push({ path, message });

  for (const key of Object.keys(h)) {
    if (!TOP_KEYS.has(key)) fail(key, `unknown field ${JSON.stringify(key)}`);
  }

  if (typeof h.timeZone !== 'string') {
    fail('timeZone', 'must be a string');
  } else if (h.timeZone.length > MAX_TIME_ZONE_LENGTH) {
    fail('timeZone', `must be at most ${MAX_TIME_ZONE_LENGTH} characters`);
  } else if (!isValidTimeZone(h.timeZone)) {
    fail('timeZone', `${JSON.stringify(h.timeZone)} is not a valid IANA time zone`);
  }

  let weekMinutes = 0;
  let daysOk = false;
  const days = h.days;
  if (!isRecord(days)) {
    fail('days', 'must be an object keyed 0 (Sunday) to 6 (Saturday)');
  } else {
    daysOk = true;
    for (const key of Object.keys(days)) {
      if (!/^[0-6]$/.test(key)) {
        fail('days', `unknown day key ${JSON.stringify(key.slice(0, 20))}`);
        daysOk = false;
      }
    }
    for (const day of WEEKDAYS) {
      const list = days[String(day)];
      if (list === undefined) {
        fail(`days.${day}`, 'missing (use [] for a closed day)');
        daysOk = false;
        continue;
      }
      if (!Array.isArray(list)) {
        fail(`days.${day}`, 'must be an array of { start, end }');
        daysOk = false;
        continue;
      }
      if (list.length > MAX_INTERVALS_PER_DAY) {
        fail(`days.${day}`, `at most ${MAX_INTERVALS_PER_DAY} intervals per day`);
        daysOk = false;
        continue;
      }
      const ok: { start: number; end: number; label: string }[] = [];
      list.forEach((interval: unknown, i) => {
        const where = `days.${day}[${i}]`;
        if (!isRecord(interval)) {
          fail(where, 'must be an object { start, end }');
          daysOk = false;
          return;
        }
        for (const key of Object.keys(interval)) {
          if (!INTERVAL_KEYS.has(key)) {
            fail(
              `${where}.${key.slice(0, 40)}`,
              `unknown field ${JSON.stringify(key.slice(0, 40))}`,
            );
          }
        }
        const start = parseClock(interval.start, false);
        const end = parseClock(interval.end, true);
        const shown = (v: unknown) => JSON.stringify(typeof v === 'string' ? v.slice(0, 20) : v);
        if (start === null)
          fail(`${where}.start`, `${shown(interval.start)} is not HH:MM (00:00-23:59)`);
        if (end === null) fail(`${where}.end`, `${shown(interval.end)} is not HH:MM (00:00-24:00)`);
        if (start === null || end === null) {
          daysOk = false;
          return;
        }
        const label = `${String(interval.start)}-${String(interval.end)}`;
        if (start >= end) {
          fail(where, `start ${String(interval.start)} must be before end ${String(interval.end)}`);
          daysOk = false;
          return;
        }
        ok.push({ start, end, label });
      });
      let ordered = true;
      for (let i = 1; i < ok.length; i++) {
        const prev = ok[i - 1]!;
        const cur = ok[i]!;
        if (cur.start < prev.start) ordered = false;
      }
      if (!ordered && policy) {
        fail(`days.${day}`, 'intervals must be in ascending order of start');
        daysOk = false;
      }
      const sorted = [...ok].sort((a, b) => a.start - b.start);
      for (let i = 1; i < sorted.length; i++) {
        const prev = sorted[i - 1]!;
        const cur = sorted[i]!;
        if (cur.start < prev.end) {
          fail(`days.${day}`, `intervals ${prev.label} and ${cur.label} overlap`);
          daysOk = false;
        }
      }
      for (const i of ok) weekMinutes += i.end - i.start;
    }
  }
  if (policy && daysOk && weekMinutes < MIN_OPEN_MINUTES_PER_WEEK) {
    fail(
      'days',
      `open ${weekMinutes} minutes a week; at least ${MIN_OPEN_MINUTES_PER_WEEK} (4 hours) are required`,
    );
  }

  if (h.holidays !== undefined) {
    if (!Array.isArray(h.holidays)) {
      fail('holidays', 'must be an array of YYYY-MM-DD dates');
    } else if (h.holidays.length > MAX_HOLIDAYS) {
      fail('holidays', `at most ${MAX_HOLIDAYS} holidays`);
    } else {
      h.holidays.forEach((d: unknown, i) => {
        if (parseLocalDate(d) === null) {
          const shown = JSON.stringify(typeof d === 'string' ? d.slice(0, 20) : d);
          fail(`holidays[${i}]`, `${shown} is not a valid YYYY-MM-DD date`);
        }
      });
    }
  }
  return problems;
}

/** Problems with a business-hours definition as accepted from a tenant, as "path: message"; an empty list means it is valid. */
export function validateBusinessHours(h: unknown): string[] {
  return businessHoursProblems(h, true).map((p) =>
    p.path ? `${p.path}: ${p.message}` : p.message,
  );
}

/** Only the known fields of stored business hours (older rows may carry junk). */
export function pickBusinessHours(h: unknown): unknown {
  if (!isRecord(h)) return h;
  const days = isRecord(h.days)
    ? Object.fromEntries(
        Object.entries(h.days).map(([k, list]) => [
          k,
          Array.isArray(list)
            ? list.map((i: unknown) => (isRecord(i) ? { start: i.start, end: i.end } : i))
            : list,
        ]),
      )
    : h.days;
  return {
    timeZone: h.timeZone,
    days,
    ...(h.holidays !== undefined ? { holidays: h.holidays } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Zone offsets (Intl only)

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size >= 1_000) formatters.clear();
    formatters.set(zone, f);
  }
  return f;
}

// The first DateTimeFormat of a process loads ICU's data (about 100 ms): pay it when this module
// loads, at start-up, rather than in the first request that validates or computes business hours.
formatterFor('UTC').format(0);

const EN_US = /^(\d{1,2})\/(\d{1,2})\/(\d{4}), (\d{1,2}):(\d{2}):(\d{2})$/;

/** Offset (local wall clock minus UTC, in ms) at instant `t`, straight from Intl. */
function rawOffset(zone: string, t: number): number {
  const sec = Math.floor(t / SECOND) * SECOND;
  const f = formatterFor(zone);
  const wall = new Date(0);
  // format() is about three times faster than formatToParts(); the parts are the fallback.
  const m = EN_US.exec(f.format(new Date(sec)));
  if (m) {
    wall.setUTCFullYear(Number(m[3]!), Number(m[1]!) - 1, Number(m[2]!));
    wall.setUTCHours(Number(m[4]!) % 24, Number(m[5]!), Number(m[6]!), 0);
  } else {
    const v: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
    for (const part of f.formatToParts(new Date(sec))) v[part.type] = Number(part.value);
    wall.setUTCFullYear(v.year ?? 1970, (v.month ?? 1) - 1, v.day ?? 1);
    wall.setUTCHours((v.hour ?? 0) % 24, v.minute ?? 0, v.second ?? 0, 0);
  }
  return wall.getTime() - sec;
}

/** Zones that never change offset: no sampling needed. */
function isFixedZone(zone: string): boolean {
  const name = formatterFor(zone).resolvedOptions().timeZone;
  return /^(?:UTC|GMT|Etc\/.+|[+-]\d{2}(?::?\d{2})?)$/.test(name);
}

/** The offset at the start of a 180-day bucket and its changes inside it (instants ascending). */
interface Bucket {
  start: number;
  first: number;
  at: number[];
  after: number[];
}

/** Per zone: the buckets computed so far (by index), or the constant offset of a fixed zone. */
interface ZoneData {
  fixedOffset: number | null;
  buckets: Map<number, Bucket>;
}

const zones = new Map<string, ZoneData>();
let cachedBuckets = 0;

function zoneData(zone: string): ZoneData {
  let z = zones.get(zone);
  if (z === undefined) {
    z = { fixedOffset: isFixedZone(zone) ? rawOffset(zone, 0) : null, buckets: new Map() };
    if (zones.size >= 1_000) {
      zones.clear();
      cachedBuckets = 0;
    }
    zones.set(zone, z);
  }
  return z;
}

/** Samples one bucket: SAMPLES_PER_BUCKET + 1 Intl calls, plus about 20 per offset change in it. */
function computeBucket(zone: string, index: number): Bucket {
  const start = index * BUCKET;
  const first = rawOffset(zone, start);
  const at: number[] = [];
  const after: number[] = [];
  let prevT = start;
  let prevO = first;
  for (let k = 1; k <= SAMPLES_PER_BUCKET; k++) {
    const t = start + k * SAMPLE_STEP;
    const o = rawOffset(zone, t);
    let lo = prevT;
    let loO = prevO;
    // Each change in (lo, t] is found by bisection to the second, then the search goes on after it.
    while (o !== loO) {
      let a = lo;
      let b = t;
      while (b - a > SECOND) {
        const mid = a + Math.floor((b - a) / (2 * SECOND)) * SECOND;
        if (rawOffset(zone, mid) === loO) a = mid;
        else b = mid;
      }
      const ob = b === t ? o : rawOffset(zone, b);
      // A change exactly at the bucket's end is the next bucket's `first`.
      if (b < start + BUCKET) {
        at.push(b);
        after.push(ob);
      }
      lo = b;
      loO = ob;
    }
    prevT = t;
    prevO = o;
  }
  return { start, first, at, after };
}

function bucket(z: ZoneData, zone: string, index: number): Bucket {
  let b = z.buckets.get(index);
  if (b === undefined) {
    b = computeBucket(zone, index);
    if (cachedBuckets >= MAX_CACHED_BUCKETS) {
      for (const other of zones.values()) other.buckets.clear();
      cachedBuckets = 0;
    }
    z.buckets.set(index, b);
    cachedBuckets++;
  }
  return b;
}

function offsetAt(zone: string, t: number): number {
  const z = zoneData(zone);
  if (z.fixedOffset !== null) return z.fixedOffset;
  const b = bucket(z, zone, Math.floor(t / BUCKET));
  let offset = b.first;
  for (let i = 0; i < b.at.length && b.at[i]! <= t; i++) offset = b.after[i]!;
  return offset;
}

/** The first instant in (t, limit) whose offset differs from the offset at `t`, else `limit`. */
function nextOffsetChange(zone: string, t: number, limit: number): number {
  const z = zoneData(zone);
  if (z.fixedOffset !== null) return limit;
  let index = Math.floor(t / BUCKET);
  let current = offsetAt(zone, t);
  for (;;) {
    if (index * BUCKET >= limit) return limit;
    const b = bucket(z, zone, index);
    if (b.start > t && b.first !== current) return b.start;
    for (let i = 0; i < b.at.length; i++) {
      const at = b.at[i]!;
      if (at > t) return Math.min(at, limit);
    }
    current = b.at.length > 0 ? b.after[b.at.length - 1]! : b.first;
    index++;
  }
}

/**
 * Computes, a bucket per event-loop turn, the offset changes of `zone` in [from, until) that are
 * not cached yet, so that the synchronous computation after it finds them all cached. A bucket
 * costs at most a couple of milliseconds; a long horizon in a new zone costs many turns, not one
 * long block.
 */
async function warmZone(zone: string, from: number, until: number): Promise<void> {
  const z = zoneData(zone);
  if (z.fixedOffset !== null) return;
  const last = Math.floor(Math.min(until, from + HORIZON) / BUCKET);
  for (let index = Math.floor(from / BUCKET); index <= last; index++) {
    if (z.buckets.has(index)) continue;
    await new Promise<void>((resolve) => setImmediate(resolve));
    bucket(z, zone, index);
  }
}

// ---------------------------------------------------------------------------------------------
// The compiled schedule: business time before a wall-clock instant, as a formula

interface CompiledHours {
  zone: string;
  /** Per weekday, [start, end) in ms since local midnight, sorted. */
  days: (readonly [number, number])[][];
  /** Open ms per weekday, and the open ms of the weekdays before each (cum[7] = the week). */
  dayOpen: number[];
  cum: number[];
  week: number;
  /** Holidays as local day numbers (days since 1970-01-01), sorted, unique, open days only. */
  holidays: number[];
  /** holidayPrefix[i] = open ms of holidays[0..i). */
  holidayPrefix: number[];
}

const compiledCache = new Map<string, CompiledHours>();

/** Compiled hours, cached by content (validating 500 holidays on every call is wasted work). */
function compile(hours: BusinessHours): CompiledHours {
  let key: string | undefined;
  try {
    key = JSON.stringify(hours);
  } catch {
    key = undefined;
  }
  const cached = key === undefined ? undefined : compiledCache.get(key);
  if (cached !== undefined) return cached;
  const c = compileUncached(hours);
  if (key !== undefined) {
    if (compiledCache.size >= 100) compiledCache.clear();
    compiledCache.set(key, c);
  }
  return c;
}

function compileUncached(hours: BusinessHours): CompiledHours {
  const problems = businessHoursProblems(hours, false);
  if (problems.length > 0) {
    const text = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
    throw new RangeError(`Invalid business hours: ${text.join('; ')}`);
  }
  const days = WEEKDAYS.map((d) =>
    hours.days[d]
      .map((i): readonly [number, number] => [
        (parseClock(i.start, false) ?? 0) * MINUTE,
        (parseClock(i.end, true) ?? 0) * MINUTE,
      ])
      .sort((a, b) => a[0] - b[0]),
  );
  const dayOpen = days.map((list) => list.reduce((sum, [s, e]) => sum + (e - s), 0));
  const cum = [0];
  for (const open of dayOpen) cum.push(cum[cum.length - 1]! + open);
  const unique = new Set<number>();
  for (const h of hours.holidays ?? []) {
    const day = parseLocalDate(h);
    if (day !== null && dayOpen[weekdayOf(day)]! > 0) unique.add(day);
  }
  const holidays = [...unique].sort((a, b) => a - b);
  const holidayPrefix = [0];
  for (const day of holidays) {
    holidayPrefix.push(holidayPrefix[holidayPrefix.length - 1]! + dayOpen[weekdayOf(day)]!);
  }
  return { zone: hours.timeZone, days, dayOpen, cum, week: cum[7]!, holidays, holidayPrefix };
}

function weekdayOf(localDay: number): number {
  return (((localDay + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/** Open ms of weekday `wd` before `x` ms after local midnight. */
function openBefore(c: CompiledHours, wd: number, x: number): number {
  let sum = 0;
  for (const [s, e] of c.days[wd]!) {
    if (x <= s) break;
    sum += Math.min(x, e) - s;
  }
  return sum;
}

/** Number of holidays before local day `day` (binary search). */
function holidaysBefore(c: CompiledHours, day: number): number {
  let lo = 0;
  let hi = c.holidays.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (c.holidays[mid]! < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Business ms of the regular schedule (no holidays) before wall instant `w`, counted from the
 * Sunday 1969-12-28 (local day -4): whole weeks, then the days before in the week, then the day.
 */
function regularBefore(c: CompiledHours, w: number): number {
  const day = Math.floor(w / DAY);
  const m = day + 4;
  const weeks = Math.floor(m / 7);
  const wd = m - weeks * 7;
  return weeks * c.week + c.cum[wd]! + openBefore(c, wd, w - day * DAY);
}

/** Business ms before wall instant `w`, holidays removed: the formula everything rests on. */
function businessBefore(c: CompiledHours, w: number): number {
  const day = Math.floor(w / DAY);
  const i = holidaysBefore(c, day);
  let removed = c.holidayPrefix[i]!;
  if (c.holidays[i] === day) removed += openBefore(c, weekdayOf(day), w - day * DAY);
  return regularBefore(c, w) - removed;
}

/** The smallest wall instant w with regularBefore(w) >= v: whole weeks at once, then the remainder. */
function regularReach(c: CompiledHours, v: number): number {
  let weeks = Math.ceil(v / c.week) - 1;
  let r = v - weeks * c.week; // in (0, week]
  if (r <= 0) {
    weeks--;
    r += c.week;
  } else if (r > c.week) {
    weeks++;
    r -= c.week;
  }
  for (let wd = 0; wd < 7; wd++) {
    if (r > c.dayOpen[wd]!) {
      r -= c.dayOpen[wd]!;
      continue;
    }
    for (const [s, e] of c.days[wd]!) {
      if (r <= e - s) return (weeks * 7 + wd - 4) * DAY + s + r;
      r -= e - s;
    }
  }
  throw new Error('unreachable: remainder larger than a week');
}

/**
 * The smallest wall instant w in (lo, hi] with businessBefore(w) >= v, given
 * businessBefore(lo) < v <= businessBefore(hi): the monotone formula is bisected, about 40 steps
 * for 60 years, whatever the holidays.
 */
function reach(c: CompiledHours, lo: number, v: number, hi: number): number {
  let a = lo;
  let b = hi;
  while (b - a > 1) {
    const mid = a + Math.floor((b - a) / 2);
    if (businessBefore(c, mid) >= v) b = mid;
    else a = mid;
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// Real time: constant-offset segments

/** A wall instant by which `v` business ms are surely reached: every holiday counted as removed. */
function reachBound(c: CompiledHours, v: number): number {
  return regularReach(c, v + c.holidayPrefix[c.holidays.length]!);
}

/**
 * The instant `amount` business ms after `from` (a zero amount: the next opening at or after it).
 * Segment by segment between offset changes, three formula evaluations each; the target is
 * located (bisection) only in the segment that reaches it.
 */
function addBusinessMs(c: CompiledHours, from: number, amount: number): number {
  if (c.week === 0) throw new RangeError('Business hours have no open interval on any day');
  let t = from;
  let remaining = amount;
  for (let segments = 0; segments < MAX_SEGMENTS; segments++) {
    const offset = offsetAt(c.zone, t);
    const w0 = t + offset;
    const before = businessBefore(c, w0);
    // A zero target is due at the next opening: the instant just before 1 ms of business time.
    const need = remaining === 0 ? 1 : remaining;
    const bound = reachBound(c, before + need) - offset;
    if (bound - from > HORIZON) {
      throw new RangeError('The due time is more than 100 years away');
    }
    const change = nextOffsetChange(c.zone, t, bound);
    if (change < bound) {
      const available = businessBefore(c, change + offset) - before;
      if (available < need) {
        remaining -= available;
        t = change;
        continue;
      }
    }
    const hit = reach(c, w0, before + need, Math.min(change, bound) + offset) - offset;
    return remaining === 0 ? hit - 1 : hit;
  }
  throw new RangeError('Too many time-zone offset changes before the due time');
}

function businessMsBetween(c: CompiledHours, a: number, b: number): number {
  if (!(b > a)) return 0;
  if (b - a > HORIZON) throw new RangeError('The range is longer than 100 years');
  let total = 0;
  let t = a;
  for (let segments = 0; t < b; segments++) {
    if (segments >= MAX_SEGMENTS) throw new RangeError('Too many time-zone offset changes');
    const offset = offsetAt(c.zone, t);
    const next = nextOffsetChange(c.zone, t, b);
    total += businessBefore(c, next + offset) - businessBefore(c, t + offset);
    t = next;
  }
  return total;
}

function instant(d: Date, name: string): number {
  const t = d instanceof Date ? d.getTime() : Number.NaN;
  if (!Number.isFinite(t)) throw new RangeError(`${name} must be a valid Date`);
  return t;
}

function minutesToMs(minutes: number, name: string): number {
  if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${String(minutes)}`);
  }
  return Math.round(minutes * MINUTE);
}

// ---------------------------------------------------------------------------------------------
// Public API

/** The instant reached after `minutes` business minutes starting at `start` (if start is outside hours, counting begins at the next opening). minutes = 0 returns the next opening instant at or after start. */
export function addBusinessMinutes(start: Date, minutes: number, hours: BusinessHours): Date {
  const from = instant(start, 'start');
  const amount = minutesToMs(minutes, 'minutes');
  return new Date(addBusinessMs(compile(hours), from, amount));
}

/** Business minutes elapsed between a and b (0 if b <= a). Fractional when a or b is not on a whole minute. */
export function businessMinutesBetween(a: Date, b: Date, hours: BusinessHours): number {
  const from = instant(a, 'a');
  const to = instant(b, 'b');
  return businessMsBetween(compile(hours), from, to) / MINUTE;
}

/**
 * Due instant of a target of `target` active business ms counted from `created`, where `pauses`
 * (sorted, merged, clipped to >= created) stop the clock.
 */
function dueWithPauses(
  c: CompiledHours,
  created: number,
  target: number,
  pauses: readonly (readonly [number, number])[],
): number {
  let t = created;
  let remaining = target;
  for (const [ps, pe] of pauses) {
    if (pe <= t) continue;
    if (ps > t) {
      const available = businessMsBetween(c, t, ps);
      // The target is reached before this pause starts (or, for a zero target, the clock opens).
      if (remaining > 0 ? available >= remaining : available > 0) {
        return addBusinessMs(c, t, remaining);
      }
      remaining -= available;
    }
    t = pe;
  }
  return addBusinessMs(c, t, remaining);
}

/** Pauses clipped to [from, to] (open ones end at `now`), sorted and merged. */
function normalizePauses(
  pauses: readonly { start: Date; end: Date | null }[],
  from: number,
  to: number,
  now: number,
): [number, number][] {
  const clipped: [number, number][] = [];
  pauses.forEach((p, i) => {
    const s = Math.max(instant(p.start, `pauses[${i}].start`), from);
    const e = Math.min(p.end === null ? now : instant(p.end, `pauses[${i}].end`), to);
    if (e > s) clipped.push([s, e]);
  });
  clipped.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [s, e] of clipped) {
    const last = merged[merged.length - 1]!;
    if (last !== undefined && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged;
}

/**
 * The SLA state of a ticket from its history.
 * `pauses` are intervals when the clock was stopped (ticket pending/on_hold); the last may be open (end null = paused now).
 * Due times move later by the business minutes spent paused before they were reached.
 */
export function slaState(input: {
  createdAt: Date;
  firstResponseMinutes: number | null; // null = no target
  resolutionMinutes: number | null;
  firstRespondedAt: Date | null;
  resolvedAt: Date | null;
  pauses: { start: Date; end: Date | null }[];
  now: Date;
  hours: BusinessHours;
}): {
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  pausedAt: Date | null; // start of the open pause, if paused now
  firstResponseBreached: boolean; // responded after due, or not responded and now > due (never while paused... a breach already reached stays breached)
  resolutionBreached: boolean;
  breached: boolean; // either
} {
  const c = compile(input.hours);
  const created = instant(input.createdAt, 'createdAt');
  const now = instant(input.now, 'now');

  let pausedAt: number | null = null;
  for (const [i, p] of input.pauses.entries()) {
    if (p.end !== null) continue;
    const s = instant(p.start, `pauses[${i}].start`);
    if (s <= now && (pausedAt === null || s < pausedAt)) pausedAt = s;
  }

  const clock = (
    minutes: number | null,
    eventAt: Date | null,
    name: string,
  ): { due: number | null; breached: boolean } => {
    if (minutes === null) return { due: null, breached: false };
    const target = minutesToMs(minutes, name);
    const event = eventAt === null ? null : instant(eventAt, `${name} event`);
    // Once the event happened, later pauses no longer move its due time.
    const pauses = normalizePauses(input.pauses, created, event ?? now, now);
    const due = dueWithPauses(c, created, target, pauses);
    let breached: boolean;
    if (event !== null) breached = event > due;
    else if (pausedAt !== null)
      breached = due < pausedAt; // already overdue when the pause began
    else breached = now > due;
    return { due, breached };
  };

  const fr = clock(input.firstResponseMinutes, input.firstRespondedAt, 'firstResponseMinutes');
  const res = clock(input.resolutionMinutes, input.resolvedAt, 'resolutionMinutes');
  return {
    firstResponseDueAt: fr.due === null ? null : new Date(fr.due),
    resolutionDueAt: res.due === null ? null : new Date(res.due),
    pausedAt: pausedAt === null ? null : new Date(pausedAt),
    firstResponseBreached: fr.breached,
    resolutionBreached: res.breached,
    breached: fr.breached || res.breached,
  };
}

/**
 * `slaState`, after computing on separate event-loop turns the zone-offset data it will need
 * (see `warmZone`). Request handlers use this one: a tenant's first ticket in a new zone with a
 * far-away due time must not block the loop while decades of offsets are sampled.
 */
export async function slaStateAsync(
  input: Parameters<typeof slaState>[0],
): Promise<ReturnType<typeof slaState>> {
  const c = compile(input.hours);
  const created = instant(input.createdAt, 'createdAt');
  const now = instant(input.now, 'now');
  if (c.week > 0) {
    let paused = 0;
    for (const p of input.pauses) {
      const end = p.end === null ? now : p.end.getTime();
      const start = p.start.getTime();
      if (end > start) paused += end - start;
    }
    const target = Math.max(
      0,
      ...[input.firstResponseMinutes, input.resolutionMinutes].map((m) =>
        m === null || !Number.isFinite(m) || m < 0 ? 0 : Math.round(m * MINUTE),
      ),
    );
    // An upper bound of every due time: paused business time is at most the paused real time, the
    // holidays at most remove their open time, the wall clock is at most 14 h ahead of UTC and
    // 12 h behind, and DST overlaps are covered by the extra days.
    const wall = regularBefore(c, created + 14 * HOUR_MS) + target + paused;
    if (Number.isFinite(wall) && Number.isFinite(now)) {
      const bound = regularReach(c, wall + c.holidayPrefix[c.holidays.length]!) + 12 * HOUR_MS;
      await warmZone(c.zone, created - DAY, Math.max(bound, now) + 2 * DAY);
    }
  }
  return slaState(input);
}
