import { AppError } from '../common/errors.js';
import { parseStrictIso } from '../common/validators.js';
import type { Window } from './reports.repository.js';

const DAY_MS = 86_400_000;
/** The longest period a report or scorecard covers (a little over three years). */
export const MAX_PERIOD_DAYS = 1_100;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function invalid(field: string, message: string): AppError {
  return new AppError('validation_failed', 'One or more fields are invalid.', {
    errors: [{ field, message }],
  });
}

/**
 * The period of `?from=&to=`: `from` inclusive, `to` exclusive, except that a date-only `to`
 * includes its whole day (to=2026-11-30 ends at 2026-12-01T00:00Z). Defaults: `to` now, `from`
 * `defaultDays` before `to`. A `from` after `to`, or a period longer than MAX_PERIOD_DAYS, is a 400.
 * (The DTO already refused malformed dates.)
 */
export function reportWindow(
  q: { from?: string; to?: string },
  now: Date,
  defaultDays: number,
): Window {
  let to = now;
  // What the caller wrote (a date's midnight): `from` may not be after it.
  let stated = now;
  if (q.to !== undefined) {
    const parsed = parseStrictIso(q.to);
    if (!parsed) throw invalid('to', 'to must be a date or a time with a zone');
    stated = parsed;
    to = DATE_ONLY.test(q.to) ? new Date(parsed.getTime() + DAY_MS) : parsed;
  }
  let from = new Date(to.getTime() - defaultDays * DAY_MS);
  if (q.from !== undefined) {
    const parsed = parseStrictIso(q.from);
    if (!parsed) throw invalid('from', 'from must be a date or a time with a zone');
    from = parsed;
  }
  if (from.getTime() > stated.getTime()) throw invalid('from', 'from must not be after to');
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS)
    throw invalid('from', `the period may be at most ${MAX_PERIOD_DAYS} days`);
  return { from, to };
}
