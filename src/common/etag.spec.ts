import { describe, expect, it } from '@jest/globals';
import { ifNoneMatchMatches, strongEtag } from './etag.js';

describe('If-None-Match (weak comparison, RFC 9110 §13.1.2)', () => {
  it.each([
    ['"1"', '"1"', true],
    ['W/"1"', '"1"', true],
    ['"1"', 'W/"1"', true],
    ['W/"1"', 'W/"1"', true],
    ['*', '"abc"', true],
    [' * ', '"abc"', true],
    ['"a", "b" ,W/"1"', '"1"', true],
    ['"a,1", "b"', '"1"', false],
    ['"a,1"', '"a,1"', true],
    ['"2"', '"1"', false],
    ['1', '"1"', false],
    ['"1', '"1"', false],
    ['w/"1"', '"1"', false],
    ['"1" "2"', '"1"', false],
    ['', '"1"', false],
    ['"10"', '"1"', false],
  ])('%j against %j: %s', (field, current, expected) => {
    expect(ifNoneMatchMatches(field, current)).toBe(expected);
  });

  it('a strong tag depends on every byte', () => {
    expect(strongEtag('{"a":1}')).toBe(strongEtag(Buffer.from('{"a":1}')));
    expect(strongEtag('{"a":1}')).not.toBe(strongEtag('{"a":2}'));
    expect(strongEtag('x')).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
  });
});
