import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';
import { AppError } from '../errors.js';

export const IDEMPOTENCY_TTL_HOURS = 24;

/**
 * The claim on a key: a transaction-scoped advisory lock on (tenant, key).
 * PostgreSQL releases it at commit, at rollback, and the moment it sees the
 * connection of a crashed process go away, so no lease and no "in progress"
 * row can outlive the attempt that took it. $1 is the tenant id, $2 the key.
 */
export const IDEMPOTENCY_LOCK_SQL = `pg_try_advisory_xact_lock(hashtextextended('lockdesk.idempotency:' || $1 || ':' || $2, 0))`;

export type Claim = { kind: 'claimed' } | { kind: 'replay'; status: number; body: unknown };

/** Thrown inside the handler when another attempt with the same key has completed meanwhile. */
export class IdempotentReplay extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super('replay the stored answer');
  }
}

interface StoredAnswer {
  requestHash: string;
  status: number;
  body: unknown;
}

export function inProgress(): AppError {
  return new AppError(
    'idempotency_in_progress',
    'The first request with this key is still running.',
    { headers: { 'retry-after': '1' } },
  );
}

export function reused(): AppError {
  return new AppError(
    'idempotency_key_reused',
    'Use a new Idempotency-Key for a different request.',
  );
}

/** The completed answer of (tenant, key), if any: read in the caller's (tenant-scoped) transaction. */
export async function storedAnswer(
  em: EntityManager,
  tenantId: string,
  key: string,
): Promise<StoredAnswer | undefined> {
  // Rows in state 'in_progress' were written by versions that used a lease; they are no claim.
  const rows = await em.query<StoredAnswer[]>(
    `SELECT request_hash AS "requestHash", response_status AS "status", response_body AS "body"
       FROM idempotency_keys
      WHERE tenant_id = $1 AND key = $2 AND state = 'completed' AND expires_at > now()`,
    [tenantId, key],
  );
  return rows[0];
}

/**
 * One key, one request. The interceptor runs the handler with this scope in
 * `idempotencyContext`; every tenant transaction the handler opens takes the
 * key's advisory lock as its second statement (`claimIn`), and the service
 * stores the answer with `complete` in the same transaction as its effect.
 * The claim therefore lives exactly as long as the effect's transaction:
 * a live duplicate gets 409, a crashed attempt leaves nothing behind.
 */
export class IdempotencyScope {
  completed = false;

  constructor(
    readonly tenantId: string,
    readonly key: string,
    readonly requestHash: string,
    readonly method: string,
    readonly path: string,
    readonly status: number,
  ) {}

  /** Takes the key for the rest of this transaction, or throws 409 / 422 / a replay. */
  async claimIn(em: EntityManager): Promise<void> {
    const [lock] = await em.query<{ locked: boolean }[]>(
      `SELECT ${IDEMPOTENCY_LOCK_SQL} AS locked`,
      [this.tenantId, this.key],
    );
    if (!lock?.locked) throw inProgress();
    // A separate statement: its snapshot is taken after the lock, so it sees an answer that the
    // previous holder committed just before releasing it.
    const done = await storedAnswer(em, this.tenantId, this.key);
    if (!done) return;
    if (done.requestHash !== this.requestHash) throw reused();
    throw new IdempotentReplay(done.status, done.body);
  }

  /** Stores the answer in the effect's transaction (which holds the claim). */
  async complete(em: EntityManager, body: unknown): Promise<void> {
    const stored = await em.query<unknown[]>(
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
        this.tenantId,
        this.key,
        this.requestHash,
        this.method,
        this.path,
        this.status,
        JSON.stringify(body ?? null),
        IDEMPOTENCY_TTL_HOURS,
      ],
    );
    // The lock makes this unreachable; should it ever happen, the effect rolls back rather than
    // happening twice, and the client's retry gets the stored answer.
    if (stored.length !== 1) throw inProgress();
    this.completed = true;
  }
}

/** The keyed request being handled, if any, for the tenant transactions it opens. */
export const idempotencyContext = new AsyncLocalStorage<IdempotencyScope>();

/**
 * Called by TenantDb at the start of every tenant transaction: inside a keyed
 * request whose answer is not stored yet, the transaction takes the key.
 */
export async function claimIdempotencyKeyIn(em: EntityManager, tenantId: string): Promise<void> {
  const scope = idempotencyContext.getStore();
  if (scope && !scope.completed && scope.tenantId === tenantId) await scope.claimIn(em);
}
