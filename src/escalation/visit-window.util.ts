/** The visit window a partner books when scheduling, from either form of the request. */
import { AppError } from '../common/errors.js';

/** An older client's single `at` books a window of this many hours from it. */
export const VISIT_SLOT_HOURS = 2;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * `{visitWindow: {from, to}}`, or the older `{at}` (a window of VISIT_SLOT_HOURS from it): exactly
 * one of them. The window must end after it starts, in the future, and within `horizonDays`
 * from now; an `at` must itself be in the future and within the horizon, as before. Anything
 * else is a 400 naming the field. The fields' format (UTC instants) is the DTO's to check.
 */
export function visitWindowOf(
  req: { visitWindow?: { from: string; to: string }; at?: string },
  horizonDays: number,
  now = Date.now(),
): { from: Date; to: Date } {
  const horizon = now + horizonDays * DAY;
  const fail = (field: string, message: string) =>
    new AppError('validation_failed', 'One or more fields are invalid.', {
      errors: [{ field, message }],
    });
  if (req.visitWindow && req.at !== undefined) {
    throw fail('visitWindow', 'send visitWindow or at, not both');
  }
  if (req.at !== undefined) {
    const at = new Date(req.at);
    if (Number.isNaN(at.getTime())) throw fail('at', 'at must be a date and time');
    if (at.getTime() <= now) throw fail('at', 'at must be in the future');
    if (at.getTime() > horizon) throw fail('at', `at must be within ${horizonDays} days from now`);
    return { from: at, to: new Date(at.getTime() + VISIT_SLOT_HOURS * HOUR) };
  }
  if (!req.visitWindow) {
    throw fail('visitWindow', 'visitWindow is required: {from, to} (UTC times ending in Z)');
  }
  const from = new Date(req.visitWindow.from);
  const to = new Date(req.visitWindow.to);
  if (Number.isNaN(from.getTime()))
    throw fail('visitWindow.from', 'visitWindow.from must be a time');
  if (Number.isNaN(to.getTime())) throw fail('visitWindow.to', 'visitWindow.to must be a time');
  if (to.getTime() <= from.getTime()) {
    throw fail('visitWindow.to', 'visitWindow.to must be after visitWindow.from');
  }
  if (to.getTime() <= now) throw fail('visitWindow.to', 'visitWindow.to must be in the future');
  if (to.getTime() > horizon) {
    throw fail('visitWindow.to', `visitWindow.to must be within ${horizonDays} days from now`);
  }
  return { from, to };
}
