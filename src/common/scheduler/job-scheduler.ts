import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type ResolvedConfig } from '../../config/config.provider.js';
import { nonOverlappingRound } from '../interval-job.js';
import { ScheduledJob, type ScheduledRound } from './scheduled-job.js';

/**
 * The one place scheduled jobs start: every provider marked `@ScheduledJob` gets an interval in
 * the SchedulerRegistry (@nestjs/schedule) at its configured seconds (0: not started). A round
 * never overlaps the job's previous round; each logs what it did or why it failed. Every app
 * instance runs its own intervals: each job is safe to run on every instance at once (SKIP
 * LOCKED, unique keys). The intervals stop before the database closes.
 */
@Injectable()
export class JobScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly started: string[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: ScheduledJob.KEY })) {
      const schedule = this.discovery.getMetadataByDecorator(ScheduledJob, wrapper);
      const job = wrapper.instance as ScheduledRound | undefined;
      if (!schedule || !job) continue;
      const seconds = schedule.seconds(this.config);
      if (seconds === 0) continue;
      const tick = nonOverlappingRound(new Logger(schedule.context), schedule.name, () =>
        job.round(),
      );
      const timer = setInterval(tick, seconds * 1000);
      timer.unref();
      this.registry.addInterval(schedule.name, timer);
      this.started.push(schedule.name);
    }
  }

  /** Before the database closes (onApplicationShutdown hooks close it). */
  onModuleDestroy(): void {
    for (const name of this.started.splice(0)) this.registry.deleteInterval(name);
  }

  /** The names of the jobs running now. */
  running(): readonly string[] {
    return this.started;
  }
}
