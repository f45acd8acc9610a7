import { Transform } from 'class-transformer';
import { registerDecorator, ValidateIf, type ValidationOptions } from 'class-validator';

/**
 * Trims strings before validation, so `"   "` fails a length check the same
 * way `""` does. The one definition every DTO uses.
 */
export const Trim = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/**
 * May be left out, but not sent as null: unlike IsOptional, a null goes on
 * to the other validators (and fails them). For PATCH fields where null
 * means nothing.
 */
export const Omittable = (): PropertyDecorator =>
  ValidateIf((_object: object, value: unknown) => value !== undefined);

/** `date`: 2026-11-22; `datetime`: 2026-11-22T08:15:00Z (zone required); `any`: either. */
export type IsoKind = 'date' | 'datetime' | 'any';

export interface StrictIsoOptions {
  kind?: IsoKind;
  /** Inclusive year bounds; default 1970..9999. */
  minYear?: number;
  maxYear?: number;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):?(\d{2}))$/;

/**
 * Parses calendar dates and date-times in the one ISO 8601 profile we
 * accept, and only when every field exists: no `2026-02-30`, no hour 24,
 * no week (`2026-W05`) or ordinal (`2026-032`) dates, years in range.
 * class-validator's IsISO8601 accepts all of those (PostgreSQL then fails on
 * them or silently moves the date), hence the round trip through Date.UTC.
 * Returns the instant (UTC midnight for a date), or null.
 */
export function parseStrictIso(value: unknown, options: StrictIsoOptions = {}): Date | null {
  if (typeof value !== 'string' || value.length > 40) return null;
  const { kind = 'any', minYear = 1970, maxYear = 9999 } = options;
  const m =
    (kind !== 'datetime' ? ISO_DATE.exec(value) : null) ??
    (kind !== 'date' ? ISO_DATETIME.exec(value) : null);
  if (!m) return null;
  const [y, mo, d, h = 0, mi = 0, s = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((p) =>
    p === undefined ? undefined : Number(p),
  ) as [number, number, number, number?, number?, number?];
  if (y < minYear || y > maxYear) return null;
  const utc = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC maps years 0-99 to 1900-1999; the range check above keeps them out.
  if (
    utc.getUTCFullYear() !== y ||
    utc.getUTCMonth() !== mo - 1 ||
    utc.getUTCDate() !== d ||
    utc.getUTCHours() !== h ||
    utc.getUTCMinutes() !== mi ||
    utc.getUTCSeconds() !== s
  ) {
    return null;
  }
  if (m[4] === undefined) return utc;
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 14 || om > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return new Date(utc.getTime() + ms - offsetMinutes * 60_000);
}

const EXAMPLES: Record<IsoKind, string> = {
  date: 'a date such as 2026-11-22',
  datetime: 'a time with a zone such as 2026-11-22T08:15:00Z',
  any: 'a date such as 2026-11-22 or a time with a zone such as 2026-11-22T08:15:00Z',
};

/** A real calendar date / date-time in a sane year range (see parseStrictIso). */
export function IsStrictIsoDate(
  options: StrictIsoOptions = {},
  validationOptions?: ValidationOptions,
): PropertyDecorator {
  const { kind = 'any', minYear = 1970, maxYear = 9999 } = options;
  return (target, propertyName) =>
    registerDecorator({
      name: 'isStrictIsoDate',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: `${String(propertyName)} must be ${EXAMPLES[kind]}, in the years ${minYear} to ${maxYear}`,
        ...validationOptions,
      },
      validator: { validate: (value: unknown) => parseStrictIso(value, options) !== null },
    });
}
