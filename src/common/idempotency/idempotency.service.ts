import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TenantDb } from '../../database/tenant-db.service.js';
import { AppError } from '../errors.js';

export const IDEMPOTENCY_TTL_HOURS = 24;
/** How long a claim blocks duplicates before a crashed attempt may be retried. */
export const IDEMPOTENCY_LEASE_SECONDS = 60;

export type Claim = { kind: 'claimed' } | { kind: 'replay'; status: number; body: unknown };

/**
 * One key, one request. Handed to the handler so that the service can store
 * the answer in the same transaction as its effect: then a crash can never
 * leave an effect without its stored answer, and a retry replays instead of
 * repeating.
 */
export class IdempotencyScope {
  completed = false;

  constructor(
    readonly tenantId: string,
    readonly key: string,
    readonly status: number,
  ) {}

  async complete(em: EntityManager, body: unknown): Promise<void> {
    await storeAnswer(em, this.tenantId, this.key, this.status, body);
    this.completed = true;
  }
}

async function storeAnswer(
  em: EntityManager,
  tenantId: string,
  key: string,
  status: number,
  body: unknown,
): Promise<void> {
  await em.query(
    `UPDATE idempotency_keys
        SET state = 'completed', response_status = $3, response_body = $4::jsonb, locked_until = NULL
      WHERE tenant_id = $1 AND key = $2`,
    [tenantId, key, status, JSON.stringify(body ?? null)],
  );
}

@Injectable()
export class IdempotencyService {
  constructor(private readonly db: TenantDb) {}

  /** Takes the key for this request, or says to replay, or refuses (409 running, 422 other body). */
  claim(
    tenantId: string,
    key: string,
    requestHash: string,
    method: string,
    path: string,
  ): Promise<Claim> {
    return this.db.tenantTransaction(tenantId, async (em) => {
      await em.query(
        `DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND expires_at < now()`,
        [tenantId, key],
      );
      const inserted = await em.query<unknown[]>(
        `INSERT INTO idempotency_keys (tenant_id, key, request_hash, method, path, state, locked_until, expires_at)
         VALUES ($1, $2, $3, $4, $5, 'in_progress', now() + make_interval(secs => $6), now() + make_interval(hours => $7))
         ON CONFLICT (tenant_id, key) DO NOTHING
         RETURNING key`,
        [
          tenantId,
          key,
          requestHash,
          method,
          path,
          IDEMPOTENCY_LEASE_SECONDS,
          IDEMPOTENCY_TTL_HOURS,
        ],
      );
      if (inserted.length === 1) return { kind: 'claimed' } as const;

      const rows = await em.query<
        { requestHash: string; state: string; status: number; body: unknown; leased: boolean }[]
      >(
        `SELECT request_hash AS "requestHash", state, response_status AS "status", response_body AS "body",
                locked_until > now() AS "leased"
           FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 FOR UPDATE`,
        [tenantId, key],
      );
      const row = rows[0];
      if (!row) throw new AppError('idempotency_in_progress', 'Retry this request.');
      if (row.requestHash !== requestHash) {
        throw new AppError(
          'idempotency_key_reused',
          'Use a new Idempotency-Key for a different request.',
        );
      }
      if (row.state === 'completed')
        return { kind: 'replay', status: row.status, body: row.body } as const;
      if (row.leased) {
        throw new AppError(
          'idempotency_in_progress',
          'The first request with this key is still running.',
          {
            headers: { 'retry-after': '1' },
          },
        );
      }
      // The first attempt died before finishing: this one takes over.
      await em.query(
        `UPDATE idempotency_keys SET locked_until = now() + make_interval(secs => $3) WHERE tenant_id = $1 AND key = $2`,
        [tenantId, key, IDEMPOTENCY_LEASE_SECONDS],
      );
      return { kind: 'claimed' } as const;
    });
  }

  /** For handlers that did not store their answer themselves. */
  complete(scope: IdempotencyScope, body: unknown): Promise<void> {
    return this.db.tenantTransaction(scope.tenantId, (em) => scope.complete(em, body));
  }

  /** The request failed: nothing was committed, so the key is free again. */
  release(tenantId: string, key: string): Promise<void> {
    return this.db.tenantTransaction(tenantId, async (em) => {
      await em.query(
        `DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND state = 'in_progress'`,
        [tenantId, key],
      );
    });
  }
}
