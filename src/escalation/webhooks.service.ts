import { createHmac, randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Length, Matches } from 'class-validator';
import { DataSource, type EntityManager } from 'typeorm';
import type { UserActor } from '../auth/actor.js';
import { AppError, notFound } from '../common/errors.js';
import { uuidv7 } from '../common/ids.js';
import { startIntervalJob } from '../common/interval-job.js';
import {
  decodeCursor,
  type Page,
  pageLimit,
  type PageQueryDto,
  toPage,
} from '../common/pagination.js';
import { APP_CONFIG, type ResolvedConfig } from '../config/config.provider.js';
import { TenantDb } from '../database/tenant-db.service.js';
import { tenantIds } from '../database/tenants.repository.js';
import { DeliveryPool } from './outbound/delivery-pool.js';
import { type PostOutcome, WebhookTransport } from './outbound/webhook-transport.js';
import { refuseDeliveryUrl, refuseWebhookUrl } from './webhook-url.js';

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://hooks.example.com/lockdesk' })
  @IsString()
  @Length(1, 2000)
  url!: string;

  @ApiProperty({
    example: ['ticket.*', 'escalation.routed'],
    description: 'Topics, `prefix.*`, or `*`',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Matches(/^(\*|[a-z_]+\.(\*|[a-z_]+))$/, {
    each: true,
    message: 'each event must be a topic like ticket.created, ticket.* or *',
  })
  events!: string[];
}

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  createdAt: string;
  secret?: string;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryView {
  id: string;
  webhookId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

interface DeliveryRow {
  tenant_id: string;
  id: string;
  webhook_id: string;
  event_type: string;
  body: string;
  status: DeliveryView['status'];
  attempts: number;
  next_attempt_at: Date;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
  url: string;
  secret: string;
}

const deliveryView = (r: DeliveryRow): DeliveryView => ({
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

/** `t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>` */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export function topicMatches(patterns: string[], topic: string): boolean {
  return patterns.some(
    (p) => p === '*' || p === topic || (p.endsWith('.*') && topic.startsWith(p.slice(0, -1))),
  );
}

/** last_error of deliveries whose webhook was deleted while they waited. */
const CANCELLED_ERROR = 'cancelled: the webhook was deleted';

/** The caps apply per receiver as one tenant reaches it: the URL's origin. */
function endpointKey(tenantId: string, url: string): string {
  try {
    return `${tenantId} ${new URL(url).origin}`;
  } catch {
    return `${tenantId} ${url}`;
  }
}

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
 */
@Injectable()
export class WebhooksService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  private stop: () => void = () => undefined;
  private readonly pool: DeliveryPool;
  /** Claims run one at a time in this process: free slots are counted, then taken. */
  private claiming: Promise<unknown> = Promise.resolve();
  private closing = false;
  /** Background mode: a finished request claims the tenant's next one at once. */
  private background = false;
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
  }

  /** How long a claimed delivery is held by one sender: longer than any request may take. */
  private get leaseSeconds(): number {
    return Math.ceil(this.config.webhookTimeoutMs / 1000) + 60;
  }

  onApplicationBootstrap(): void {
    const seconds = Math.min(this.config.jobsIntervalSeconds, 5);
    this.background = seconds > 0;
    this.stop = startIntervalJob(seconds, this.logger, 'webhook deliveries', async () => {
      const { relayed, started } = await this.pump();
      return { relayed, started };
    });
  }

  /** Before the database closes: requests in flight are abandoned (their lease expires, they are sent again). */
  async onModuleDestroy(): Promise<void> {
    this.stop();
    this.closing = true;
    await this.pool.abortAll();
  }

  async create(actor: UserActor, dto: CreateWebhookDto): Promise<WebhookView> {
    const refused = await refuseWebhookUrl(dto.url, this.transport);
    if (refused) {
      throw new AppError('webhook_url_refused', refused, {
        errors: [{ field: 'url', message: refused }],
      });
    }
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const id = uuidv7();
      const events = [...new Set(dto.events)];
      await em.query(
        `INSERT INTO webhooks (tenant_id, id, url, events, secret) VALUES ($1, $2, $3, $4, $5)`,
        [actor.tenantId, id, dto.url, events, secret],
      );
      return { id, url: dto.url, events, createdAt: new Date().toISOString(), secret };
    });
  }

  list(actor: UserActor): Promise<{ data: WebhookView[] }> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const rows = await em.query<
        { id: string; url: string; events: string[]; created_at: Date }[]
      >(`SELECT id, url, events, created_at FROM webhooks WHERE deleted_at IS NULL ORDER BY id`);
      return {
        data: rows.map((r) => ({
          id: r.id,
          url: r.url,
          events: r.events,
          createdAt: r.created_at.toISOString(),
        })),
      };
    });
  }

  /** Stops the webhook: its pending deliveries are cancelled, its history stays readable. */
  async remove(actor: UserActor, id: string): Promise<void> {
    await this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const [, n] = await em.query<[unknown[], number]>(
        `UPDATE webhooks SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL`,
        [id],
      );
      if (!n) throw notFound('Webhook');
      // The relay and replay lock the webhook row, so no pending delivery can appear after this.
      await em.query(
        `UPDATE webhook_deliveries SET status = 'cancelled', last_error = $2
          WHERE webhook_id = $1 AND status = 'pending'`,
        [id, CANCELLED_ERROR],
      );
    });
    this.pool.abortWebhook(id);
  }

  /** Deliveries of a webhook, also after it was deleted (the history stays). */
  deliveries(
    actor: UserActor,
    webhookId: string,
    q: PageQueryDto & { status?: string },
  ): Promise<Page<DeliveryView>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : null;
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      await this.findWebhook(em, webhookId);
      const rows = await em.query<DeliveryRow[]>(
        `SELECT d.*, w.url, w.secret FROM webhook_deliveries d JOIN webhooks w ON w.tenant_id = d.tenant_id AND w.id = d.webhook_id
          WHERE d.webhook_id = $1 AND ($2::uuid IS NULL OR d.id > $2) AND ($3::text IS NULL OR d.status = $3)
          ORDER BY d.id LIMIT $4`,
        [webhookId, after, q.status ?? null, limit + 1],
      );
      return toPage(rows, limit, (r) => [r.id], deliveryView);
    });
  }

  /**
   * A dead letter goes back to the senders, same delivery id, attempts counted
   * afresh; never for a deleted webhook.
   */
  replay(actor: UserActor, deliveryId: string): Promise<DeliveryView> {
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      // Locks the webhook row too: a concurrent delete either waits for this
      // replay (and then cancels it) or is seen here.
      const [current] = await em.query<{ status: string; deleted_at: Date | null }[]>(
        `SELECT d.status, w.deleted_at FROM webhook_deliveries d
           JOIN webhooks w ON w.tenant_id = d.tenant_id AND w.id = d.webhook_id
          WHERE d.id = $1 FOR UPDATE OF d FOR SHARE OF w`,
        [deliveryId],
      );
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
      const [rows] = await em.query<[DeliveryRow[], number]>(
        `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
          WHERE id = $1 RETURNING *`,
        [deliveryId],
      );
      return deliveryView({ ...rows[0], url: '', secret: '' });
    });
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
   * room for. Returns once the requests are started, not finished. One
   * tenant's failure is logged and does not stop the others.
   */
  async pump(): Promise<PumpReport> {
    const tenants = await tenantIds(this.ds);
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
  async relay(tenantId: string): Promise<number> {
    return this.db.tenantTransaction(tenantId, async ({ em }) => {
      const messages = await em.query<
        { id: string; topic: string; payload: unknown; created_at: Date }[]
      >(
        `SELECT id, topic, payload, created_at FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED`,
      );
      if (messages.length === 0) return 0;
      // FOR SHARE: a webhook being deleted now is either seen deleted or deleted after this commits.
      const hooks = await em.query<{ id: string; events: string[] }[]>(
        `SELECT id, events FROM webhooks WHERE deleted_at IS NULL FOR SHARE`,
      );
      for (const m of messages) {
        for (const h of hooks.filter((w) => topicMatches(w.events, m.topic))) {
          const deliveryId = uuidv7();
          const body = JSON.stringify({
            id: deliveryId,
            type: m.topic,
            createdAt: m.created_at.toISOString(),
            data: m.payload,
          });
          await em.query(
            `INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, outbox_id, event_type, body, status)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending') ON CONFLICT (tenant_id, webhook_id, outbox_id) DO NOTHING`,
            [tenantId, deliveryId, h.id, m.id, m.topic, body],
          );
        }
      }
      await em.query(`UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])`, [
        messages.map((m) => m.id),
      ]);
      return messages.length;
    });
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
    const claimed = await this.db.tenantTransaction(tenantId, async ({ em }) => {
      const hooks = await em.query<{ id: string; url: string }[]>(
        `SELECT id, url FROM webhooks WHERE deleted_at IS NULL`,
      );
      const endpointOf = new Map(hooks.map((h) => [h.id, endpointKey(tenantId, h.url)]));
      const room = new Map<string, number>();
      for (const ep of endpointOf.values()) room.set(ep, this.pool.freeForEndpoint(ep));
      const open = hooks.filter((h) => room.get(endpointOf.get(h.id)!)! > 0).map((h) => h.id);
      if (open.length === 0) return [];
      // Per webhook, the oldest due deliveries (at most one endpoint's worth),
      // so a backlog behind a busy endpoint does not hide the tenant's others.
      const candidates = await em.query<{ id: string; webhook_id: string }[]>(
        `SELECT d.id, d.webhook_id FROM webhooks w
           CROSS JOIN LATERAL (
             SELECT id, webhook_id, next_attempt_at FROM webhook_deliveries
              WHERE tenant_id = w.tenant_id AND webhook_id = w.id
                AND status = 'pending' AND next_attempt_at <= now()
              ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) d
          WHERE w.id = ANY($1::uuid[])
          ORDER BY d.next_attempt_at`,
        [open, this.pool.limits.perEndpoint],
      );
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
      const [rows] = await em.query<[DeliveryRow[], number]>(
        `UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => $2)
           FROM webhooks w
          WHERE w.tenant_id = d.tenant_id AND w.id = d.webhook_id AND d.id = ANY($1::uuid[])
          RETURNING d.*, w.url, w.secret`,
        [picked, this.leaseSeconds],
      );
      return rows.map((row) => ({ row, endpoint: endpointOf.get(row.webhook_id)! }));
    });
    return claimed.map(({ row, endpoint }) =>
      this.pool.start({ tenantId, endpoint, webhookId: row.webhook_id }, (signal) =>
        this.deliver(row, signal),
      ),
    );
  }

  /** Posts one delivery and records the attempt; never throws. */
  private async deliver(d: DeliveryRow, signal: AbortSignal): Promise<PostOutcome | null> {
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
      await this.db.tenantTransaction(d.tenant_id, ({ em }) => this.recordAttempt(em, d, outcome));
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
    em: EntityManager,
    d: DeliveryRow,
    outcome: PostOutcome,
  ): Promise<void> {
    const attempts = d.attempts + 1;
    if (outcome.ok) {
      await em.query(
        `UPDATE webhook_deliveries SET status = 'delivered', attempts = $2, last_status = $3, last_error = NULL, delivered_at = now()
          WHERE id = $1 AND status = 'pending' AND attempts = $4`,
        [d.id, attempts, outcome.status, d.attempts],
      );
      return;
    }
    const dead = attempts >= this.config.webhookMaxAttempts;
    // Exponential backoff with full jitter around it: base * 2^(attempts-1) * [0.5, 1.5).
    const delay = this.config.webhookRetryBaseSeconds * 2 ** (attempts - 1) * (0.5 + Math.random());
    await em.query(
      `UPDATE webhook_deliveries SET status = $2, attempts = $3, last_status = $4, last_error = $5,
              next_attempt_at = now() + make_interval(secs => $6)
        WHERE id = $1 AND status = 'pending' AND attempts = $7`,
      [
        d.id,
        dead ? 'dead' : 'pending',
        attempts,
        outcome.status,
        outcome.error,
        Math.min(delay, 86_400),
        d.attempts,
      ],
    );
  }

  /** The webhook exists in this tenant (deleted ones too: their history stays readable). */
  private async findWebhook(em: EntityManager, id: string): Promise<void> {
    const [w] = await em.query<{ id: string }[]>(`SELECT id FROM webhooks WHERE id = $1`, [id]);
    if (!w) throw notFound('Webhook');
  }
}
