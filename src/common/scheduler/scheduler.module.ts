import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { JobScheduler } from './job-scheduler.js';

/** The job scheduler (see JobScheduler); imported once, by the app module. */
@Module({
  imports: [ScheduleModule.forRoot(), DiscoveryModule],
  providers: [JobScheduler],
  exports: [JobScheduler],
})
export class SchedulerModule {}
