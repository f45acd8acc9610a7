import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type ResolvedConfig } from '../config/config.provider.js';
import { ScheduledJob, type ScheduledRound } from '../common/scheduler/scheduled-job.js';
import { dueProactiveTenants, dueSlaBreachTenants } from '../database/due-work.repository.js';
import { ProactiveTicketsJob } from './jobs/proactive-tickets.job.js';
import { SlaBreachJob } from './jobs/sla-breach.job.js';

export interface JobReport {
  /** Customers visited: those with breaches or proactive tickets due. */
  tenants: number;
  breached: number;
  proactive: number;
}

/**
 * The tickets module's scheduled work (one job, JOBS_INTERVAL_SECONDS, started by the job
 * scheduler): for each customer with work due, the SLA breach job then the proactive-tickets
 * job. Each job is safe on every instance at once (see the job classes).
 */
@Injectable()
@ScheduledJob({ name: 'ticket jobs', context: 'TicketJobs', seconds: (c) => c.jobsIntervalSeconds })
export class TicketJobsService implements ScheduledRound {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly breaches: SlaBreachJob,
    private readonly proactive: ProactiveTicketsJob,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  round(): Promise<JobReport> {
    return this.runOnce();
  }

  async runOnce(now = new Date()): Promise<JobReport> {
    const late = new Set(await dueSlaBreachTenants(this.ds, now));
    const maintenance = new Set(await dueProactiveTenants(this.ds, this.config.lowBatteryPercent));
    const tenants = [...new Set([...late, ...maintenance])].sort();
    const report: JobReport = { tenants: tenants.length, breached: 0, proactive: 0 };
    for (const id of tenants) {
      if (late.has(id)) report.breached += await this.breaches.markBreaches(id, now);
      if (maintenance.has(id)) report.proactive += await this.proactive.openProactive(id);
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
