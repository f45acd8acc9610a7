import { DiscoveryService } from '@nestjs/core';
import type { ResolvedConfig } from '../../config/config.provider.js';

/** When and under which name a job runs; the scheduler reads it from the job's class. */
export interface JobSchedule {
  /** The job's name in logs (`{ job: name, ...report }`) and in the SchedulerRegistry. */
  name: string;
  /** The logger context of its lines. */
  context: string;
  /** Seconds between rounds, from the configuration; 0 disables the job. */
  seconds: (config: ResolvedConfig) => number;
}

/** A job the scheduler starts: one round of its work, answering counts to log. */
export interface ScheduledRound {
  round(): Promise<object>;
}

/**
 * Marks a provider as a scheduled job (it implements `ScheduledRound`). The job scheduler
 * (`JobScheduler`) finds every provider so marked and starts it; the job class itself starts no
 * timer, and tests call its methods directly.
 */
export const ScheduledJob = DiscoveryService.createDecorator<JobSchedule>();
