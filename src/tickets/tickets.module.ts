import { Module } from '@nestjs/common';
import { DiagnosticsModule } from '../diagnostics/diagnostics.module.js';
import { SettingsController } from './settings.controller.js';
import { TicketJobsService } from './ticket-jobs.service.js';
import { TicketsController } from './tickets.controller.js';
import { TicketsService } from './tickets.service.js';

@Module({
  imports: [DiagnosticsModule],
  controllers: [TicketsController, SettingsController],
  providers: [TicketsService, TicketJobsService],
  exports: [TicketsService],
})
export class TicketsModule {}
