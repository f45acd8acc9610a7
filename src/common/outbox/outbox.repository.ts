/**
 * The transactional outbox: messages appended in the transaction of the change they describe,
 * so a webhook is sent if and only if the change committed. The relay (`outbox-relay.ts`) reads
 * them afterwards. Every writer and reader goes through here; no module writes outbox SQL itself.
 */
import type { TenantTx } from '../../database/tenant-db.service.js';
import { type RowOf, table } from '../../database/table.js';

export const OUTBOX = table('outbox', {
  tenant_id: 'uuid',
  id: 'int8',
  topic: 'text',
  aggregate_id: 'uuid',
  payload: 'jsonb',
  created_at: 'timestamptz',
  published_at: 'timestamptz?',
});

export interface OutboxMessage {
  topic: string;
  aggregateId: string;
  payload: object;
}

/**
 * The statement that appends the messages `select` produces (its columns, in order: tenant_id,
 * topic, aggregate_id, payload), for a writer that builds its message inside its own statement
 * (a CTE next to the change), so the change and its message stay one round trip.
 */
export function outboxInsert(select: string): string {
  return `INSERT INTO outbox (tenant_id, topic, aggregate_id, payload) ${select}`;
}

/** Appends messages for `tx`'s tenant in one statement. */
export async function appendOutbox(
  tx: TenantTx,
  messages: readonly OutboxMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  await tx.em.query(
    outboxInsert(
      `SELECT $1::uuid, m.topic, m.aggregate_id, m.payload
         FROM jsonb_to_recordset($2::jsonb) AS m(topic text, aggregate_id uuid, payload jsonb)`,
    ),
    [
      tx.tenantId,
      JSON.stringify(
        messages.map((m) => ({ topic: m.topic, aggregate_id: m.aggregateId, payload: m.payload })),
      ),
    ],
  );
}

/** An outbox message as the relay reads it. */
export type OutboxRow = Pick<RowOf<typeof OUTBOX>, 'id' | 'topic' | 'payload' | 'created_at'>;

/**
 * Up to `limit` unpublished messages of `tx`'s tenant, oldest first, locked for the rest of the
 * transaction; messages another relay holds are skipped, not waited for.
 */
export function lockUnpublished(tx: TenantTx, limit: number): Promise<OutboxRow[]> {
  return tx.em.query<OutboxRow[]>(
    `SELECT id, topic, payload, created_at FROM outbox
      WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
}

/** Marks messages published (the relay has handed them on in the same transaction). */
export async function markPublished(tx: TenantTx, ids: readonly string[]): Promise<void> {
  await tx.em.query(`UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])`, [ids]);
}

/**
 * Deletes up to `limit` of `tx`'s tenant's messages published before `before`, oldest first
 * (the retention purge). Unpublished messages are never deleted; rows another purge holds are
 * skipped, not waited for. Answers how many went.
 */
export async function purgePublished(tx: TenantTx, before: Date, limit: number): Promise<number> {
  const [{ n }] = await tx.em.query<[{ n: number }]>(
    `WITH d AS (
       DELETE FROM outbox
        WHERE (tenant_id, id) IN (
          SELECT tenant_id, id FROM outbox
           WHERE published_at IS NOT NULL AND published_at < $1
           ORDER BY published_at LIMIT $2
           FOR UPDATE SKIP LOCKED)
        RETURNING 1)
     SELECT count(*)::int AS n FROM d`,
    [before, limit],
  );
  return n;
}
