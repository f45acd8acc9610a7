import { type DynamicModule, Module } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import './app.errors.js';
import { AuthModule } from './auth/auth.module.js';
import { Clock, SystemClock } from './common/clock.js';
import { CommonModule } from './common/common.module.js';
import { SchedulerModule } from './common/scheduler/scheduler.module.js';
import { APP_CONFIG, type ResolvedConfig } from './config/config.provider.js';
import { DatabaseModule } from './database/database.module.js';
import { DevicesModule } from './devices/devices.module.js';
import { DiagnosticsModule } from './diagnostics/diagnostics.module.js';
import { EscalationModule } from './escalation/escalation.module.js';
import { HealthModule } from './health/health.module.js';
import { IncidentsModule } from './incidents/incidents.module.js';
import { TenancyModule } from './tenancy/tenancy.module.js';
import { TicketsModule } from './tickets/tickets.module.js';
import { ReportsModule } from './reports/reports.module.js';
import { MaintenanceModule } from './maintenance/maintenance.module.js';

export interface AppOptions {
  clock?: Clock;
  /** Called with the Fastify instance just before the app is made ready (tests add hooks here). */
  beforeReady?: (fastify: FastifyInstance) => void;
}

@Module({})
export class AppModule {
  /** `clock`: the time every provider sees (the system clock unless a test passes a TestClock). */
  static forRoot(config: ResolvedConfig, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        DatabaseModule.forRoot(config),
        CommonModule,
        AuthModule,
        TenancyModule,
        DevicesModule,
        DiagnosticsModule,
        TicketsModule,
        EscalationModule,
        HealthModule,
        SchedulerModule,
        ReportsModule,
        IncidentsModule,
        MaintenanceModule,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Clock, useValue: options.clock ?? new SystemClock() },
      ],
      exports: [APP_CONFIG, Clock],
    };
  }
}
