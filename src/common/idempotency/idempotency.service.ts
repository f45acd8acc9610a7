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
import { startIntervalJob } from '../interval-job.js';
import {
  type Claim,
  IDEMPOTENCY_LOCK_SQL,
  idempotencyContext,
  IdempotencyScope,
  inProgress,
  reused,
  storedAnswer,
} from './idempotency-context.js';

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
    return this.db.tenantTransaction(tenantId, async (em) => {
      const [lock] = await em.query<{ locked: boolean }[]>(
        `SELECT ${IDEMPOTENCY_LOCK_SQL} AS locked`,
        [tenantId, key],
      );
      const done = await storedAnswer(em, tenantId, key);
      if (done) {
        if (done.requestHash !== requestHash) throw reused();
        return { kind: 'replay', status: done.status, body: done.body } as const;
      }
      if (!lock?.locked) throw inProgress();
      return { kind: 'claimed' } as const;
    });
  }

  /** For handlers that did not store their answer themselves: a transaction of its own. */
  complete(scope: IdempotencyScope, body: unknown): Promise<void> {
    return idempotencyContext.run(scope, () =>
      this.db.tenantTransaction(scope.tenantId, (em) => scope.complete(em, body)),
    );
  }

  /**
   * Deletes expired keys, tenant by tenant (row-level security: the runtime
   * role sees one tenant at a time). Safe on every instance at once: rows
   * another instance is deleting are skipped, not waited for.
   */
  async purgeExpired(): Promise<number> {
    const tenants = await this.ds.query<{ id: string }[]>(`SELECT id FROM tenants ORDER BY id`);
    let purged = 0;
    for (const { id } of tenants) {
      for (;;) {
        const [{ n }] = await this.db.tenantTransaction(id, (em) =>
          em.query<{ n: number }[]>(
            `WITH d AS (
               DELETE FROM idempotency_keys
                WHERE (tenant_id, key) IN (
                  SELECT tenant_id, key FROM idempotency_keys
                   WHERE expires_at <= now()
                   LIMIT ${PURGE_BATCH}
                   FOR UPDATE SKIP LOCKED)
                RETURNING 1)
             SELECT count(*)::int AS n FROM d`,
          ),
        );
        purged += n;
        if (n < PURGE_BATCH) break;
      }
    }
    return purged;
  }
}
