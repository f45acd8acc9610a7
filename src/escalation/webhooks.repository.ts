/**
 * The SQL of outbound webhooks: the registrations (`webhooks`) and their deliveries
 * (`webhook_deliveries`). Every function runs in the caller's tenant transaction; row-level
 * security scopes it to `tx`'s tenant, and inserts write `tenant_id` from `tx`.
 */
import { table, type RowOf } from '../database/table.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import type { DeliveryStatus } from './dto/webhooks.dto.js';

export const WEBHOOKS = table('webhooks', {
  tenant_id: 'uuid',
  id: 'uuid',
  url: 'text',
  events: '_text',
  secret: 'text',
  created_at: 'timestamptz',
  deleted_at: 'timestamptz?',
});

export const WEBHOOK_DELIVERIES = table('webhook_deliveries', {
  tenant_id: 'uuid',
  id: 'uuid',
  webhook_id: 'uuid',
  outbox_id: 'int8',
  event_type: 'text',
  body: 'text',
  status: 'text',
  attempts: 'int4',
  next_attempt_at: 'timestamptz',
  last_status: 'int4?',
  last_error: 'text?',
  delivered_at: 'timestamptz?',
  created_at: 'timestamptz',
});

export type WebhookRow = RowOf<typeof WEBHOOKS>;
export type DeliveryRow = Omit<RowOf<typeof WEBHOOK_DELIVERIES>, 'status'> & {
  status: DeliveryStatus;
};
/** A delivery as its history shows it: without the body it sends. */
export type DeliverySummaryRow = Omit<DeliveryRow, 'tenant_id' | 'outbox_id' | 'body'>;
/** A delivery with what it takes to send it: its webhook's URL and secret. */
export type SendableDelivery = DeliveryRow & Pick<WebhookRow, 'url' | 'secret'>;

// ---- registrations ----

export async function insertWebhook(
  tx: TenantTx,
  w: Pick<WebhookRow, 'id' | 'url' | 'events' | 'secret'>,
): Promise<void> {
  await tx.em.query(
    `INSERT INTO webhooks (tenant_id, id, url, events, secret) VALUES ($1, $2, $3, $4, $5)`,
    [tx.tenantId, w.id, w.url, w.events, w.secret],
  );
}

/**
 * The live webhook of this URL with exactly these topics, if any. It first takes a transaction
 * lock on the tenant and URL, so two registrations of the same URL at once are one after the
 * other and the second sees the first.
 */
export async function lockSameWebhook(
  tx: TenantTx,
  url: string,
  events: readonly string[],
): Promise<{ id: string } | undefined> {
  await tx.em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1 || ' ' || $2, 7))`, [
    tx.tenantId,
    url,
  ]);
  const rows = await tx.em.query<{ id: string }[]>(
    `SELECT id FROM webhooks
      WHERE deleted_at IS NULL AND url = $1 AND events @> $2::text[] AND events <@ $2::text[]
      LIMIT 1`,
    [url, events],
  );
  return rows[0];
}

/** Live webhooks after `after` (by id), at most `limit`. */
export function listWebhooks(
  tx: TenantTx,
  page: { after: string | null; limit: number },
): Promise<Pick<WebhookRow, 'id' | 'url' | 'events' | 'created_at'>[]> {
  return tx.em.query(
    `SELECT id, url, events, created_at FROM webhooks
      WHERE deleted_at IS NULL AND ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`,
    [page.after, page.limit],
  );
}

/** Whether the webhook exists, deleted ones included (their history stays readable). */
export async function webhookExists(tx: TenantTx, id: string): Promise<boolean> {
  const rows = await tx.em.query<unknown[]>(`SELECT id FROM webhooks WHERE id = $1`, [id]);
  return rows.length > 0;
}

/** Marks a live webhook deleted; false when there is none. */
export async function softDeleteWebhook(tx: TenantTx, id: string): Promise<boolean> {
  const [, n] = await tx.em.query<[unknown[], number]>(
    `UPDATE webhooks SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL`,
    [id],
  );
  return n > 0;
}

/**
 * The live webhooks the relay fans out to, locked FOR SHARE: a webhook being deleted now is
 * either seen deleted or deleted after the relay commits.
 */
export function lockLiveWebhooksForRelay(
  tx: TenantTx,
): Promise<Pick<WebhookRow, 'id' | 'events'>[]> {
  return tx.em.query(`SELECT id, events FROM webhooks WHERE deleted_at IS NULL FOR SHARE`);
}

/** The live webhooks' URLs, for the senders' per-endpoint caps. */
export function liveWebhookUrls(tx: TenantTx): Promise<Pick<WebhookRow, 'id' | 'url'>[]> {
  return tx.em.query(`SELECT id, url FROM webhooks WHERE deleted_at IS NULL`);
}

// ---- deliveries ----

/** A page of a webhook's deliveries by id, optionally of one status. */
export function deliveriesPage(
  tx: TenantTx,
  webhookId: string,
  q: { after: string | null; status: string | null; limit: number },
): Promise<DeliverySummaryRow[]> {
  // Not the body: it is the whole event (a ticket with its diagnosis), which no list shows.
  return tx.em.query(
    `SELECT d.id, d.webhook_id, d.event_type, d.status, d.attempts, d.next_attempt_at, d.last_status,
            d.last_error, d.delivered_at, d.created_at
       FROM webhook_deliveries d
      WHERE d.webhook_id = $1 AND ($2::uuid IS NULL OR d.id > $2) AND ($3::text IS NULL OR d.status = $3)
      ORDER BY d.id LIMIT $4`,
    [webhookId, q.after, q.status, q.limit],
  );
}

/**
 * Deletes up to `limit` of `tx`'s tenant's finished deliveries (delivered, dead, cancelled)
 * created before `before` and not put back in line since (a replay sets next_attempt_at), oldest
 * first (the retention purge). Pending deliveries are never deleted; rows another purge or a
 * replay holds are skipped, not waited for. Answers how many went.
 */
export async function purgeFinishedDeliveries(
  tx: TenantTx,
  before: Date,
  limit: number,
): Promise<number> {
  const [{ n }] = await tx.em.query<[{ n: number }]>(
    `WITH d AS (
       DELETE FROM webhook_deliveries
        WHERE (tenant_id, id) IN (
          SELECT tenant_id, id FROM webhook_deliveries
           WHERE status <> 'pending' AND created_at < $1 AND next_attempt_at < $1
           ORDER BY created_at LIMIT $2
           FOR UPDATE SKIP LOCKED)
        RETURNING 1)
     SELECT count(*)::int AS n FROM d`,
    [before, limit],
  );
  return n;
}

/** Cancels a webhook's pending deliveries (it was deleted). */
export async function cancelPendingDeliveries(
  tx: TenantTx,
  webhookId: string,
  error: string,
): Promise<void> {
  await tx.em.query(
    `UPDATE webhook_deliveries SET status = 'cancelled', last_error = $2
      WHERE webhook_id = $1 AND status = 'pending'`,
    [webhookId, error],
  );
}

/**
 * A delivery's status and whether its webhook was deleted, locking the delivery (FOR UPDATE) and
 * its webhook (FOR SHARE): a concurrent delete either waits for the caller or is seen here.
 */
export async function lockDeliveryForReplay(
  tx: TenantTx,
  id: string,
): Promise<{ status: DeliveryStatus; deleted_at: Date | null } | undefined> {
  const rows = await tx.em.query<{ status: DeliveryStatus; deleted_at: Date | null }[]>(
    `SELECT d.status, w.deleted_at FROM webhook_deliveries d
       JOIN webhooks w ON w.tenant_id = d.tenant_id AND w.id = d.webhook_id
      WHERE d.id = $1 FOR UPDATE OF d FOR SHARE OF w`,
    [id],
  );
  return rows[0]!;
}

/** Puts a delivery back in line now, attempts counted afresh. */
export async function requeueDelivery(tx: TenantTx, id: string): Promise<DeliveryRow> {
  const [rows] = await tx.em.query<[DeliveryRow[], number]>(
    `UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
      WHERE id = $1 RETURNING *`,
    [id],
  );
  return rows[0]!;
}

export interface NewDelivery {
  id: string;
  webhookId: string;
  outboxId: string;
  eventType: string;
  body: string;
}

/**
 * Inserts pending deliveries in one statement; one that exists for the same webhook and outbox
 * message already (a relay that ran twice) is skipped.
 */
export async function insertDeliveries(
  tx: TenantTx,
  deliveries: readonly NewDelivery[],
): Promise<void> {
  if (deliveries.length === 0) return;
  await tx.em.query(
    `INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, outbox_id, event_type, body, status)
     SELECT $1::uuid, d.id, d.webhook_id, d.outbox_id, d.event_type, d.body, 'pending'
       FROM jsonb_to_recordset($2::jsonb)
         AS d(id uuid, webhook_id uuid, outbox_id bigint, event_type text, body text, ord int)
      ORDER BY d.ord
     ON CONFLICT (tenant_id, webhook_id, outbox_id) DO NOTHING`,
    [
      tx.tenantId,
      JSON.stringify(
        deliveries.map((d, ord) => ({
          id: d.id,
          webhook_id: d.webhookId,
          outbox_id: d.outboxId,
          event_type: d.eventType,
          body: d.body,
          ord,
        })),
      ),
    ],
  );
}

/**
 * Per webhook of `webhookIds`, its oldest due pending deliveries (at most `perWebhook`), locked
 * with SKIP LOCKED, oldest first overall: a backlog behind a busy endpoint does not hide the
 * tenant's others.
 */
export function lockDueDeliveries(
  tx: TenantTx,
  webhookIds: readonly string[],
  perWebhook: number,
): Promise<Pick<DeliveryRow, 'id' | 'webhook_id'>[]> {
  return tx.em.query(
    `SELECT d.id, d.webhook_id FROM webhooks w
       CROSS JOIN LATERAL (
         SELECT id, webhook_id, next_attempt_at FROM webhook_deliveries
          WHERE tenant_id = w.tenant_id AND webhook_id = w.id
            AND status = 'pending' AND next_attempt_at <= now()
          ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) d
      WHERE w.id = ANY($1::uuid[])
      ORDER BY d.next_attempt_at`,
    [webhookIds, perWebhook],
  );
}

/**
 * Takes deliveries for one sender: their next attempt moves `leaseSeconds` ahead, so no other
 * sender claims them meanwhile. Answers them with their webhook's URL and secret.
 */
export async function leaseDeliveries(
  tx: TenantTx,
  ids: readonly string[],
  leaseSeconds: number,
): Promise<SendableDelivery[]> {
  const [rows] = await tx.em.query<[SendableDelivery[], number]>(
    `UPDATE webhook_deliveries d SET next_attempt_at = now() + make_interval(secs => $2)
       FROM webhooks w
      WHERE w.tenant_id = d.tenant_id AND w.id = d.webhook_id AND d.id = ANY($1::uuid[])
      RETURNING d.*, w.url, w.secret`,
    [ids, leaseSeconds],
  );
  return rows;
}

/**
 * Records a successful attempt, only if the delivery is still the one the sender claimed
 * (pending, `claimedAttempts` attempts so far).
 */
export async function recordDelivered(
  tx: TenantTx,
  id: string,
  a: { claimedAttempts: number; status: number | null },
): Promise<void> {
  await tx.em.query(
    `UPDATE webhook_deliveries SET status = 'delivered', attempts = $2, last_status = $3, last_error = NULL, delivered_at = now()
      WHERE id = $1 AND status = 'pending' AND attempts = $4`,
    [id, a.claimedAttempts + 1, a.status, a.claimedAttempts],
  );
}

/**
 * Records a failed attempt (retry after `retryInSeconds`, or dead), only if the delivery is still
 * the one the sender claimed.
 */
export async function recordFailed(
  tx: TenantTx,
  id: string,
  a: {
    claimedAttempts: number;
    dead: boolean;
    status: number | null;
    error: string | null;
    retryInSeconds: number;
  },
): Promise<void> {
  await tx.em.query(
    `UPDATE webhook_deliveries SET status = $2, attempts = $3, last_status = $4, last_error = $5,
            next_attempt_at = now() + make_interval(secs => $6)
      WHERE id = $1 AND status = 'pending' AND attempts = $7`,
    [
      id,
      a.dead ? 'dead' : 'pending',
      a.claimedAttempts + 1,
      a.status,
      a.error,
      a.retryInSeconds,
      a.claimedAttempts,
    ],
  );
}
