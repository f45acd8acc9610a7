import { describe, expect, it } from '@jest/globals';
import {
  allowedTransitions,
  checkTransition,
  derivePriority,
  TICKET_STATUSES,
} from './ticket-state.util.js';

const now = new Date('2026-11-22T12:00:00Z');
const ctx = { solvedAt: null, now, reopenWindowDays: 7 };

describe('ticket lifecycle', () => {
  it('makes closed final and never allows staying put', () => {
    expect(allowedTransitions('closed', ctx)).toEqual([]);
    for (const s of TICKET_STATUSES) expect(allowedTransitions(s, ctx)).not.toContain(s);
  });

  it('reopens a solved ticket only within the window', () => {
    const recent = { ...ctx, solvedAt: new Date('2026-11-20T12:00:00Z') };
    const old = { ...ctx, solvedAt: new Date('2026-11-01T12:00:00Z') };
    expect(checkTransition('solved', 'open', recent)).toEqual({ ok: true });
    const refused = checkTransition('solved', 'open', old);
    expect(refused).toMatchObject({ ok: false, allowed: ['closed'] });
    expect(!refused.ok && refused.reason).toMatch(/reopen window of 7 day/);
  });

  it('names the allowed statuses when refusing', () => {
    expect(checkTransition('closed', 'open', ctx)).toEqual({
      ok: false,
      allowed: [],
      reason: 'A closed ticket is final.',
    });
    expect(checkTransition('new', 'new', ctx)).toMatchObject({
      ok: false,
      reason: 'The ticket is already new.',
    });
  });
});

describe('priority', () => {
  it('is urgent for lockouts and doors that will not secure', () => {
    expect(derivePriority(['keypad_unresponsive', 'locked_out'])).toBe('urgent');
    expect(derivePriority(['door_wont_latch'])).toBe('urgent');
    expect(derivePriority(['no_response'])).toBe('high');
    expect(derivePriority(['app_shows_offline'])).toBe('normal');
    expect(derivePriority([])).toBe('normal');
  });
});
