/**
 * The SQL of idempotency keys: the claim (a transaction-scoped advisory lock), the stored
 * answer, and the purge. Every function runs in the caller's tenant transaction, for its tenant.
 */
import { type RowOf, table } from '../../database/table.js';
import type { TenantTx } from '../../database/tenant-tx.js';

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

/**
 * A scalar subquery: the completed answer of (tenant, key) as json `{requestHash, status, body}`
 * (a StoredAnswer), or NULL; `tenant` and `key` are SQL expressions of the caller's statement, so
 * a handler can read it with its other facts (after the claim, in a later statement).
 */
export function storedAnswerSql(tenant: string, key: string): string {
  // Rows in state 'in_progress' were written by versions that used a lease; they are no claim.
  return `(SELECT json_build_object('requestHash', request_hash, 'status', response_status, 'body', response_body)
       FROM idempotency_keys
      WHERE tenant_id = ${tenant} AND key = ${key} AND state = 'completed' AND expires_at > now())`;
}

/** The completed answer of (tx's tenant, key), if any. */
export async function storedAnswer(tx: TenantTx, key: string): Promise<StoredAnswer | undefined> {
  const [row] = await tx.em.query<{ a: StoredAnswer | null }[]>(
    `SELECT ${storedAnswerSql('$1', '$2')} AS a`,
    [tx.tenantId, key],
  );
  return row?.a ?? undefined;
}

/**
 * The INSERT that stores an answer (RETURNING key; no row if a live completed answer is already
 * there). Every value is an SQL expression of the caller's statement (`body` a jsonb one), so a
 * handler can store its answer in its effect's own statement.
 */
export function storeAnswerSql(v: {
  tenant: string;
  key: string;
  requestHash: string;
  method: string;
  path: string;
  status: string;
  body: string;
  ttlHours: string;
}): string {
  return `INSERT INTO idempotency_keys (tenant_id, key, request_hash, method, path, state, response_status, response_body, expires_at)
     VALUES (${v.tenant}, ${v.key}, ${v.requestHash}, ${v.method}, ${v.path}, 'completed', ${v.status}, ${v.body},
             now() + make_interval(hours => ${v.ttlHours}))
     ON CONFLICT (tenant_id, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, method = EXCLUDED.method, path = EXCLUDED.path,
           state = 'completed', response_status = EXCLUDED.response_status,
           response_body = EXCLUDED.response_body, locked_until = NULL,
           created_at = now(), expires_at = EXCLUDED.expires_at
       WHERE idempotency_keys.state <> 'completed' OR idempotency_keys.expires_at <= now()
     RETURNING key`;
}

/** Stores the answer for tx's tenant; false if a live completed answer is already there. */
export async function storeAnswer(tx: TenantTx, a: AnswerRow): Promise<boolean> {
  const stored = await tx.em.query<unknown[]>(
    storeAnswerSql({
      tenant: '$1',
      key: '$2',
      requestHash: '$3',
      method: '$4',
      path: '$5',
      status: '$6',
      body: '$7::jsonb',
      ttlHours: '$8',
    }),
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
