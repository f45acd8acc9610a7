import { createHmac, randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Length, Matches } from 'class-validator';
import { DataSource, type EntityManager } from 'typeorm';
import type { UserActor } from '../auth/actor.js';
import { AppError, notFound } from '../common/errors.js';
import { UUID_PATTERN, uuidv7 } from '../common/ids.js';
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
import { EscalationService } from './escalation.service.js';
import { refuseWebhookUrl } from './webhook-url.js';

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

export interface DeliveryView {
  id: string;
  webhookId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'dead';
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

/** How long a delivery is held by one sender before another may try it (crash safety). */
const SEND_LEASE_SECONDS = 60;

/**
 * Outbound webhooks from the transactional outbox: the relay turns each new
 * outbox message into one delivery per matching webhook (its id is the
 * delivery id, stable across retries), then senders post them signed, retry
 * with jittered exponential backoff and dead-letter at the end. A sender that
 * dies mid-flight leaves the delivery to be sent again: at least once.
 */
@Injectable()
export class WebhooksService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private stop: () => void = () => undefined;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly db: TenantDb,
    private readonly escalations: EscalationService,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stop = startIntervalJob(
      Math.min(this.config.jobsIntervalSeconds, 5),
      this.logger,
      'outbox and escalation jobs',
      () => this.runOnce(),
    );
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  async create(actor: UserActor, dto: CreateWebhookDto): Promise<WebhookView> {
    const refused = await refuseWebhookUrl(dto.url, this.config.webhooksAllowPrivate);
    if (refused) {
      throw new AppError('webhook_url_refused', refused, {
        errors: [{ field: 'url', message: refused }],
      });
    }
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    return this.db.tenantTransaction(actor.tenantId, async (em) => {
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
    return this.db.tenantTransaction(actor.tenantId, async (em) => {
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

  remove(actor: UserActor, id: string): Promise<void> {
    return this.db.tenantTransaction(actor.tenantId, async (em) => {
      if (!UUID_PATTERN.test(id)) throw notFound('Webhook');
      const [, n] = await em.query<[unknown[], number]>(
        `UPDATE webhooks SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL`,
        [id],
      );
      if (!n) throw notFound('Webhook');
    });
  }

  deliveries(
    actor: UserActor,
    webhookId: string,
    q: PageQueryDto & { status?: string },
  ): Promise<Page<DeliveryView>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : null;
    return this.db.tenantTransaction(actor.tenantId, async (em) => {
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

  /** A dead letter goes back to the senders, same delivery id, attempts counted afresh. */
  replay(actor: UserActor, deliveryId: string): Promise<DeliveryView> {
    return this.db.tenantTransaction(actor.tenantId, async (em) => {
      if (!UUID_PATTERN.test(deliveryId)) throw notFound('Delivery');
      const [rows] = await em.query<[DeliveryRow[], number]>(
        `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
          WHERE id = $1 AND status = 'dead' RETURNING *`,
        [deliveryId],
      );
      if (!rows[0]) {
        const [exists] = await em.query<{ status: string }[]>(
          `SELECT status FROM webhook_deliveries WHERE id = $1`,
          [deliveryId],
        );
        if (!exists) throw notFound('Delivery');
        throw new AppError(
          'conflict',
          `Only dead deliveries are replayed; this one is ${exists.status}.`,
        );
      }
      return deliveryView({ ...rows[0], url: '', secret: '' });
    });
  }

  /** One round of background work for every tenant: relay, send, re-route stale escalations. */
  async runOnce(): Promise<{
    relayed: number;
    delivered: number;
    failed: number;
    rerouted: number;
  }> {
    const tenants = await this.ds.query<{ id: string; kind: string }[]>(
      `SELECT id, kind FROM tenants ORDER BY id`,
    );
    const report = { relayed: 0, delivered: 0, failed: 0, rerouted: 0 };
    for (const { id, kind } of tenants) {
      report.relayed += await this.relay(id);
      const sent = await this.sendDue(id);
      report.delivered += sent.delivered;
      report.failed += sent.failed;
      if (kind === 'customer') {
        report.rerouted += await this.escalations.rerouteStale(
          id,
          this.config.escalationClaimMinutesUrgent,
          this.config.escalationClaimMinutes,
        );
      }
    }
    return report;
  }

  /** New outbox messages become deliveries for the webhooks that want them; the message is then published. */
  async relay(tenantId: string): Promise<number> {
    return this.db.tenantTransaction(tenantId, async (em) => {
      const messages = await em.query<
        { id: string; topic: string; payload: unknown; created_at: Date }[]
      >(
        `SELECT id, topic, payload, created_at FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED`,
      );
      if (messages.length === 0) return 0;
      const hooks = await em.query<{ id: string; events: string[] }[]>(
        `SELECT id, events FROM webhooks WHERE deleted_at IS NULL`,
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

  /** Sends due deliveries: claimed with a short lease (committed), posted, then recorded. */
  async sendDue(tenantId: string): Promise<{ delivered: number; failed: number }> {
    const due = await this.db.tenantTransaction(tenantId, async (em) => {
      const [rows] = await em.query<[DeliveryRow[], number]>(
        `UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => $1)
           FROM webhooks w
          WHERE w.tenant_id = d.tenant_id AND w.id = d.webhook_id
            AND (d.tenant_id, d.id) IN (
              SELECT tenant_id, id FROM webhook_deliveries
               WHERE status = 'pending' AND next_attempt_at <= now()
               ORDER BY next_attempt_at LIMIT 50 FOR UPDATE SKIP LOCKED)
          RETURNING d.*, w.url, w.secret`,
        [SEND_LEASE_SECONDS],
      );
      return rows;
    });
    let delivered = 0;
    let failed = 0;
    for (const d of due) {
      const outcome = await this.post(d);
      await this.db.tenantTransaction(tenantId, (em) => this.recordAttempt(em, d, outcome));
      if (outcome.ok) delivered++;
      else failed++;
    }
    return { delivered, failed };
  }

  private async post(
    d: DeliveryRow,
  ): Promise<{ ok: boolean; status: number | null; error: string | null }> {
    const refused = await refuseWebhookUrl(d.url, this.config.webhooksAllowPrivate);
    if (refused) return { ok: false, status: null, error: refused };
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(5000),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'LockDesk-Webhooks/1',
          'lockdesk-delivery': d.id,
          'lockdesk-event': d.event_type,
          'lockdesk-signature': signWebhook(d.secret, d.body, Math.floor(Date.now() / 1000)),
        },
        body: d.body,
      });
      await res.arrayBuffer().catch(() => undefined);
      return {
        ok: res.status >= 200 && res.status < 300,
        status: res.status,
        error: res.ok ? null : `HTTP ${res.status}`,
      };
    } catch (err) {
      return {
        ok: false,
        status: null,
        error: err instanceof Error ? err.message.slice(0, 500) : 'request failed',
      };
    }
  }

  private async recordAttempt(
    em: EntityManager,
    d: DeliveryRow,
    outcome: { ok: boolean; status: number | null; error: string | null },
  ): Promise<void> {
    const attempts = d.attempts + 1;
    if (outcome.ok) {
      await em.query(
        `UPDATE webhook_deliveries SET status = 'delivered', attempts = $2, last_status = $3, last_error = NULL, delivered_at = now()
          WHERE id = $1`,
        [d.id, attempts, outcome.status],
      );
      return;
    }
    const dead = attempts >= this.config.webhookMaxAttempts;
    // Exponential backoff with full jitter around it: base * 2^(attempts-1) * [0.5, 1.5).
    const delay = this.config.webhookRetryBaseSeconds * 2 ** (attempts - 1) * (0.5 + Math.random());
    await em.query(
      `UPDATE webhook_deliveries SET status = $2, attempts = $3, last_status = $4, last_error = $5,
              next_attempt_at = now() + make_interval(secs => $6)
        WHERE id = $1`,
      [
        d.id,
        dead ? 'dead' : 'pending',
        attempts,
        outcome.status,
        outcome.error,
        Math.min(delay, 86_400),
      ],
    );
  }

  private async findWebhook(em: EntityManager, id: string): Promise<void> {
    if (!UUID_PATTERN.test(id)) throw notFound('Webhook');
    const [w] = await em.query<{ id: string }[]>(
      `SELECT id FROM webhooks WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    if (!w) throw notFound('Webhook');
  }
}
