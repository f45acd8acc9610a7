import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { startIntervalJob } from '../../common/interval-job.js';
import { APP_CONFIG, type ResolvedConfig } from '../../config/config.provider.js';
import { WebhookDelivery } from '../webhook-delivery.js';

/**
 * Webhook delivery rounds: every JOBS_INTERVAL_SECONDS, at most every 5 seconds (0 disables).
 * Each round relays new outbox messages and starts what the pool has room for, without waiting
 * for the requests (`WebhookDelivery.pump`). Safe on every instance: rows are claimed with
 * SKIP LOCKED and a send lease.
 */
@Injectable()
export class WebhookDeliveryJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  private stop: () => void = () => undefined;

  constructor(
    private readonly delivery: WebhookDelivery,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stop = startIntervalJob(
      Math.min(this.config.jobsIntervalSeconds, 5),
      this.logger,
      'webhook deliveries',
      async () => {
        const { relayed, started } = await this.delivery.pump();
        return { relayed, started };
      },
    );
  }

  /** Before the database closes (the sender aborts its requests in flight in its own hook). */
  onModuleDestroy(): void {
    this.stop();
  }
}
