import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, concatMap, of, type Observable, throwError } from 'rxjs';
import { canonicalJson } from '../canonical-json.js';
import { AppError } from '../errors.js';
import {
  idempotencyContext,
  IdempotencyScope,
  IdempotencyService,
  IdempotentReplay,
} from './idempotency.service.js';
import { IDEMPOTENT_OPTIONS, type IdempotentOptions } from './idempotency-context.js';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The part of auth's Actor this kernel needs (common imports no module: see .dependency-cruiser.cjs). */
type Req = FastifyRequest & { actor?: { tenantId: string }; idempotency?: IdempotencyScope };

/**
 * `Idempotency-Key` on a POST: the same key and body replay the first
 * answer, another body is 422, a concurrent duplicate is 409. Keys are kept
 * per tenant for 24 hours. Only successful answers are stored, in the
 * effect's own transaction; the claim is that transaction's advisory lock,
 * so a failed or crashed attempt frees its key at once.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly store: IdempotencyService) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<Req>();
    const raw = request.headers['idempotency-key'];
    if (raw === undefined) return next.handle();
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw new AppError(
        'validation_failed',
        'Idempotency-Key must be 1-255 visible ASCII characters.',
        {
          errors: [{ field: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters' }],
        },
      );
    }
    const actor = request.actor;
    if (!actor) throw new Error('Idempotency needs an authenticated tenant');

    const path = request.routeOptions.url ?? request.url;
    const requestHash = createHash('sha256')
      .update(`${request.method} ${request.url}\n${canonicalJson(request.body)}`)
      .digest('hex');
    const status =
      (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ??
      (request.method === 'POST' ? 201 : 200);

    const options = (Reflect.getMetadata(IDEMPOTENT_OPTIONS, context.getHandler()) ??
      {}) as IdempotentOptions;
    const reply = http.getResponse<FastifyReply>();
    // A handler that answers in its effect reads the stored answer itself (a replay is thrown from
    // its transaction and caught below); others are checked first, in a transaction of their own.
    if (!options.answerInEffect) {
      const claim = await this.store.check(actor.tenantId, key, requestHash);
      if (claim.kind === 'replay') {
        void reply.header('idempotent-replayed', 'true').status(claim.status);
        return of(claim.body);
      }
    }

    const scope = new IdempotencyScope(
      actor.tenantId,
      key,
      requestHash,
      request.method,
      path,
      status,
      options.answerInEffect === true,
    );
    request.idempotency = scope;
    // The handler's tenant transactions take the key (TenantDb -> claimIdempotencyKeyIn): the
    // handler runs in this async context because Nest binds it when handle() is called.
    return idempotencyContext
      .run(scope, () => next.handle())
      .pipe(
        concatMap(async (body: unknown) => {
          if (!scope.completed) await this.store.complete(scope, body);
          return body;
        }),
        catchError((err: unknown) => {
          // Another attempt completed while this one ran: its effect rolled back; answer as it did.
          if (err instanceof IdempotentReplay) {
            void reply.header('idempotent-replayed', 'true').status(err.status);
            return of(err.body);
          }
          // Nothing to release: the claim was the failed transaction's lock, gone with it.
          return throwError(() => err);
        }),
      );
  }
}
