import { Module } from '@nestjs/common';
import { TicketsModule } from '../tickets/tickets.module.js';
import { IncidentDetectionJob } from './incident-detection.job.js';
import { IncidentDetection } from './incident-detection.service.js';
import { IncidentsController } from './incidents.controller.js';
import { IncidentsService } from './incidents.service.js';

@Module({
  imports: [TicketsModule],
  controllers: [IncidentsController],
  providers: [IncidentsService, IncidentDetection, IncidentDetectionJob],
  exports: [IncidentDetection],
})
export class IncidentsModule {}
