import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { startIntervalJob } from '../../common/interval-job.js';
import { APP_CONFIG, type ResolvedConfig } from '../../config/config.provider.js';
import { tenantIds } from '../../database/tenants.repository.js';
import { EscalationService } from '../escalation.service.js';

/**
 * Re-routes escalations no partner claimed in time. Its own interval job
 * (JOBS_INTERVAL_SECONDS): it shares no loop with webhook delivery, so a
 * slow receiver never delays it, and one customer's failure does not stop
 * the others. Safe on every instance (the rows are taken with SKIP LOCKED).
 */
@Injectable()
export class StaleEscalationsJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EscalationJobs');
  private stop: () => void = () => undefined;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly escalations: EscalationService,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stop = startIntervalJob(
      this.config.jobsIntervalSeconds,
      this.logger,
      'stale escalations',
      () => this.runOnce(),
    );
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  async runOnce(): Promise<{ rerouted: number; failed: number }> {
    const customers = await tenantIds(this.ds, 'customer');
    const report = { rerouted: 0, failed: 0 };
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
    return report;
  }
}
