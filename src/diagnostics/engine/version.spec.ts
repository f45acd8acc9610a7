import { describe, expect, it } from '@jest/globals';
import { compareVersions, versionKey } from './version.js';

// The SQL twin, version_key(), is checked against these on random versions in
// test/firmware-version.e2e-spec.ts.
describe('firmware versions', () => {
  it('compare part by part, numerically', () => {
    expect(compareVersions('2.10.0', '2.9.1')).toBeGreaterThan(0);
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0);
    expect(compareVersions('4.0.0-beta', '4.0.0')).toBe(0);
    expect(compareVersions('1.2+build.9', '1.2.0')).toBe(0);
    expect(versionKey('1.2.x3')).toEqual([1n, 2n, 3n]);
  });

  it('count missing parts as 0, so trailing zeros do not matter', () => {
    expect(compareVersions('v3.1', '3.1.0')).toBe(0);
    expect(compareVersions('2.1', '2.1.0.1')).toBeLessThan(0);
    expect(versionKey('2.1.0.0')).toEqual([2n, 1n]);
    expect(versionKey('0.0')).toEqual([]);
  });

  it('compare long parts exactly', () => {
    expect(compareVersions('1.9007199254740993', '1.9007199254740992')).toBeGreaterThan(0);
    expect(compareVersions('99999999999', '2')).toBeGreaterThan(0);
  });
});
