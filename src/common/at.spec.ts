import { describe, expect, it } from '@jest/globals';
import { at } from './at.js';

describe('at', () => {
  it('reads an index in range, typed arrays too', () => {
    expect(at(['a', 'b'], 1)).toBe('b');
    expect(at(new Float64Array([0.5, 1.5]), 0)).toBe(0.5);
  });

  it('throws for an index out of range instead of answering undefined', () => {
    expect(() => at([1, 2], 2)).toThrow(RangeError);
    expect(() => at([], 0)).toThrow('index 0 is out of range (length 0)');
  });
});
