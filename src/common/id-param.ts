import { Param, type PipeTransform } from '@nestjs/common';
import { notFound } from './errors.js';
import { UUID_PATTERN } from './ids.js';

/**
 * A path id that is not a UUID names no row: 404 with the same body as a
 * missing or another tenant's row (`<what> not found`), never a 400 that
 * would tell the two apart, and never a uuid cast error from PostgreSQL.
 */
export class IdPipe implements PipeTransform<unknown, string> {
  constructor(private readonly what: string) {}

  transform(value: unknown): string {
    if (typeof value !== 'string' || !UUID_PATTERN.test(value)) throw notFound(this.what);
    return value;
  }
}

/** `@IdParam('Ticket') id: string`, or `@IdParam('Delivery', 'deliveryId')` for another name. */
export const IdParam = (what: string, name = 'id'): ParameterDecorator =>
  Param(name, new IdPipe(what));
