import { describe, expect, it } from '@jest/globals';
import { AppError } from './errors.js';
import { configureCursorSecret, decodeCursor, encodeCursor, toPage } from './pagination.js';

const UUID = '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b';
const b64 = (s: string) => Buffer.from(s).toString('base64url');

describe('cursors', () => {
  it('round-trip and are opaque', () => {
    const c = encodeCursor(['2026-01-01T00:00:00Z', 'abc']);
    expect(c).not.toContain('abc');
    expect(decodeCursor(c, 2)).toEqual(['2026-01-01T00:00:00Z', 'abc']);
    expect(decodeCursor(encodeCursor(['acme', 'bolt', UUID]), ['text', 'text', 'uuid'])).toEqual([
      'acme',
      'bolt',
      UUID,
    ]);
    expect(decodeCursor(encodeCursor([42]), ['int'])).toEqual([42]);
  });

  it.each([
    '',
    'garbage',
    encodeCursor(['only-one']),
    b64('{"a":1}'),
    // The right shape, unsigned or with a forged signature.
    b64(`["${UUID}"]`),
    `${b64(`["${UUID}"]`)}.${b64('0123456789abcdef')}`,
    `${encodeCursor([UUID])}.extra`,
  ])('refuses %j with a 400 naming cursor', (bad) => {
    expect(() => decodeCursor(bad, 2)).toThrow(AppError);
    try {
      decodeCursor(bad, ['uuid']);
      throw new Error('accepted');
    } catch (err) {
      expect((err as AppError).extra.errors).toEqual([
        { field: 'cursor', message: expect.any(String) },
      ]);
    }
  });

  it.each([
    ['a string', 'uuid', ['not-a-uuid']],
    ['a negative number', 'int', [-1]],
    ['a huge number', 'int', [1e308]],
    ['a fraction', 'int', [1.5]],
    ['a number where a uuid belongs', 'uuid', [7]],
    ['a uuid where a number belongs', 'int', [UUID]],
    ['NUL', 'text', ['a\u0000b']],
    ['a long string', 'text', ['x'.repeat(201)]],
  ] as const)('refuses a signed key holding %s', (_what, part, key) => {
    expect(() => decodeCursor(encodeCursor([...key]), [part])).toThrow(AppError);
  });

  it('stops accepting cursors signed with another secret', () => {
    configureCursorSecret('one-secret-that-is-long-enough-for-this');
    const c = encodeCursor([UUID]);
    configureCursorSecret('another-secret-that-is-long-enough-too');
    expect(() => decodeCursor(c, ['uuid'])).toThrow(AppError);
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
