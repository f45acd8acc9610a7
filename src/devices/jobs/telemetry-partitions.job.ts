import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ScheduledJob, type ScheduledRound } from '../../common/scheduler/scheduled-job.js';
import { APP_CONFIG, type ResolvedConfig } from '../../config/config.provider.js';
import { maintainTelemetryPartitions, type PartitionUpkeep } from '../telemetry.repository.js';

/** Monthly partitions kept ready after the current month: a round can fail for two months unharmed. */
export const TELEMETRY_MONTHS_AHEAD = 2;

/**
 * Keeps telemetry_events' monthly partitions: creates the current month's and the next two (so
 * inserts land in a partition, not the DEFAULT one) and drops the months past
 * TELEMETRY_RETENTION_DAYS. Hourly while scheduled work is on (JOBS_INTERVAL_SECONDS > 0); safe on
 * every instance (one holds the upkeep lock, the others skip the round).
 */
@Injectable()
@ScheduledJob({
  name: 'telemetry partitions',
  context: 'TelemetryPartitions',
  seconds: (c) => (c.jobsIntervalSeconds > 0 ? 3600 : 0),
})
export class TelemetryPartitionsJob implements ScheduledRound {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  async round(): Promise<object> {
    const r = await this.runOnce();
    return { created: r.created, dropped: r.dropped, moved: r.moved };
  }

  runOnce(): Promise<PartitionUpkeep> {
    return maintainTelemetryPartitions(
      this.ds,
      this.config.telemetryRetentionDays,
      TELEMETRY_MONTHS_AHEAD,
    );
  }
}
