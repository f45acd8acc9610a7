import { Injectable } from '@nestjs/common';
import { TenantDb } from '../../database/tenant-db.service.js';
import {
  type Claim,
  idempotencyContext,
  IdempotencyScope,
  inProgress,
  reused,
} from './idempotency-context.js';
import { storedAnswer, tryLockKey } from './idempotency.repository.js';

export {
  type Claim,
  IDEMPOTENCY_LOCK_SQL,
  IDEMPOTENCY_TTL_HOURS,
  idempotencyContext,
  IdempotencyScope,
  IdempotentReplay,
} from './idempotency-context.js';

/** The interceptor's side of `Idempotency-Key` (expired keys: jobs/idempotency-purge.job.ts). */
@Injectable()
export class IdempotencyService {
  constructor(private readonly db: TenantDb) {}

  /**
   * Before running the handler: the stored answer (replay), 422 for another
   * body, or 409 when an attempt holds the key right now. Nothing is written:
   * the claim itself is taken by the effect's transaction.
   */
  check(tenantId: string, key: string, requestHash: string): Promise<Claim> {
    return this.db.tenantTransaction(tenantId, async (tx) => {
      const locked = await tryLockKey(tx, key);
      const done = await storedAnswer(tx, key);
      if (done) {
        if (done.requestHash !== requestHash) throw reused();
        return { kind: 'replay', status: done.status, body: done.body } as const;
      }
      if (!locked) throw inProgress();
      return { kind: 'claimed' } as const;
    });
  }

  /** For handlers that did not store their answer themselves: a transaction of its own. */
  complete(scope: IdempotencyScope, body: unknown): Promise<void> {
    return idempotencyContext.run(scope, () =>
      this.db.tenantTransaction(scope.tenantId, (tx) => scope.complete(tx, body)),
    );
  }
}
