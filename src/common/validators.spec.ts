import { describe, expect, it } from '@jest/globals';
import { findUnstorable, tooDeep } from './input-guard.js';
import { websearchText } from './search.js';
import { parseStrictIso } from './validators.js';

describe('parseStrictIso', () => {
  it.each([
    ['2026-02-28', 'date', '2026-02-28T00:00:00.000Z'],
    ['2028-02-29', 'date', '2028-02-29T00:00:00.000Z'],
    ['2026-11-22T08:15:00Z', 'datetime', '2026-11-22T08:15:00.000Z'],
    ['2026-11-22T08:15Z', 'datetime', '2026-11-22T08:15:00.000Z'],
    ['2026-11-22T08:15:00.123456+05:30', 'datetime', '2026-11-22T02:45:00.123Z'],
    ['2026-11-22T08:15:00-0100', 'datetime', '2026-11-22T09:15:00.000Z'],
    ['1970-01-01', 'any', '1970-01-01T00:00:00.000Z'],
  ] as const)('accepts %s as a %s', (value, kind, iso) => {
    expect(parseStrictIso(value, { kind })?.toISOString()).toBe(iso);
  });

  it.each([
    ['2026-02-30', 'any'],
    ['2027-02-29', 'any'],
    ['2026-13-01', 'any'],
    ['2026-00-10', 'any'],
    ['0000-01-01', 'any'],
    ['1969-12-31', 'any'],
    ['10000-01-01', 'any'],
    ['2026-W05', 'any'],
    ['2026-W05-3', 'any'],
    ['2026-032', 'any'],
    ['20261122', 'any'],
    ['2026-11-22T24:00:00Z', 'any'],
    ['2026-11-22T23:60:00Z', 'any'],
    ['2026-11-22T23:59:60Z', 'any'],
    ['2026-11-22T08:15:00', 'any'],
    ['2026-11-22T08:15:00+15:00', 'any'],
    ['2026-11-22T08:15:00Z', 'date'],
    ['2026-11-22', 'datetime'],
    [' 2026-11-22', 'any'],
    ['2026-11-22\u0000', 'any'],
  ] as const)('refuses %j as %s', (value, kind) => {
    expect(parseStrictIso(value, { kind })).toBeNull();
  });

  it('honours a tighter year range and refuses non-strings', () => {
    expect(parseStrictIso('2101-01-01', { maxYear: 2100 })).toBeNull();
    expect(parseStrictIso(20261122)).toBeNull();
    expect(parseStrictIso(null)).toBeNull();
  });
});

describe('input guards', () => {
  const nest = (n: number): unknown => (n === 0 ? 1 : [nest(n - 1)]);

  it('measures depth and names where it is exceeded', () => {
    expect(tooDeep(nest(32))).toBeUndefined();
    expect(tooDeep(nest(33))).toMatch(/^\[0\]/);
    expect(tooDeep({ a: { b: nest(40) } })).toMatch(/^a\.b\[0\]/);
    expect(tooDeep('x'.repeat(10))).toBeUndefined();
  });

  it('finds NUL and lone surrogates in values and keys, and names the field', () => {
    expect(findUnstorable({ a: 'ok', b: ['fine', { c: 'x\u0000' }] })).toBe('b[1].c');
    expect(findUnstorable({ name: '\uD83D\uDE00 paired surrogates are fine' })).toBeUndefined();
    expect(findUnstorable({ name: 'lone \uD83D' })).toBe('name');
    expect(findUnstorable({ name: 'lone \uDE00' })).toBe('name');
    expect(findUnstorable({ days: { 'k\u0000': 1 } })).toBe('days');
    expect(findUnstorable('\u0000')).toBe('body');
  });
});

describe('websearchText', () => {
  it('keeps a minus that negates a word or phrase, and drops the rest', () => {
    expect(websearchText('battery -keypad')).toBe('battery -keypad');
    expect(websearchText('-"dead keypad"')).toBe('-"dead keypad"');
    expect(websearchText('lock-out')).toBe('lock-out');
    expect(websearchText('---x')).toBe('  -x');
    expect(websearchText('- - x')).toBe('    x');
    expect(websearchText('-(-(x')).toBe(' ( (x');
  });
});
