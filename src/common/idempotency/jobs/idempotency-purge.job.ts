import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type ResolvedConfig } from '../../../config/config.provider.js';
import { TenantDb } from '../../../database/tenant-db.service.js';
import { tenantIds } from '../../../database/tenants.repository.js';
import { startIntervalJob } from '../../interval-job.js';
import { purgeExpiredKeys } from '../idempotency.repository.js';

/** Rows purged per tenant and statement. */
const PURGE_BATCH = 1000;

/**
 * Deletes expired idempotency keys every IDEMPOTENCY_PURGE_INTERVAL_SECONDS (0 disables).
 * Safe on every instance at once: rows another instance is deleting are skipped, not waited for.
 */
@Injectable()
export class IdempotencyPurgeJob implements OnApplicationBootstrap, OnApplicationShutdown {
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
   * Deletes expired keys, tenant by tenant (row-level security: the runtime
   * role sees one tenant at a time). Answers how many went.
   */
  async purgeExpired(): Promise<number> {
    let purged = 0;
    for (const id of await tenantIds(this.ds)) {
      for (;;) {
        const n = await this.db.tenantTransaction(id, (tx) => purgeExpiredKeys(tx, PURGE_BATCH));
        purged += n;
        if (n < PURGE_BATCH) break;
      }
    }
    return purged;
  }
}
