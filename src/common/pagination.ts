import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AppError } from './errors.js';

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
  @MaxLength(512)
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

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Decodes a cursor made by encodeCursor with `arity` parts; anything else is a 400. */
export function decodeCursor(cursor: string, arity: number): CursorKey {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(key) &&
      key.length === arity &&
      key.every((k) => typeof k === 'string' || typeof k === 'number')
    ) {
      return key;
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
