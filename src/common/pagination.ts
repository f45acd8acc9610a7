import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AppError } from './errors.js';
import { isStorableText } from './input-guard.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

/** `?limit=&cursor=` for every list. A limit above the maximum is clamped, not refused. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string' || !/^\d+$/.test(value)) return value;
    return Math.min(Number(value), MAX_LIMIT);
  })
  @IsInt({ message: 'limit must be a whole number between 1 and 200' })
  @Min(1)
  @Max(MAX_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from a previous page (`nextCursor`)' })
  @IsOptional()
  @IsString()
  // Room for a signed three-part key of non-ASCII names (base64 of UTF-8 grows them).
  @MaxLength(2048)
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** The documented shape of a page, for OpenAPI. */
export class PageMetaDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  nextCursor!: string | null;
}

export type CursorKey = (string | number)[];

/** What each part of a cursor key must be; a cursor of another shape is a 400. */
export type CursorPart = 'uuid' | 'int' | 'text';

const CURSOR_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR_TEXT_MAX = 200;
const MAC_BYTES = 16;

/*
 * Cursors are signed so that a client cannot hand the database a key we did
 * not make. The key is process-wide state because encodeCursor/decodeCursor
 * are free functions used by every list; createApp sets it from the JWT
 * secret (shared by every instance), and without that a random one is used.
 */
let cursorKey: Buffer = randomBytes(32);

/** Derives the cursor-signing key from a server secret (domain-separated from its other uses). */
export function configureCursorSecret(secret: string): void {
  cursorKey = createHmac('sha256', secret).update('lockdesk/cursor/v1').digest();
}

function mac(payload: string): Buffer {
  return createHmac('sha256', cursorKey).update(payload).digest().subarray(0, MAC_BYTES);
}

export function encodeCursor(key: CursorKey): string {
  const payload = Buffer.from(JSON.stringify(key)).toString('base64url');
  return `${payload}.${mac(payload).toString('base64url')}`;
}

function partMatches(value: unknown, part: CursorPart | undefined): boolean {
  switch (part) {
    case 'uuid':
      return typeof value === 'string' && CURSOR_UUID.test(value);
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
    case 'text':
    case undefined:
      return (
        (typeof value === 'string' && value.length <= CURSOR_TEXT_MAX && isStorableText(value)) ||
        (part === undefined && typeof value === 'number' && Number.isSafeInteger(value))
      );
    default:
      return false;
  }
}

/**
 * Decodes a cursor made by encodeCursor: signed by this server and with one
 * part per entry of `shape` (or `shape` parts of any plain kind when it is a
 * number). Anything else is a 400 naming `cursor`.
 */
export function decodeCursor(cursor: string, shape: readonly CursorPart[] | number): CursorKey {
  const parts = typeof shape === 'number' ? Array<undefined>(shape).fill(undefined) : shape;
  try {
    const [payload, signature, extra] = cursor.split('.');
    if (extra === undefined && payload && signature) {
      const given = Buffer.from(signature, 'base64url');
      if (given.length === MAC_BYTES && timingSafeEqual(given, mac(payload))) {
        const key = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
        if (
          Array.isArray(key) &&
          key.length === parts.length &&
          key.every((k, i) => partMatches(k, parts[i]))
        ) {
          return key as CursorKey;
        }
      }
    }
  } catch {
    // fall through
  }
  throw new AppError('validation_failed', 'The cursor is not valid.', {
    errors: [{ field: 'cursor', message: 'cursor is not a cursor this list gave out' }],
  });
}

export function pageLimit(q: PageQueryDto): number {
  return q.limit ?? DEFAULT_LIMIT;
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only proves a
 * next page exists; the cursor is the key of the last row served.
 */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  key: (row: R) => CursorKey,
  view: (row: R) => T,
): Page<T> {
  const hasMore = rows.length > limit;
  const served = hasMore ? rows.slice(0, limit) : rows;
  const last = served.at(-1);
  return {
    data: served.map(view),
    nextCursor: hasMore && last !== undefined ? encodeCursor(key(last)) : null,
  };
}
