import { Module } from '@nestjs/common';
import { DiagnosticsModule } from '../diagnostics/diagnostics.module.js';
import { ProactiveTicketsJob } from './jobs/proactive-tickets.job.js';
import { SlaBreachJob } from './jobs/sla-breach.job.js';
import { SettingsController } from './settings.controller.js';
import { SettingsService } from './settings.service.js';
import { EscalationHooks } from './escalation-hooks.js';
import { IncidentHooks } from './incident-hooks.js';
import { TicketAssignment } from './ticket-assignment.service.js';
import { TicketChange } from './ticket-change.js';
import { TicketCommentsService } from './ticket-comments.service.js';
import { TicketFeedbackService } from './ticket-feedback.service.js';
import { TicketJobsService } from './ticket-jobs.service.js';
import { TicketLinks } from './ticket-links.service.js';
import { TicketReports } from './ticket-reports.service.js';
import { TicketLifecycle } from './ticket-lifecycle.service.js';
import { TicketStepsService } from './ticket-steps.service.js';
import { TicketTimeline } from './ticket-timeline.service.js';
import { TicketsController } from './tickets.controller.js';
import { TicketsForEscalation } from './tickets-for-escalation.service.js';
import { TicketsForIncidents } from './tickets-for-incidents.service.js';
import { TicketsService } from './tickets.service.js';

@Module({
  imports: [DiagnosticsModule],
  controllers: [TicketsController, SettingsController],
  providers: [
    EscalationHooks,
    IncidentHooks,
    TicketChange,
    TicketTimeline,
    TicketAssignment,
    TicketLifecycle,
    TicketsService,
    TicketCommentsService,
    TicketStepsService,
    SettingsService,
    TicketsForEscalation,
    SlaBreachJob,
    ProactiveTicketsJob,
    TicketJobsService,
    TicketFeedbackService,
    TicketReports,
    TicketLinks,
    TicketsForIncidents,
  ],
  exports: [TicketsForEscalation, TicketsForIncidents],
})
export class TicketsModule {}
