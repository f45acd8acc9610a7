import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { relayOutbox } from '../common/outbox/outbox-relay.js';
import { APP_CONFIG, type ResolvedConfig } from '../config/config.provider.js';
import { type TenantTx, TenantDb } from '../database/tenant-db.service.js';
import { dueWebhookTenants } from '../database/due-work.repository.js';
import { DeliveryPool } from './outbound/delivery-pool.js';
import { type PostOutcome, WebhookTransport } from './outbound/webhook-transport.js';
import { deliveriesFor, endpointKey, signWebhook } from './webhook-events.js';
import { refuseDeliveryUrl } from './webhook-url.js';
import {
  insertDeliveries,
  leaseDeliveries,
  liveWebhookUrls,
  lockDueDeliveries,
  lockLiveWebhooksForRelay,
  recordDelivered,
  recordFailed,
  type SendableDelivery,
} from './webhooks.repository.js';

export interface PumpReport {
  relayed: number;
  started: number;
  /** One per request started, settling with its outcome (null: not recorded, e.g. aborted). */
  sends: Promise<PostOutcome | null>[];
}

/**
 * Outbound webhooks from the transactional outbox: the relay turns each new
 * outbox message into one delivery per matching webhook (its id is the
 * delivery id, stable across retries), then senders post them signed, retry
 * with jittered exponential backoff and dead-letter at the end. A sender that
 * dies mid-flight leaves the delivery to be sent again: at least once.
 *
 * Sending is concurrent and isolated: a round claims due deliveries tenant by
 * tenant (SKIP LOCKED, with a send lease longer than the request timeout) only
 * as far as the pool has room for that tenant and for each endpoint, and
 * starts them without waiting. A receiver that never answers holds its
 * endpoint's slots until the timeout and delays nobody else.
 *
 * The rounds are started by `WebhookDeliveryJob` (jobs/webhook-delivery.job.ts).
 */
@Injectable()
export class WebhookDelivery implements OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  private readonly pool: DeliveryPool;
  /** Claims run one at a time in this process: free slots are counted, then taken. */
  private claiming: Promise<unknown> = Promise.resolve();
  private closing = false;
  /**
   * Background mode (the delivery job runs: JOBS_INTERVAL_SECONDS > 0): a finished request
   * claims the tenant's next one at once.
   */
  private readonly background: boolean;
  private readonly refilling = new Set<string>();
  private rotation = 0;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly db: TenantDb,
    private readonly transport: WebhookTransport,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {
    this.pool = new DeliveryPool({
      total: config.webhookConcurrency,
      perTenant: config.webhookTenantConcurrency,
      perEndpoint: config.webhookEndpointConcurrency,
    });
    this.background = config.jobsIntervalSeconds > 0;
  }

  /** How long a claimed delivery is held by one sender: longer than any request may take. */
  private get leaseSeconds(): number {
    return Math.ceil(this.config.webhookTimeoutMs / 1000) + 60;
  }

  /** Before the database closes: requests in flight are abandoned (their lease expires, they are sent again). */
  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    await this.pool.abortAll();
  }

  /** A webhook was deleted: its requests in flight are aborted (their deliveries are cancelled). */
  abortWebhook(webhookId: string): void {
    this.pool.abortWebhook(webhookId);
  }

  /**
   * One round, waiting for the requests it started (tests and scripts; the
   * background job calls pump() and does not wait).
   */
  async runOnce(): Promise<{ relayed: number; delivered: number; failed: number }> {
    const round = await this.pump();
    const outcomes = await Promise.all(round.sends);
    return {
      relayed: round.relayed,
      delivered: outcomes.filter((o) => o?.ok).length,
      failed: outcomes.filter((o) => o && !o.ok).length,
    };
  }

  /**
   * Relays every tenant's new outbox messages and starts what the pool has
   * room for, visiting only tenants with messages or deliveries due. Returns
   * once the requests are started, not finished. One tenant's failure is
   * logged and does not stop the others.
   */
  async pump(): Promise<PumpReport> {
    const tenants = await dueWebhookTenants(this.ds);
    // Start with another tenant each round, so nobody is always first in line for slots.
    const offset = tenants.length ? this.rotation++ % tenants.length : 0;
    const report: PumpReport = { relayed: 0, started: 0, sends: [] };
    for (const id of [...tenants.slice(offset), ...tenants.slice(0, offset)]) {
      if (this.closing) break;
      try {
        report.relayed += await this.relay(id);
        report.sends.push(...(await this.claimAndStart(id)));
      } catch (err) {
        this.logger.error({ err, tenantId: id }, 'webhook relay failed for a tenant');
      }
    }
    report.started = report.sends.length;
    return report;
  }

  /** New outbox messages become deliveries for the webhooks that want them; the message is then published. */
  relay(tenantId: string): Promise<number> {
    return this.db.tenantTransaction(tenantId, (tx) =>
      relayOutbox(tx, async (tx, messages) => {
        const hooks = await lockLiveWebhooksForRelay(tx);
        await insertDeliveries(tx, deliveriesFor(tx.tenantId, messages, hooks));
      }),
    );
  }

  /** Claims (one claimer at a time in this process) and starts the tenant's due deliveries. */
  private claimAndStart(tenantId: string): Promise<Promise<PostOutcome | null>[]> {
    const next = this.claiming.then(() => this.claimAndStartNow(tenantId));
    this.claiming = next.catch(() => undefined);
    return next;
  }

  private async claimAndStartNow(tenantId: string): Promise<Promise<PostOutcome | null>[]> {
    if (this.closing) return [];
    const tenantRoom = this.pool.freeForTenant(tenantId);
    if (tenantRoom === 0) return [];
    const claimed = await this.db.tenantTransaction(tenantId, (tx) => this.claimIn(tx, tenantRoom));
    return claimed.map(({ row, endpoint }) =>
      this.pool.start({ tenantId, endpoint, webhookId: row.webhook_id }, (signal) =>
        this.deliver(row, signal),
      ),
    );
  }

  /** Leases up to `tenantRoom` due deliveries, as far as each endpoint has room. */
  private async claimIn(
    tx: TenantTx,
    tenantRoom: number,
  ): Promise<{ row: SendableDelivery; endpoint: string }[]> {
    const hooks = await liveWebhookUrls(tx);
    const endpointOf = new Map(hooks.map((h) => [h.id, endpointKey(tx.tenantId, h.url)]));
    const room = new Map<string, number>();
    for (const ep of endpointOf.values()) room.set(ep, this.pool.freeForEndpoint(ep));
    const open = hooks.filter((h) => room.get(endpointOf.get(h.id)!)! > 0).map((h) => h.id);
    if (open.length === 0) return [];
    // Per webhook, at most one endpoint's worth.
    const candidates = await lockDueDeliveries(tx, open, this.pool.limits.perEndpoint);
    const picked: string[] = [];
    for (const c of candidates) {
      if (picked.length === tenantRoom) break;
      const ep = endpointOf.get(c.webhook_id)!;
      const left = room.get(ep)!;
      if (left <= 0) continue;
      room.set(ep, left - 1);
      picked.push(c.id);
    }
    if (picked.length === 0) return [];
    const rows = await leaseDeliveries(tx, picked, this.leaseSeconds);
    return rows.map((row) => ({ row, endpoint: endpointOf.get(row.webhook_id)! }));
  }

  /** Posts one delivery and records the attempt; never throws. */
  private async deliver(d: SendableDelivery, signal: AbortSignal): Promise<PostOutcome | null> {
    const refused = refuseDeliveryUrl(d.url, this.config.webhooksAllowPrivate);
    const outcome: PostOutcome = refused
      ? { ok: false, status: null, error: refused }
      : await this.transport.post(
          d.url,
          {
            'content-type': 'application/json',
            'user-agent': 'LockDesk-Webhooks/1',
            'lockdesk-delivery': d.id,
            'lockdesk-event': d.event_type,
            'lockdesk-signature': signWebhook(d.secret, d.body, Math.floor(Date.now() / 1000)),
          },
          d.body,
          signal,
        );
    // Aborted (shutdown, webhook deleted): nothing to record; a lease that
    // expires sends it again, a cancelled delivery stays cancelled.
    if (outcome.cancelled || signal.aborted) return null;
    try {
      await this.db.tenantTransaction(d.tenant_id, (tx) => this.recordAttempt(tx, d, outcome));
    } catch (err) {
      // The lease expires and the delivery is sent again: at least once.
      this.logger.error({ err, deliveryId: d.id }, 'recording a webhook attempt failed');
      return null;
    }
    if (this.background && !this.closing) this.refill(d.tenant_id);
    return outcome;
  }

  /** A slot came free: claim the tenant's next due deliveries now rather than next round. */
  private refill(tenantId: string): void {
    if (this.refilling.has(tenantId)) return;
    this.refilling.add(tenantId);
    this.claimAndStart(tenantId)
      .catch((err: unknown) => this.logger.error({ err, tenantId }, 'webhook refill failed'))
      .finally(() => this.refilling.delete(tenantId));
  }

  /**
   * Records one attempt, only if the delivery is still the one this sender
   * claimed (pending, same attempt count): a cancelled delivery stays
   * cancelled, and a sender that lost its lease cannot overwrite a newer one.
   */
  private async recordAttempt(
    tx: TenantTx,
    d: SendableDelivery,
    outcome: PostOutcome,
  ): Promise<void> {
    if (outcome.ok) {
      await recordDelivered(tx, d.id, { claimedAttempts: d.attempts, status: outcome.status });
      return;
    }
    const attempts = d.attempts + 1;
    // Exponential backoff with full jitter around it: base * 2^(attempts-1) * [0.5, 1.5).
    const delay = this.config.webhookRetryBaseSeconds * 2 ** (attempts - 1) * (0.5 + Math.random());
    await recordFailed(tx, d.id, {
      claimedAttempts: d.attempts,
      dead: attempts >= this.config.webhookMaxAttempts,
      status: outcome.status,
      error: outcome.error,
      retryInSeconds: Math.min(delay, 86_400),
    });
  }
}
