import type { TenantTx } from './tenant-tx.js';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, type EntityManager } from 'typeorm';
import { AppError } from '../common/errors.js';
import {
  IDEMPOTENCY_LOCK_SQL,
  inProgress,
  pendingIdempotencyScope,
} from '../common/idempotency/idempotency-context.js';
import { isLostConnectionError, isRetryableTransactionError } from './pg-errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class MissingTenantError extends Error {}

/**
 * The DataSource of list and report reads: the DATABASE_READ_URL pool (a replica) when set,
 * else the main DataSource itself.
 */
export const READ_DATA_SOURCE = Symbol('READ_DATA_SOURCE');

/** Tries of one transaction that keeps meeting deadlocks or serialization failures. */
export const TRANSACTION_ATTEMPTS = 3;

/**
 * Runs a transaction again when PostgreSQL aborted it for a deadlock or a
 * serialization failure (its effects were rolled back, so running it again
 * is safe), after a short jittered pause so the two parties do not collide
 * again in step. After the last try the client gets a 503 with Retry-After:
 * the conflict is transient, not a fault of ours or of the request.
 */
export async function withTransactionRetry<T>(
  run: () => Promise<T>,
  attempts = TRANSACTION_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (isLostConnectionError(err)) {
        // Not retried: a COMMIT may have reached the server. The client retries (with its
        // Idempotency-Key), as for any other lost connection.
        throw new AppError('service_unavailable', 'The database is unavailable; retry shortly.', {
          headers: { 'retry-after': '5' },
        });
      }
      if (!isRetryableTransactionError(err)) throw err;
      if (attempt >= attempts) {
        throw new AppError('service_unavailable', 'The request met concurrent changes; retry it.', {
          headers: { 'retry-after': '1' },
        });
      }
      await sleep(10 * attempt + Math.random() * 40 * attempt);
    }
  }
}

/**
 * Scopes the caller's transaction to a tenant for row-level security: the
 * first statement of every tenant transaction, and the switch made by work
 * that crosses tenants on purpose (an API-key lookup, `asTenant`). Not exported:
 * the tenant of a transaction never changes implicitly.
 */
async function scopeToTenant(em: EntityManager, tenantId: string): Promise<void> {
  if (typeof tenantId !== 'string' || !UUID.test(tenantId)) {
    // Missing context fails loudly instead of running an unscoped query.
    throw new MissingTenantError(`a tenant scope needs a tenant id, got ${String(tenantId)}`);
  }
  await em.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
}

/**
 * The same, and in the same statement the claim on an idempotency key (its transaction-scoped
 * advisory lock): false when another attempt holds the key.
 */
async function scopeToTenantAndClaim(
  em: EntityManager,
  tenantId: string,
  key: string,
): Promise<boolean> {
  const [row] = await em.query<{ locked: boolean }[]>(
    `select set_config('app.tenant_id', $1, true), ${IDEMPOTENCY_LOCK_SQL} AS locked`,
    [tenantId, key],
  );
  return row?.locked === true;
}

export type { TenantTx } from './tenant-tx.js';

/**
 * Runs `work` in the same transaction scoped to another tenant (a partner's side of an
 * escalation, say), then scopes it back to `tx`'s tenant whatever happens.
 */
export async function asTenant<T>(
  tx: TenantTx,
  tenantId: string,
  work: (other: TenantTx) => Promise<T>,
): Promise<T> {
  await scopeToTenant(tx.em, tenantId);
  let result: T;
  try {
    result = await work({ em: tx.em, tenantId });
  } catch (err) {
    // The transaction may be aborted: try to restore, but the caller must see the first error
    // (a serialization failure must still reach the retry).
    await scopeToTenant(tx.em, tx.tenantId).catch(() => undefined);
    throw err;
  }
  await scopeToTenant(tx.em, tx.tenantId);
  return result;
}

/**
 * The only way request code reaches tenant data. Each call is one
 * transaction whose first statement scopes it to a tenant for row-level
 * security; the EntityManager is passed explicitly, never kept in ambient state.
 */
@Injectable()
export class TenantDb {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(READ_DATA_SOURCE) private readonly readDs: DataSource,
  ) {}

  tenantTransaction<T>(tenantId: string, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    if (typeof tenantId !== 'string' || !UUID.test(tenantId)) {
      // Missing context fails loudly instead of running an unscoped query.
      throw new MissingTenantError(`tenantTransaction needs a tenant id, got ${String(tenantId)}`);
    }
    return withTransactionRetry(() =>
      this.ds.transaction(async (em) => {
        const scope = pendingIdempotencyScope(tenantId);
        if (!scope) {
          await scopeToTenant(em, tenantId);
          return work({ em, tenantId });
        }
        // Inside a request with an Idempotency-Key: this transaction holds the key until it ends.
        if (!(await scopeToTenantAndClaim(em, tenantId, scope.key))) throw inProgress();
        const tx = { em, tenantId };
        await scope.afterClaim(tx);
        return work(tx);
      }),
    );
  }

  /**
   * A read-only tenant transaction for lists and reports, on the read pool (DATABASE_READ_URL, a
   * replica that may lag the primary by a moment) when one is configured, else like
   * `tenantTransaction`. Row-level security scopes it the same way. Only for reads that may be a
   * little stale: never read-then-write, nor a read of what this request has just written.
   */
  tenantRead<T>(tenantId: string, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    if (typeof tenantId !== 'string' || !UUID.test(tenantId)) {
      throw new MissingTenantError(`tenantRead needs a tenant id, got ${String(tenantId)}`);
    }
    if (this.readDs === this.ds) return this.tenantTransaction(tenantId, work);
    return withTransactionRetry(() =>
      this.readDs.transaction(async (em) => {
        await scopeToTenant(em, tenantId);
        return work({ em, tenantId });
      }),
    );
  }

  /**
   * A transaction with no tenant but one lookup setting (a login email, a
   * secret's hash) that the lookup policies accept. Used only to find which
   * tenant a credential belongs to; once found, `enterTenant(tenantId)` scopes the
   * rest of this transaction to it (an API key's own tenant) and hands out its `TenantTx`.
   */
  lookupTransaction<T>(
    setting: 'app.login_email' | 'app.secret_hash',
    value: string,
    work: (em: EntityManager, enterTenant: (tenantId: string) => Promise<TenantTx>) => Promise<T>,
  ): Promise<T> {
    return withTransactionRetry(() =>
      this.ds.transaction(async (em) => {
        await em.query(`select set_config($1, $2, true)`, [setting, value]);
        return work(em, async (tenantId) => {
          await scopeToTenant(em, tenantId);
          return { em, tenantId };
        });
      }),
    );
  }
}
