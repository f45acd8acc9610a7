import { describe, expect, it } from '@jest/globals';
import { AppError } from './errors.js';
import { decodeCursor, encodeCursor, toPage } from './pagination.js';

describe('cursors', () => {
  it('round-trip and are opaque', () => {
    const c = encodeCursor(['2026-01-01T00:00:00Z', 'abc']);
    expect(c).not.toContain('abc');
    expect(decodeCursor(c, 2)).toEqual(['2026-01-01T00:00:00Z', 'abc']);
  });

  it.each([
    '',
    'garbage',
    encodeCursor(['only-one']),
    Buffer.from('{"a":1}').toString('base64url'),
  ])('refuses %j with a 400', (bad) => {
    expect(() => decodeCursor(bad, 2)).toThrow(AppError);
  });
});

describe('toPage', () => {
  const rows = [1, 2, 3, 4, 5].map((n) => ({ id: `id${n}` }));
  it('serves limit rows and a cursor when there are more', () => {
    const page = toPage(
      rows.slice(0, 3),
      2,
      (r) => [r.id],
      (r) => r.id,
    );
    expect(page.data).toEqual(['id1', 'id2']);
    expect(decodeCursor(page.nextCursor!, 1)).toEqual(['id2']);
  });
  it('ends with a null cursor', () => {
    expect(
      toPage(
        rows.slice(0, 2),
        2,
        (r) => [r.id],
        (r) => r.id,
      ).nextCursor,
    ).toBeNull();
  });
});
