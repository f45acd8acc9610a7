/**
 * The SQL of idempotency keys: the claim (a transaction-scoped advisory lock), the stored
 * answer, and the purge. Every function runs in the caller's tenant transaction, for its tenant.
 */
import { type RowOf, table } from '../../database/table.js';
import type { TenantTx } from '../../database/tenant-db.service.js';

export const IDEMPOTENCY_KEYS = table('idempotency_keys', {
  tenant_id: 'uuid',
  key: 'text',
  request_hash: 'text',
  method: 'text',
  path: 'text',
  /** 'in_progress' rows were written by versions that used a lease; only 'completed' is written now. */
  state: 'text',
  locked_until: 'timestamptz?',
  response_status: 'int4?',
  response_body: 'jsonb?',
  created_at: 'timestamptz',
  expires_at: 'timestamptz',
});

export type IdempotencyKeyRow = RowOf<typeof IDEMPOTENCY_KEYS>;

export const IDEMPOTENCY_TTL_HOURS = 24;

/**
 * The claim on a key: a transaction-scoped advisory lock on (tenant, key).
 * PostgreSQL releases it at commit, at rollback, and the moment it sees the
 * connection of a crashed process go away, so no lease and no "in progress"
 * row can outlive the attempt that took it. $1 is the tenant id, $2 the key.
 */
export const IDEMPOTENCY_LOCK_SQL = `pg_try_advisory_xact_lock(hashtextextended('lockdesk.idempotency:' || $1 || ':' || $2, 0))`;

export interface StoredAnswer {
  requestHash: string;
  status: number;
  body: unknown;
}

export interface AnswerRow extends StoredAnswer {
  key: string;
  method: string;
  path: string;
}

/** Takes (tx's tenant, key) for the rest of the transaction; false when another attempt holds it. */
export async function tryLockKey(tx: TenantTx, key: string): Promise<boolean> {
  const [lock] = await tx.em.query<{ locked: boolean }[]>(
    `SELECT ${IDEMPOTENCY_LOCK_SQL} AS locked`,
    [tx.tenantId, key],
  );
  return lock?.locked === true;
}

/** The completed answer of (tx's tenant, key), if any. */
export async function storedAnswer(tx: TenantTx, key: string): Promise<StoredAnswer | undefined> {
  // Rows in state 'in_progress' were written by versions that used a lease; they are no claim.
  const rows = await tx.em.query<StoredAnswer[]>(
    `SELECT request_hash AS "requestHash", response_status AS "status", response_body AS "body"
       FROM idempotency_keys
      WHERE tenant_id = $1 AND key = $2 AND state = 'completed' AND expires_at > now()`,
    [tx.tenantId, key],
  );
  return rows[0];
}

/** Stores the answer for tx's tenant; false if a live completed answer is already there. */
export async function storeAnswer(tx: TenantTx, a: AnswerRow): Promise<boolean> {
  const stored = await tx.em.query<unknown[]>(
    `INSERT INTO idempotency_keys (tenant_id, key, request_hash, method, path, state, response_status, response_body, expires_at)
     VALUES ($1, $2, $3, $4, $5, 'completed', $6, $7::jsonb, now() + make_interval(hours => $8))
     ON CONFLICT (tenant_id, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, method = EXCLUDED.method, path = EXCLUDED.path,
           state = 'completed', response_status = EXCLUDED.response_status,
           response_body = EXCLUDED.response_body, locked_until = NULL,
           created_at = now(), expires_at = EXCLUDED.expires_at
       WHERE idempotency_keys.state <> 'completed' OR idempotency_keys.expires_at <= now()
     RETURNING key`,
    [
      tx.tenantId,
      a.key,
      a.requestHash,
      a.method,
      a.path,
      a.status,
      JSON.stringify(a.body ?? null),
      IDEMPOTENCY_TTL_HOURS,
    ],
  );
  return stored.length === 1;
}

/**
 * Deletes up to `batch` expired keys of the transaction's tenant; rows another instance is
 * deleting are skipped, not waited for. Answers how many went.
 */
export async function purgeExpiredKeys(tx: TenantTx, batch: number): Promise<number> {
  const [{ n }] = await tx.em.query<[{ n: number }]>(
    `WITH d AS (
       DELETE FROM idempotency_keys
        WHERE (tenant_id, key) IN (
          SELECT tenant_id, key FROM idempotency_keys
           WHERE expires_at <= now()
           LIMIT $1
           FOR UPDATE SKIP LOCKED)
        RETURNING 1)
     SELECT count(*)::int AS n FROM d`,
    [batch],
  );
  return n;
}
