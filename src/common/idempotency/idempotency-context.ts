import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';
import type { TenantTx } from '../../database/tenant-tx.js';
import { AppError } from '../errors.js';
import { storeAnswer, storedAnswer, tryLockKey } from './idempotency.repository.js';

export { IDEMPOTENCY_LOCK_SQL, IDEMPOTENCY_TTL_HOURS } from './idempotency.repository.js';

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
  async claimIn(tx: TenantTx): Promise<void> {
    if (!(await tryLockKey(tx, this.key))) throw inProgress();
    // A separate statement: its snapshot is taken after the lock, so it sees an answer that the
    // previous holder committed just before releasing it.
    const done = await storedAnswer(tx, this.key);
    if (!done) return;
    if (done.requestHash !== this.requestHash) throw reused();
    throw new IdempotentReplay(done.status, done.body);
  }

  /** Stores the answer in the effect's transaction (which holds the claim). */
  async complete(tx: TenantTx, body: unknown): Promise<void> {
    if (tx.tenantId !== this.tenantId)
      throw new Error('idempotency answer stored in another tenant');
    const stored = await storeAnswer(tx, {
      key: this.key,
      requestHash: this.requestHash,
      method: this.method,
      path: this.path,
      status: this.status,
      body,
    });
    // The lock makes this unreachable; should it ever happen, the effect rolls back rather than
    // happening twice, and the client's retry gets the stored answer.
    if (!stored) throw inProgress();
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
  if (scope && !scope.completed && scope.tenantId === tenantId)
    await scope.claimIn({ em, tenantId });
}
