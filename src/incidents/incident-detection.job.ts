import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { ScheduledJob, type ScheduledRound } from '../common/scheduler/scheduled-job.js';
import { APP_CONFIG, type ResolvedConfig } from '../config/config.provider.js';
import { IncidentDetection } from './incident-detection.service.js';
import { dueIncidentTenants } from './incidents.repository.js';

export interface DetectionRoundReport {
  /** customers whose detection was due */
  tenants: number;
  /** of those, the ones this instance ran (the others another instance held or had just run) */
  ran: number;
  opened: number;
  updated: number;
  failed: number;
}

/**
 * Fleet-incident detection (JOBS_INTERVAL_SECONDS, started by the job scheduler): each customer
 * with an active lock whose last run is older than half the interval, in its own transaction.
 * Safe on every instance at once: a tenant's run takes its incident_detection row with SKIP
 * LOCKED, and a group has at most one incident that is not resolved (a unique index).
 */
@Injectable()
@ScheduledJob({
  name: 'incident detection',
  context: 'IncidentDetection',
  seconds: (c) => c.jobsIntervalSeconds,
})
export class IncidentDetectionJob implements ScheduledRound {
  private readonly logger = new Logger('IncidentDetection');

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly detection: IncidentDetection,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  round(): Promise<object> {
    return this.runOnce();
  }

  async runOnce(
    now = this.clock.now(),
    minAgeSeconds = this.config.jobsIntervalSeconds / 2,
  ): Promise<DetectionRoundReport> {
    const tenants = await dueIncidentTenants(this.ds, minAgeSeconds);
    const report: DetectionRoundReport = {
      tenants: tenants.length,
      ran: 0,
      opened: 0,
      updated: 0,
      failed: 0,
    };
    for (const id of tenants) {
      try {
        const r = await this.detection.detect(id, now, minAgeSeconds);
        report.ran += r.ran;
        report.opened += r.opened;
        report.updated += r.updated;
      } catch (err) {
        report.failed++;
        this.logger.error({ err, tenantId: id }, 'incident detection failed');
      }
    }
    return report;
  }
}
