import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { purgePublished } from '../../common/outbox/outbox.repository.js';
import { ScheduledJob, type ScheduledRound } from '../../common/scheduler/scheduled-job.js';
import { APP_CONFIG, type ResolvedConfig } from '../../config/config.provider.js';
import { dueOutboxPurgeTenants } from '../../database/due-work.repository.js';
import { TenantDb } from '../../database/tenant-db.service.js';
import { purgeFinishedDeliveries } from '../webhooks.repository.js';

/** Rows deleted per statement (one short transaction each). */
export const PURGE_BATCH = 1000;
/** Rows of each table one round deletes at most; the next round goes on where it stopped. */
export const PURGE_ROUND_LIMIT = 100_000;

const DAY_MS = 86_400_000;

export interface OutboxPurgeReport {
  /** outbox messages deleted */
  outbox: number;
  /** webhook deliveries deleted */
  deliveries: number;
}

/**
 * Keeps the outbox and the webhook deliveries from growing without bound: deletes outbox messages
 * published more than OUTBOX_RETENTION_DAYS ago (a message is published once the relay has made
 * its deliveries; unpublished ones stay) and finished deliveries (delivered, dead, cancelled)
 * created more than WEBHOOK_DELIVERY_RETENTION_DAYS ago and not replayed since. Hourly while
 * scheduled work is on (JOBS_INTERVAL_SECONDS > 0). Tenant by tenant under row-level security, in
 * batches of PURGE_BATCH, at most PURGE_ROUND_LIMIT rows of each table a round. Safe on every
 * instance at once: rows another instance is deleting are skipped, not waited for, so each row
 * is deleted (and counted) once.
 */
@Injectable()
@ScheduledJob({
  name: 'outbox purge',
  context: 'OutboxPurge',
  seconds: (c) => (c.jobsIntervalSeconds > 0 ? 3600 : 0),
})
export class OutboxPurgeJob implements ScheduledRound {
  constructor(
    private readonly db: TenantDb,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  round(): Promise<OutboxPurgeReport> {
    return this.purge();
  }

  /** One round at `now`: answers how many rows of each table went. */
  async purge(now = new Date()): Promise<OutboxPurgeReport> {
    const outboxBefore = new Date(now.getTime() - this.config.outboxRetentionDays * DAY_MS);
    const deliveriesBefore = new Date(
      now.getTime() - this.config.webhookDeliveryRetentionDays * DAY_MS,
    );
    const report: OutboxPurgeReport = { outbox: 0, deliveries: 0 };
    for (const id of await dueOutboxPurgeTenants(this.ds, outboxBefore, deliveriesBefore)) {
      report.outbox += await this.drain(PURGE_ROUND_LIMIT - report.outbox, (limit) =>
        this.db.tenantTransaction(id, (tx) => purgePublished(tx, outboxBefore, limit)),
      );
      report.deliveries += await this.drain(PURGE_ROUND_LIMIT - report.deliveries, (limit) =>
        this.db.tenantTransaction(id, (tx) => purgeFinishedDeliveries(tx, deliveriesBefore, limit)),
      );
      if (report.outbox >= PURGE_ROUND_LIMIT && report.deliveries >= PURGE_ROUND_LIMIT) break;
    }
    return report;
  }

  /** Runs `batch` until it deletes less than it may or `budget` is spent; answers the total. */
  private async drain(budget: number, batch: (limit: number) => Promise<number>): Promise<number> {
    let total = 0;
    while (total < budget) {
      const limit = Math.min(PURGE_BATCH, budget - total);
      const n = await batch(limit);
      total += n;
      if (n < limit) break;
    }
    return total;
  }
}
