import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { startIntervalJob } from '../common/interval-job.js';
import { APP_CONFIG, type ResolvedConfig } from '../config/config.provider.js';
import { tenantIds } from '../database/tenants.repository.js';
import { ProactiveTicketsJob } from './jobs/proactive-tickets.job.js';
import { SlaBreachJob } from './jobs/sla-breach.job.js';

export interface JobReport {
  tenants: number;
  breached: number;
  proactive: number;
}

/**
 * Starts the tickets module's scheduled work (one interval, as before): for each customer
 * tenant, the SLA breach job then the proactive-tickets job. Each job is safe on every
 * instance at once (see the job classes).
 */
@Injectable()
export class TicketJobsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TicketJobs');
  private stop: () => void = () => undefined;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly breaches: SlaBreachJob,
    private readonly proactive: ProactiveTicketsJob,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stop = startIntervalJob(this.config.jobsIntervalSeconds, this.logger, 'ticket jobs', () =>
      this.runOnce(),
    );
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  async runOnce(now = new Date()): Promise<JobReport> {
    const tenants = await tenantIds(this.ds, 'customer');
    const report: JobReport = { tenants: tenants.length, breached: 0, proactive: 0 };
    for (const id of tenants) {
      report.breached += await this.breaches.markBreaches(id, now);
      report.proactive += await this.proactive.openProactive(id);
    }
    return report;
  }

  /** One tenant's SLA breaches (see SlaBreachJob). */
  markBreaches(tenantId: string, now: Date): Promise<number> {
    return this.breaches.markBreaches(tenantId, now);
  }

  /** One tenant's proactive tickets (see ProactiveTicketsJob). */
  openProactive(tenantId: string): Promise<number> {
    return this.proactive.openProactive(tenantId);
  }
}
