import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TenantDb } from '../../../database/tenant-db.service.js';
import { dueIdempotencyPurgeTenants } from '../../../database/tenants.repository.js';
import { ScheduledJob, type ScheduledRound } from '../../scheduler/scheduled-job.js';
import { purgeExpiredKeys } from '../idempotency.repository.js';

/** Rows purged per tenant and statement. */
const PURGE_BATCH = 1000;

/**
 * Deletes expired idempotency keys every IDEMPOTENCY_PURGE_INTERVAL_SECONDS (0 disables).
 * Safe on every instance at once: rows another instance is deleting are skipped, not waited for.
 */
@Injectable()
@ScheduledJob({
  name: 'idempotency purge',
  context: 'Idempotency',
  seconds: (c) => c.idempotencyPurgeIntervalSeconds,
})
export class IdempotencyPurgeJob implements ScheduledRound {
  constructor(
    private readonly db: TenantDb,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  async round(): Promise<{ purged: number }> {
    return { purged: await this.purgeExpired() };
  }

  /**
   * Deletes expired keys, tenant by tenant (row-level security: the runtime role sees one tenant
   * at a time), visiting only tenants that have some. Answers how many went.
   */
  async purgeExpired(): Promise<number> {
    let purged = 0;
    for (const id of await dueIdempotencyPurgeTenants(this.ds)) {
      for (;;) {
        const n = await this.db.tenantTransaction(id, (tx) => purgeExpiredKeys(tx, PURGE_BATCH));
        purged += n;
        if (n < PURGE_BATCH) break;
      }
    }
    return purged;
  }
}
