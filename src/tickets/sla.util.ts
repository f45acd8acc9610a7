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
 * Zone offsets come from `Intl.DateTimeFormat` only, cached per (zone, UTC hour). Computations walk
 * interval by interval and day by day, never minute by minute.
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

const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Offsets are sampled this often when looking for the next transition (no zone changes twice within it). */
const SAMPLE_STEP = 6 * HOUR;
/** Longest stretch of time assumed to have a constant offset before it is re-checked. */
const CHUNK = 7 * DAY;
const MAX_CACHED_HOURS_PER_ZONE = 100_000;

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
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h === 24 && min === 0) return allow24 ? 24 * 60 : null;
  if (h > 23 || min > 59) return null;
  return h * 60 + min;
}

/** Days since 1970-01-01 for a valid 'YYYY-MM-DD', else null. */
function parseLocalDate(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const probe = new Date(0);
  probe.setUTCFullYear(y, mo - 1, d);
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) {
    return null;
  }
  return Math.floor(probe.getTime() / DAY);
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

/** Problems with a business-hours definition; an empty list means it is valid. */
export function validateBusinessHours(h: unknown): string[] {
  if (!isRecord(h)) return ['business hours must be an object'];
  const problems: string[] = [];

  if (typeof h.timeZone !== 'string') {
    problems.push('timeZone: must be a string');
  } else if (!isValidTimeZone(h.timeZone)) {
    problems.push(`timeZone: ${JSON.stringify(h.timeZone)} is not a valid IANA time zone`);
  }

  const days = h.days;
  if (!isRecord(days)) {
    problems.push('days: must be an object keyed 0 (Sunday) to 6 (Saturday)');
  } else {
    for (const key of Object.keys(days)) {
      if (!/^[0-6]$/.test(key)) problems.push(`days: unknown day key ${JSON.stringify(key)}`);
    }
    for (const day of WEEKDAYS) {
      const list = days[String(day)];
      if (list === undefined) {
        problems.push(`days.${day}: missing (use [] for a closed day)`);
        continue;
      }
      if (!Array.isArray(list)) {
        problems.push(`days.${day}: must be an array of { start, end }`);
        continue;
      }
      const ok: { start: number; end: number; label: string }[] = [];
      list.forEach((interval: unknown, i) => {
        const where = `days.${day}[${i}]`;
        if (!isRecord(interval)) {
          problems.push(`${where}: must be an object { start, end }`);
          return;
        }
        const start = parseClock(interval.start, false);
        const end = parseClock(interval.end, true);
        if (start === null) {
          problems.push(
            `${where}.start: ${JSON.stringify(interval.start)} is not HH:MM (00:00-23:59)`,
          );
        }
        if (end === null) {
          problems.push(`${where}.end: ${JSON.stringify(interval.end)} is not HH:MM (00:00-24:00)`);
        }
        if (start === null || end === null) return;
        const label = `${String(interval.start)}-${String(interval.end)}`;
        if (start >= end) {
          problems.push(
            `${where}: start ${String(interval.start)} must be before end ${String(interval.end)}`,
          );
          return;
        }
        ok.push({ start, end, label });
      });
      ok.sort((a, b) => a.start - b.start);
      for (let i = 1; i < ok.length; i++) {
        const prev = ok[i - 1];
        const cur = ok[i];
        if (prev !== undefined && cur !== undefined && cur.start < prev.end) {
          problems.push(`days.${day}: intervals ${prev.label} and ${cur.label} overlap`);
        }
      }
    }
  }

  if (h.holidays !== undefined) {
    if (!Array.isArray(h.holidays)) {
      problems.push('holidays: must be an array of YYYY-MM-DD dates');
    } else {
      h.holidays.forEach((d: unknown, i) => {
        if (parseLocalDate(d) === null) {
          problems.push(`holidays[${i}]: ${JSON.stringify(d)} is not a valid YYYY-MM-DD date`);
        }
      });
    }
  }
  return problems;
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
    formatters.set(zone, f);
  }
  return f;
}

/** Offset (local wall clock minus UTC, in ms) at instant `t`, straight from Intl. */
function rawOffset(zone: string, t: number): number {
  const sec = Math.floor(t / SECOND) * SECOND;
  const v: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of formatterFor(zone).formatToParts(new Date(sec))) {
    v[part.type] = Number(part.value);
  }
  const wall = new Date(0);
  wall.setUTCFullYear(v.year ?? 1970, (v.month ?? 1) - 1, v.day ?? 1);
  wall.setUTCHours((v.hour ?? 0) % 24, v.minute ?? 0, v.second ?? 0, 0);
  return wall.getTime() - sec;
}

/** Offset is `before` on [hourStart, at) and `after` on [at, hourStart + 1h). */
interface HourOffsets {
  before: number;
  after: number;
  at: number;
}

const hourCache = new Map<string, Map<number, HourOffsets>>();

function hourOffsets(zone: string, hour: number): HourOffsets {
  let zoneCache = hourCache.get(zone);
  if (zoneCache === undefined) {
    zoneCache = new Map();
    hourCache.set(zone, zoneCache);
  }
  const cached = zoneCache.get(hour);
  if (cached !== undefined) return cached;

  const start = hour * HOUR;
  const lastSecond = start + HOUR - SECOND;
  const before = rawOffset(zone, start);
  const after = rawOffset(zone, lastSecond);
  let at = start + HOUR;
  if (before !== after) {
    // Transition inside this hour: binary search for its first second.
    let lo = start;
    let hi = lastSecond;
    while (hi - lo > SECOND) {
      const mid = lo + Math.floor((hi - lo) / (2 * SECOND)) * SECOND;
      if (rawOffset(zone, mid) === before) lo = mid;
      else hi = mid;
    }
    at = hi;
  }
  const entry: HourOffsets = { before, after, at };
  if (zoneCache.size >= MAX_CACHED_HOURS_PER_ZONE) zoneCache.clear();
  zoneCache.set(hour, entry);
  return entry;
}

function offsetAt(zone: string, t: number): number {
  const e = hourOffsets(zone, Math.floor(t / HOUR));
  return t < e.at ? e.before : e.after;
}

/** The first instant in (t, limit] whose offset differs from the offset at `t`, or `limit`. */
function nextOffsetChange(zone: string, t: number, limit: number): number {
  const offset = offsetAt(zone, t);
  let lo = t;
  while (lo < limit) {
    const probe = Math.min(lo + SAMPLE_STEP, limit);
    if (offsetAt(zone, probe) !== offset) {
      for (let h = Math.floor(lo / HOUR); h <= Math.floor(probe / HOUR); h++) {
        const e = hourOffsets(zone, h);
        const hourStart = h * HOUR;
        if (e.before !== offset && hourStart > lo) return hourStart;
        if (e.after !== offset && e.at > lo && e.at < hourStart + HOUR) return e.at;
      }
      return probe;
    }
    lo = probe;
  }
  return limit;
}

// ---------------------------------------------------------------------------------------------
// Compiled schedule and the interval walk

interface CompiledHours {
  zone: string;
  /** Per weekday, [start, end) in ms since local midnight, sorted. */
  days: (readonly [number, number])[][];
  /** Holidays as local day numbers (days since 1970-01-01). */
  holidays: ReadonlySet<number>;
  hasAnyHours: boolean;
}

function compile(hours: BusinessHours): CompiledHours {
  const problems = validateBusinessHours(hours);
  if (problems.length > 0) {
    throw new RangeError(`Invalid business hours: ${problems.join('; ')}`);
  }
  const days = WEEKDAYS.map((d) =>
    hours.days[d]
      .map((i): readonly [number, number] => [
        (parseClock(i.start, false) ?? 0) * MINUTE,
        (parseClock(i.end, true) ?? 0) * MINUTE,
      ])
      .sort((a, b) => a[0] - b[0]),
  );
  const holidays = new Set<number>();
  for (const h of hours.holidays ?? []) {
    const day = parseLocalDate(h);
    if (day !== null) holidays.add(day);
  }
  return { zone: hours.timeZone, days, holidays, hasAnyHours: days.some((d) => d.length > 0) };
}

function weekdayOf(localDay: number): number {
  return (((localDay + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/**
 * Visits the business intervals intersecting [from, until) in chronological order, clipped, as
 * UTC ms [start, end) (never empty). Stops as soon as `visit` returns false.
 */
function walkBusinessIntervals(
  c: CompiledHours,
  from: number,
  until: number,
  visit: (start: number, end: number) => boolean,
): void {
  let t = from;
  while (t < until) {
    const offset = offsetAt(c.zone, t);
    const pieceEnd = nextOffsetChange(c.zone, t, Math.min(t + CHUNK, until));
    // On [t, pieceEnd) the offset is constant, so the wall clock is t + offset, linearly.
    const w0 = t + offset;
    const w1 = pieceEnd + offset;
    for (let day = Math.floor(w0 / DAY); day * DAY < w1; day++) {
      if (c.holidays.has(day)) continue;
      for (const [s, e] of c.days[weekdayOf(day)] ?? []) {
        const ws = Math.max(day * DAY + s, w0);
        const we = Math.min(day * DAY + e, w1);
        if (ws < we && !visit(ws - offset, we - offset)) return;
      }
    }
    t = pieceEnd;
  }
}

function addBusinessMs(c: CompiledHours, from: number, amount: number): number {
  if (!c.hasAnyHours) throw new RangeError('Business hours have no open interval on any day');
  let remaining = amount;
  let result = Number.NaN;
  walkBusinessIntervals(c, from, Number.POSITIVE_INFINITY, (s, e) => {
    if (remaining === 0) {
      result = s;
      return false;
    }
    if (remaining <= e - s) {
      result = s + remaining;
      return false;
    }
    remaining -= e - s;
    return true;
  });
  return result;
}

function businessMsBetween(c: CompiledHours, a: number, b: number): number {
  if (!(b > a)) return 0;
  let total = 0;
  walkBusinessIntervals(c, a, b, (s, e) => {
    total += e - s;
    return true;
  });
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
    const last = merged[merged.length - 1];
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
