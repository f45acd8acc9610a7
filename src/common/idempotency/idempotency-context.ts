import { AsyncLocalStorage } from 'node:async_hooks';
import type { TenantTx } from '../../database/tenant-tx.js';
import { AppError } from '../errors.js';
import { storeAnswer, storedAnswer, type StoredAnswer } from './idempotency.repository.js';

export {
  IDEMPOTENCY_LOCK_SQL,
  IDEMPOTENCY_TTL_HOURS,
  storeAnswerSql,
  storedAnswerSql,
  type StoredAnswer,
} from './idempotency.repository.js';

export type Claim = { kind: 'claimed' } | { kind: 'replay'; status: number; body: unknown };

export interface IdempotentOptions {
  /**
   * The handler reads the stored answer in its own first statement and stores its answer in its
   * effect's write statement (IdempotencyScope.settle / completedInEffect): the interceptor opens
   * no transaction of its own, so a keyed request costs no round trip more than an unkeyed one.
   */
  answerInEffect?: boolean;
}

export const IDEMPOTENT_OPTIONS = 'lockdesk:idempotent-options';

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
 * key's advisory lock in its first statement (with the tenant scope, see
 * TenantDb), then reads the stored answer (`afterClaim`), and the service
 * stores the answer with `complete` in the same transaction as its effect.
 * The claim therefore lives exactly as long as the effect's transaction:
 * a live duplicate gets 409, a crashed attempt leaves nothing behind.
 *
 * A handler marked `answerInEffect` folds both into its own statements: it reads
 * the stored answer with its facts (`storedAnswerSql`, then `settle`) and stores its
 * answer in its write statement (`storeAnswerSql`, then `completedInEffect`); the
 * interceptor then opens no transaction of its own.
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
    readonly answerInEffect = false,
  ) {}

  /**
   * After the claim (the key's lock, taken by the transaction's first statement): a stored
   * answer settles the request. A separate statement: its snapshot is taken after the lock, so
   * it sees an answer that the previous holder committed just before releasing it.
   */
  async afterClaim(tx: TenantTx): Promise<void> {
    if (this.answerInEffect) return;
    this.settle(await storedAnswer(tx, this.key));
  }

  /** A stored answer of this key: the same request replays it, another is 422. */
  settle(done: StoredAnswer | null | undefined): void {
    if (!done) return;
    if (done.requestHash !== this.requestHash) throw reused();
    throw new IdempotentReplay(done.status, done.body);
  }

  /**
   * Stores the answer in the effect's transaction (which holds the claim); `status` when the
   * handler answers other than its usual status (a report joining an open ticket: 200, not 201).
   */
  async complete(tx: TenantTx, body: unknown, status = this.status): Promise<void> {
    if (tx.tenantId !== this.tenantId)
      throw new Error('idempotency answer stored in another tenant');
    const stored = await storeAnswer(tx, {
      key: this.key,
      requestHash: this.requestHash,
      method: this.method,
      path: this.path,
      status,
      body,
    });
    this.completedInEffect(stored);
  }

  /** The effect's statement stored the answer (`stored`: its storeAnswerSql returned a row). */
  completedInEffect(stored: boolean): void {
    // The lock makes a miss unreachable; should it ever happen, the effect rolls back rather than
    // happening twice, and the client's retry gets the stored answer.
    if (!stored) throw inProgress();
    this.completed = true;
  }
}

/** The keyed request being handled, if any, for the tenant transactions it opens. */
export const idempotencyContext = new AsyncLocalStorage<IdempotencyScope>();

/**
 * For TenantDb at the start of every tenant transaction: inside a keyed request whose answer is
 * not stored yet, the scope whose key the transaction must take.
 */
export function pendingIdempotencyScope(tenantId: string): IdempotencyScope | undefined {
  const scope = idempotencyContext.getStore();
  return scope && !scope.completed && scope.tenantId === tenantId ? scope : undefined;
}
