import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type ResolvedConfig } from '../../config/config.provider.js';
import { TenantDb } from '../../database/tenant-db.service.js';
import { tenantIds } from '../../database/tenants.repository.js';
import { startIntervalJob } from '../interval-job.js';
import {
  type Claim,
  idempotencyContext,
  IdempotencyScope,
  inProgress,
  reused,
} from './idempotency-context.js';
import { purgeExpiredKeys, storedAnswer, tryLockKey } from './idempotency.repository.js';

export {
  type Claim,
  IDEMPOTENCY_LOCK_SQL,
  IDEMPOTENCY_TTL_HOURS,
  idempotencyContext,
  IdempotencyScope,
  IdempotentReplay,
} from './idempotency-context.js';

/** Rows purged per tenant and statement by the periodic job. */
const PURGE_BATCH = 1000;

@Injectable()
export class IdempotencyService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Idempotency');
  private stop: () => void = () => undefined;

  constructor(
    private readonly db: TenantDb,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stop = startIntervalJob(
      this.config.idempotencyPurgeIntervalSeconds,
      this.logger,
      'idempotency purge',
      async () => ({ purged: await this.purgeExpired() }),
    );
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  /**
   * Before running the handler: the stored answer (replay), 422 for another
   * body, or 409 when an attempt holds the key right now. Nothing is written:
   * the claim itself is taken by the effect's transaction.
   */
  check(tenantId: string, key: string, requestHash: string): Promise<Claim> {
    return this.db.tenantTransaction(tenantId, async ({ em }) => {
      const locked = await tryLockKey(em, tenantId, key);
      const done = await storedAnswer(em, tenantId, key);
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
      this.db.tenantTransaction(scope.tenantId, ({ em }) => scope.complete(em, body)),
    );
  }

  /**
   * Deletes expired keys, tenant by tenant (row-level security: the runtime
   * role sees one tenant at a time). Safe on every instance at once: rows
   * another instance is deleting are skipped, not waited for.
   */
  async purgeExpired(): Promise<number> {
    let purged = 0;
    for (const id of await tenantIds(this.ds)) {
      for (;;) {
        const n = await this.db.tenantTransaction(id, ({ em }) =>
          purgeExpiredKeys(em, PURGE_BATCH),
        );
        purged += n;
        if (n < PURGE_BATCH) break;
      }
    }
    return purged;
  }
}
