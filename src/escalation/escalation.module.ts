import { Module } from '@nestjs/common';
import { TicketsModule } from '../tickets/tickets.module.js';
import { EscalationController } from './escalation.controller.js';
import { EscalationMessagesController } from './escalation-messages.controller.js';
import { EscalationMessagesService } from './escalation-messages.service.js';
import { EscalationDispatch } from './escalation-dispatch.service.js';
import { EscalationService } from './escalation.service.js';
import { OutboxPurgeJob } from './jobs/outbox-purge.job.js';
import { StaleEscalationsJob } from './jobs/stale-escalations.job.js';
import { WebhookDeliveryJob } from './jobs/webhook-delivery.job.js';
import { WebhookTransport } from './outbound/webhook-transport.js';
import { PartnerQueueService } from './partner-queue.service.js';
import { PartnersService } from './partners.service.js';
import { WebhookDelivery } from './webhook-delivery.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

@Module({
  imports: [TicketsModule],
  controllers: [EscalationController, WebhooksController, EscalationMessagesController],
  providers: [
    EscalationService,
    EscalationDispatch,
    StaleEscalationsJob,
    PartnersService,
    PartnerQueueService,
    WebhookTransport,
    WebhooksService,
    WebhookDelivery,
    WebhookDeliveryJob,
    EscalationMessagesService,
    OutboxPurgeJob,
  ],
  exports: [EscalationService],
})
export class EscalationModule {}
