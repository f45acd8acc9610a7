import { Injectable } from '@nestjs/common';
import { ScheduledJob, type ScheduledRound } from '../../common/scheduler/scheduled-job.js';
import { WebhookDelivery } from '../webhook-delivery.js';

/**
 * Webhook delivery rounds: every JOBS_INTERVAL_SECONDS, at most every 5 seconds (0 disables).
 * Each round relays new outbox messages and starts what the pool has room for, without waiting
 * for the requests (`WebhookDelivery.pump`). Safe on every instance: rows are claimed with
 * SKIP LOCKED and a send lease. The scheduler stops it before the database closes (the sender
 * aborts its requests in flight in its own hook).
 */
@Injectable()
@ScheduledJob({
  name: 'webhook deliveries',
  context: 'Webhooks',
  seconds: (c) => Math.min(c.jobsIntervalSeconds, 5),
})
export class WebhookDeliveryJob implements ScheduledRound {
  constructor(private readonly delivery: WebhookDelivery) {}

  async round(): Promise<{ relayed: number; started: number }> {
    const { relayed, started } = await this.delivery.pump();
    return { relayed, started };
  }
}
