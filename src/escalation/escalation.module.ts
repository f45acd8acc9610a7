import { Module } from '@nestjs/common';
import { TicketsModule } from '../tickets/tickets.module.js';
import { EscalationJobsService } from './escalation-jobs.service.js';
import { EscalationController } from './escalation.controller.js';
import { EscalationService } from './escalation.service.js';
import { WebhookTransport } from './outbound/webhook-transport.js';
import { PartnersService } from './partners.service.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

@Module({
  imports: [TicketsModule],
  controllers: [EscalationController, WebhooksController],
  providers: [
    EscalationService,
    EscalationJobsService,
    PartnersService,
    WebhookTransport,
    WebhooksService,
  ],
  exports: [EscalationService],
})
export class EscalationModule {}
