import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ScheduledJob, type ScheduledRound } from '../../common/scheduler/scheduled-job.js';
import { APP_CONFIG, type ResolvedConfig } from '../../config/config.provider.js';
import { dueStaleEscalationTenants } from '../../database/due-work.repository.js';
import { EscalationDispatch } from '../escalation-dispatch.service.js';
import { EscalationService } from '../escalation.service.js';

/**
 * Re-routes escalations no partner claimed in time, and tries every queued escalation again
 * (a partner may have linked, widened its area or freed capacity since). Its own scheduled job
 * (JOBS_INTERVAL_SECONDS): it shares no loop with webhook delivery, so a
 * slow receiver never delays it, and one customer's failure does not stop
 * the others. It visits only customers with stale escalations. Safe on every
 * instance (the rows are taken with SKIP LOCKED).
 */
@Injectable()
@ScheduledJob({
  name: 'stale escalations',
  context: 'EscalationJobs',
  seconds: (c) => c.jobsIntervalSeconds,
})
export class StaleEscalationsJob implements ScheduledRound {
  private readonly logger = new Logger('EscalationJobs');

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly escalations: EscalationService,
    private readonly dispatch: EscalationDispatch,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  round(): Promise<object> {
    return this.runOnce();
  }

  async runOnce(): Promise<{ rerouted: number; routedFromQueue: number; failed: number }> {
    const customers = await dueStaleEscalationTenants(this.ds, {
      urgentMinutes: this.config.escalationClaimMinutesUrgent,
      normalMinutes: this.config.escalationClaimMinutes,
    });
    const report = { rerouted: 0, routedFromQueue: 0, failed: 0 };
    for (const id of customers) {
      try {
        report.rerouted += await this.escalations.rerouteStale(
          id,
          this.config.escalationClaimMinutesUrgent,
          this.config.escalationClaimMinutes,
        );
      } catch (err) {
        report.failed++;
        this.logger.error({ err, tenantId: id }, 're-routing stale escalations failed');
      }
    }
    const queued = await this.dispatch.retryQueued();
    report.routedFromQueue = queued.routed;
    report.failed += queued.failed;
    return report;
  }
}
