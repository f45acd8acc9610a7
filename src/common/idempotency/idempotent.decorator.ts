import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { ApiConflictResponse, ApiHeader, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { ProblemDto } from '../problem.dto.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import type { IdempotencyScope } from './idempotency.service.js';
import { IDEMPOTENT_OPTIONS, type IdempotentOptions } from './idempotency-context.js';

/** Marks a POST as honouring `Idempotency-Key`. */
export const Idempotent = (options: IdempotentOptions = {}): MethodDecorator =>
  applyDecorators(
    SetMetadata(IDEMPOTENT_OPTIONS, options),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Any unique string (1-255 visible ASCII). Retrying with the same key and body replays the first answer ' +
        '(header Idempotent-Replayed: true); another body is 422; a retry while the first runs is 409. Kept 24 h.',
    }),
    ApiConflictResponse({
      type: ProblemDto,
      description: 'A request with this key is still running',
    }),
    ApiUnprocessableEntityResponse({
      type: ProblemDto,
      description: 'The key was used with another body',
    }),
  );

/** The request's idempotency scope (undefined without the header), for storing the answer in-transaction. */
export const IdempotencyContext = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): IdempotencyScope | undefined =>
    ctx.switchToHttp().getRequest<{ idempotency?: IdempotencyScope }>().idempotency,
);
