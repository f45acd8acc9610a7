import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { AppError, notFound } from '../common/errors.js';
import { uuidv7 } from '../common/ids.js';
import {
  decodeCursor,
  type Page,
  pageLimit,
  type PageQueryDto,
  toPage,
} from '../common/pagination.js';
import { TenantDb } from '../database/tenant-db.service.js';
import type { CreateWebhookDto, DeliveryView, WebhookView } from './dto/webhooks.dto.js';
import { WebhookTransport } from './outbound/webhook-transport.js';
import { WebhookDelivery } from './webhook-delivery.js';
import { refuseWebhookUrl } from './webhook-url.js';
import {
  cancelPendingDeliveries,
  type DeliverySummaryRow,
  deliveriesPage,
  insertWebhook,
  listWebhooks,
  lockSameWebhook,
  lockDeliveryForReplay,
  requeueDelivery,
  softDeleteWebhook,
  webhookExists,
} from './webhooks.repository.js';

/** last_error of deliveries whose webhook was deleted while they waited. */
const CANCELLED_ERROR = 'cancelled: the webhook was deleted';

const deliveryView = (r: DeliverySummaryRow): DeliveryView => ({
  id: r.id,
  webhookId: r.webhook_id,
  eventType: r.event_type,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at.toISOString(),
  lastStatus: r.last_status,
  lastError: r.last_error,
  deliveredAt: r.delivered_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
});

/**
 * A tenant's webhooks and their delivery history: register, list, delete, read deliveries,
 * replay a dead letter. Sending is `WebhookDelivery`'s (webhook-delivery.ts).
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly db: TenantDb,
    private readonly transport: WebhookTransport,
    private readonly delivery: WebhookDelivery,
  ) {}

  async create(actor: UserActor, dto: CreateWebhookDto): Promise<WebhookView> {
    const refused = await refuseWebhookUrl(dto.url, this.transport);
    if (refused) {
      throw new AppError('webhook_url_refused', refused, {
        errors: [{ field: 'url', message: refused }],
      });
    }
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const id = uuidv7();
      const events = [...new Set(dto.events)];
      const same = await lockSameWebhook(tx, dto.url, events);
      if (same)
        throw new AppError(
          'webhook_exists',
          `Webhook ${same.id} already sends these events to this URL; delete it first or choose other events.`,
          { existingId: same.id },
        );
      await insertWebhook(tx, { id, url: dto.url, events, secret });
      return { id, url: dto.url, events, createdAt: new Date().toISOString(), secret };
    });
  }

  list(actor: UserActor, q: PageQueryDto): Promise<Page<WebhookView>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : null;
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const rows = await listWebhooks(tx, { after, limit: limit + 1 });
      return toPage(
        rows,
        limit,
        (r) => [r.id],
        (r) => ({ id: r.id, url: r.url, events: r.events, createdAt: r.created_at.toISOString() }),
      );
    });
  }

  /** Stops the webhook: its pending deliveries are cancelled, its history stays readable. */
  async remove(actor: UserActor, id: string): Promise<void> {
    await this.db.tenantTransaction(actor.tenantId, async (tx) => {
      if (!(await softDeleteWebhook(tx, id))) throw notFound('Webhook');
      // The relay and replay lock the webhook row, so no pending delivery can appear after this.
      await cancelPendingDeliveries(tx, id, CANCELLED_ERROR);
    });
    this.delivery.abortWebhook(id);
  }

  /** Deliveries of a webhook, also after it was deleted (the history stays). */
  deliveries(
    actor: UserActor,
    webhookId: string,
    q: PageQueryDto & { status?: string },
  ): Promise<Page<DeliveryView>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : null;
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      if (!(await webhookExists(tx, webhookId))) throw notFound('Webhook');
      const rows = await deliveriesPage(tx, webhookId, {
        after,
        status: q.status ?? null,
        limit: limit + 1,
      });
      return toPage(rows, limit, (r) => [r.id], deliveryView);
    });
  }

  /**
   * A dead letter goes back to the senders, same delivery id, attempts counted
   * afresh; never for a deleted webhook.
   */
  replay(actor: UserActor, deliveryId: string): Promise<DeliveryView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      // Locks the webhook row too: a concurrent delete either waits for this
      // replay (and then cancels it) or is seen here.
      const current = await lockDeliveryForReplay(tx, deliveryId);
      if (!current) throw notFound('Delivery');
      if (current.deleted_at) {
        throw new AppError(
          'webhook_deleted',
          'The webhook of this delivery was deleted; its deliveries stay readable but are not sent again.',
        );
      }
      if (current.status !== 'dead') {
        throw new AppError(
          'conflict',
          `Only dead deliveries are replayed; this one is ${current.status}.`,
        );
      }
      return deliveryView(await requeueDelivery(tx, deliveryId));
    });
  }
}
