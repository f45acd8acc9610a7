import { describe, expect, it } from '@jest/globals';
import { AppError } from '../common/errors.js';
import { VISIT_SLOT_HOURS, visitWindowOf } from './visit-window.util.js';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function refusal(req: Parameters<typeof visitWindowOf>[0]): unknown {
  try {
    visitWindowOf(req, 60, NOW);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).extra.errors;
  }
  throw new Error('accepted');
}

describe('visitWindowOf', () => {
  it('takes a window that ends after it starts, in the future, within the horizon', () => {
    const w = visitWindowOf(
      { visitWindow: { from: iso(NOW + 24 * HOUR), to: iso(NOW + 27 * HOUR) } },
      60,
      NOW,
    );
    expect(w).toEqual({ from: new Date(NOW + 24 * HOUR), to: new Date(NOW + 27 * HOUR) });
    // A window already under way (from in the past) is fine while it has not ended.
    expect(
      visitWindowOf({ visitWindow: { from: iso(NOW - HOUR), to: iso(NOW + HOUR) } }, 60, NOW).to,
    ).toEqual(new Date(NOW + HOUR));
  });

  it('derives a window from the older single `at`', () => {
    const at = NOW + 5 * HOUR;
    expect(visitWindowOf({ at: iso(at) }, 60, NOW)).toEqual({
      from: new Date(at),
      to: new Date(at + VISIT_SLOT_HOURS * HOUR),
    });
  });

  it('refuses, naming the field', () => {
    const field = (req: Parameters<typeof visitWindowOf>[0]) =>
      (refusal(req) as { field: string }[]).map((e) => e.field);
    expect(field({})).toEqual(['visitWindow']);
    expect(
      field({
        at: iso(NOW + HOUR),
        visitWindow: { from: iso(NOW + HOUR), to: iso(NOW + 2 * HOUR) },
      }),
    ).toEqual(['visitWindow']);
    expect(field({ visitWindow: { from: iso(NOW + 2 * HOUR), to: iso(NOW + HOUR) } })).toEqual([
      'visitWindow.to',
    ]);
    expect(field({ visitWindow: { from: iso(NOW + HOUR), to: iso(NOW + HOUR) } })).toEqual([
      'visitWindow.to',
    ]);
    expect(field({ visitWindow: { from: iso(NOW - 3 * HOUR), to: iso(NOW - HOUR) } })).toEqual([
      'visitWindow.to',
    ]);
    expect(
      field({ visitWindow: { from: iso(NOW + HOUR), to: iso(NOW + 61 * 24 * HOUR) } }),
    ).toEqual(['visitWindow.to']);
    expect(field({ at: iso(NOW - HOUR) })).toEqual(['at']);
    expect(field({ at: iso(NOW + 61 * 24 * HOUR) })).toEqual(['at']);
  });
});
